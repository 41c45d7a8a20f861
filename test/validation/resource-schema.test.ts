import { ResourceSchemas } from './resource-schema';
import {
  copyOf,
  findTemplate,
  resourcesOfType,
  type SynthesizedTemplate,
  synthesizeValidatedConfigs,
} from './synthesized-templates';

/** A two-type spec written by hand, so each rule of the checker is seen alone. */
function smallSpec(): ResourceSchemas {
  return new ResourceSchemas(
    [
      {
        cloudFormationType: 'Test::Thing::Widget',
        name: 'Widget',
        properties: {
          Name: { type: { type: 'string' }, required: true },
          Mode: { type: { type: 'string', allowedValues: ['FAST', 'SLOW'] } },
          Size: { type: { type: 'integer' } },
          Enabled: { type: { type: 'boolean' } },
          Parts: { type: { type: 'array', element: { type: 'ref', reference: { $ref: '7' } } } },
          Labels: { type: { type: 'map', element: { type: 'string' } } },
          Tags: { type: { type: 'array', element: { type: 'tag' } } },
          Document: { type: { type: 'json' } },
          Either: {
            type: { type: 'union', types: [{ type: 'string' }, { type: 'ref', reference: { $ref: '7' } }] },
          },
        },
      },
    ],
    [
      {
        $id: '7',
        name: 'Part',
        properties: {
          PartId: { type: { type: 'string' }, required: true },
          Count: { type: { type: 'number' } },
        },
      },
    ],
  );
}

const widget = (properties: Record<string, unknown>) => ({
  Type: 'Test::Thing::Widget',
  Properties: properties,
});

describe('ResourceSchemas (the checker)', () => {
  it('accepts a resource that follows its schema, intrinsic functions standing for any value', () => {
    const problems = smallSpec().checkResource(
      'W',
      widget({
        Name: { 'Fn::Join': ['-', ['a', { Ref: 'AWS::Region' }]] },
        Mode: 'FAST',
        Size: '3',
        Enabled: 'true',
        Parts: [{ PartId: 'p1', Count: 2.5 }, { 'Fn::GetAtt': ['X', 'Part'] }],
        Labels: { a: 'b' },
        Tags: [{ Key: 'k', Value: 'v' }],
        Document: { anything: [1, 2] },
        Either: { PartId: 'p2' },
      }),
    );

    expect(problems).toEqual([]);
  });

  it('reports an unknown resource type', () => {
    const problems = smallSpec().checkResource('W', { Type: 'Test::Thing::Gadget', Properties: {} });

    expect(problems).toEqual([
      { path: 'Resources.W.Type', message: 'unknown resource type Test::Thing::Gadget' },
    ]);
  });

  it('reports an unknown property, a missing required one and an unknown resource attribute', () => {
    const problems = smallSpec().checkResource('W', { ...widget({ Colour: 'red' }), DeletePolicy: 'Retain' });

    expect(problems.map((problem) => problem.path)).toEqual([
      'Resources.W.DeletePolicy',
      'Resources.W.Properties.Name',
      'Resources.W.Properties.Colour',
    ]);
    expect(problems[1].message).toBe('required property Name of Test::Thing::Widget is missing');
    expect(problems[2].message).toMatch(/^unknown property Colour of Test::Thing::Widget \(known: /);
  });

  it('reports literal values of the wrong type and values outside the allowed ones', () => {
    const problems = smallSpec().checkResource(
      'W',
      widget({ Name: true, Mode: 'MEDIUM', Size: 2.5, Enabled: 'yes', Labels: ['a'], Tags: [{ Key: 'k' }] }),
    );

    expect(problems.map((problem) => `${problem.path}: ${problem.message}`)).toEqual([
      'Resources.W.Properties.Name: expected a string, got boolean true',
      'Resources.W.Properties.Mode: expected one of FAST, SLOW, got string "MEDIUM"',
      'Resources.W.Properties.Size: expected an integer, got number 2.5',
      'Resources.W.Properties.Enabled: expected a boolean, got string "yes"',
      'Resources.W.Properties.Labels: expected an object (map), got an array',
      'Resources.W.Properties.Tags[0].Value: tag Value is missing',
    ]);
  });

  it('recurses into nested types inside arrays and unions', () => {
    const problems = smallSpec().checkResource(
      'W',
      widget({ Name: 'w', Parts: [{ PartId: 'p', Count: 'many' }, { Extra: 1 }], Either: 5 }),
    );

    expect(problems.map((problem) => problem.path)).toEqual([
      'Resources.W.Properties.Parts[0].Count',
      'Resources.W.Properties.Parts[1].PartId',
      'Resources.W.Properties.Parts[1].Extra',
    ]);
  });
});

describe('resource provider schemas (@aws-cdk/aws-service-spec) over the synthesized templates', () => {
  let templates: SynthesizedTemplate[];
  let schemas: ResourceSchemas;
  beforeAll(() => {
    templates = synthesizeValidatedConfigs();
    schemas = ResourceSchemas.load();
  }, 240_000);

  it('finds every resource type, property, required property, value type and allowed value as the spec has it', () => {
    const problems = templates.flatMap((synthesized) =>
      schemas
        .checkTemplate(synthesized.template)
        .map((problem) => `${synthesized.stackName} ${problem.path}: ${problem.message}`),
    );

    expect(templates.length).toBeGreaterThanOrEqual(10);
    expect(problems).toEqual([]);
  });

  it('reports a real template broken on purpose: unknown property, missing required one, wrong type, bad enum', () => {
    const broken = copyOf(findTemplate(templates, '-incident-log').template);
    const [[tableId, table]] = resourcesOfType(broken, 'AWS::DynamoDB::GlobalTable');
    const properties = table.Properties!;
    properties.ReplicationSpeed = 'fast';
    broken.Resources.Pager = { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: { Ref: 'Topic' } } };
    properties.MultiRegionConsistency = 'SOMETIMES';
    (properties.Replicas as Record<string, unknown>[])[0].DeletionProtectionEnabled = { enabled: true };

    const problems = schemas.checkTemplate(broken).map((problem) => `${problem.path}: ${problem.message}`);

    const at = `Resources.${tableId}.Properties`;
    expect(problems).toEqual(
      expect.arrayContaining([
        'Resources.Pager.Properties.Protocol: required property Protocol of AWS::SNS::Subscription is missing',
        expect.stringMatching(new RegExp(`^${at}\\.ReplicationSpeed: unknown property ReplicationSpeed`)),
        `${at}.MultiRegionConsistency: expected one of EVENTUAL, STRONG, got string "SOMETIMES"`,
        `${at}.Replicas[0].DeletionProtectionEnabled: expected a boolean, got an object`,
      ]),
    );
  });
});
