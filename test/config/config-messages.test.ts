/**
 * Config problems in our words: every line names the field, says what is expected and how to fix it,
 * and never passes zod's own text through ("Invalid input: expected array, received undefined").
 */
import fc from 'fast-check';
import * as z from 'zod';
import { formatZodIssues } from '../../lambdas/contracts/config/format-issues';
import { configSchema } from '../../lambdas/contracts/config/schema';
import { configProblemsOf, exampleConfigObject } from '../support/config-files';
import { type Json, type PathKey, pathsOf } from '../support/json-paths';

// biome-ignore lint/suspicious/noExplicitAny: tests reach into the parsed YAML freely to break it.
type ConfigObject = Record<string, any>;

const problemsOf = configProblemsOf;

function damaged(change: (config: ConfigObject) => void): ConfigObject {
  const config = exampleConfigObject();
  change(config);
  return config;
}

/** zod's English phrasing, which a problem line must never show. */
const ZOD_PHRASES = [
  /Invalid input/,
  /Invalid option/,
  /Invalid (string|number|key|value|element|discriminator)\b/,
  /Too small/,
  /Too big/,
  /Unrecognized key/,
  /received /,
  // Our schema's own messages start "expected ..." too; zod's name a type or quote the options.
  /\bexpected (string|number|int|bigint|boolean|symbol|undefined|null|void|never|date|array|object|tuple|record|map|set|file|nonoptional|nan|function)\b/,
  /expected one of "/,
  /to (have|be) [<>]=?\d/,
];

/** `<field path>: <something>`, the path in `a.b[0].c` form or `(top level)`. */
const FIELD_LINE = /^(\(top level\)|[A-Za-z][\w-]*(\[\d+\]|\.[\w-]+)*): \S/;

describe('config problems say what is expected and how to fix it', () => {
  it.each<[string, (config: ConfigObject) => void, string[]]>([
    [
      'a missing field with a message of ours',
      (config) => {
        delete config.dns.records[0].primary.target;
      },
      ['dns.records[0].primary.target: required: add a host name. CNAME target served by the primary site.'],
    ],
    [
      'a missing list (zod alone says "expected array, received undefined")',
      (config) => {
        delete config.watchdogRegions;
      },
      [
        'watchdogRegions: required: add a list of at least 2 watchdog regions (3 recommended, so a quorum of 2 survives a region loss). Regions that each probe every site and can fail over on their own. At least 2; 3 recommended.',
      ],
    ],
    [
      'a missing mapping',
      (config) => {
        delete config.dns.records[0].secondary;
      },
      [
        'dns.records[0].secondary: required: add a mapping with target. Secondary target, served while the primary is unhealthy.',
      ],
    ],
    [
      'a missing choice',
      (config) => {
        delete config.sites[1].role;
      },
      [
        'sites[1].role: required: add primary or standby. Primary sites are protected (their numbers are forwarded when they fail); standby sites are only watched.',
      ],
    ],
  ])('%s: names the field, what to add and what it is for', (_, change, expected) => {
    expect(problemsOf(damaged(change))).toEqual(expected);
  });

  it.each<[string, (config: ConfigObject) => void, string[]]>([
    [
      'a number written as text',
      (config) => {
        config.sites[0].sip[0].port = '5060';
      },
      ['sites[0].sip[0].port: expected an integer 1-65535, got "5060"'],
    ],
    [
      'text where a list goes',
      (config) => {
        config.runbooks['sip-errors'].steps = 'call the vendor';
      },
      ['runbooks.sip-errors.steps: expected a list of at least one step, got "call the vendor"'],
    ],
    [
      'a list where a mapping goes',
      (config) => {
        config.dns.records[0].primary = ['portal.phx.example.net'];
      },
      ['dns.records[0].primary: expected a mapping with target, got a list of 1'],
    ],
    [
      'an empty value (YAML `detection:`) for a section with defaults',
      (config) => {
        config.detection = null;
      },
      [
        'detection: expected a mapping with any of probeIntervalSeconds, failuresToTrip, quorum, recoveryHoldMinutes, probeTimeoutMs, controlTargets, got null; leave the field out to use its default',
      ],
    ],
    [
      'a list where a step goes (reported once, not also as "too small")',
      (config) => {
        config.runbooks['sip-errors'].steps[0] = [];
      },
      ['runbooks.sip-errors.steps[0]: expected a non-empty text value, got a list of 0'],
    ],
  ])('a wrong type (%s) says what is expected and what was found', (_, change, expected) => {
    expect(problemsOf(damaged(change))).toEqual(expected);
  });

  it.each<[string, (config: ConfigObject) => void, string[]]>([
    [
      'a misspelt field',
      (config) => {
        config.sites[0].rol = 'primary';
      },
      [
        'sites[0]: unknown field "rol": did you mean "role"? (allowed here: id, role, sip, http, calls, failover)',
      ],
    ],
    [
      'a field that does not exist',
      (config) => {
        config.colour = 'blue';
      },
      [
        '(top level): unknown field "colour": remove it or correct its spelling (allowed here: deployment, account, homeRegion, watchdogRegions, alerts, sites, detection, carriers, forwardingPlan, failback, dns, practice, runbooks)',
      ],
    ],
    [
      'a runbook for a failure kind that does not exist',
      (config) => {
        config.runbooks['disk-full'] = { title: 'Disk full', steps: ['Free some space.'] };
      },
      [
        'runbooks: unknown field "disk-full": remove it or correct its spelling (allowed here: site-unreachable, sip-errors, calls-failing, carrier-api-failing, failback-halted)',
      ],
    ],
  ])('an unknown key (%s) is named with the keys allowed there', (_, change, expected) => {
    expect(problemsOf(damaged(change))).toEqual(expected);
  });

  it.each<[string, (config: ConfigObject) => void, string[]]>([
    [
      'a bad choice, with a message of ours',
      (config) => {
        config.sites[0].sip[0].transport = 'sctp';
      },
      ['sites[0].sip[0].transport: expected one of udp, tcp, tls, got "sctp"'],
    ],
    [
      'a bad choice, listed from the schema',
      (config) => {
        config.dns.checkerRegions[0] = 'mars-1';
      },
      [
        'dns.checkerRegions[0]: expected one of us-east-1, us-west-1, us-west-2, eu-west-1, ap-southeast-1, ap-southeast-2, ap-northeast-1, sa-east-1, got "mars-1"',
      ],
    ],
    [
      'a number out of range',
      (config) => {
        config.detection.probeIntervalSeconds = 2;
      },
      ['detection.probeIntervalSeconds: expected an integer 5-60, got 2'],
    ],
    [
      'an empty step',
      (config) => {
        config.runbooks['sip-errors'].steps[0] = '';
      },
      ['runbooks.sip-errors.steps[0]: expected a non-empty text value, got ""'],
    ],
    [
      'a badly written region',
      (config) => {
        config.watchdogRegions[1] = 'US-EAST-2';
      },
      ['watchdogRegions[1]: expected an AWS region such as us-east-1, got "US-EAST-2"'],
    ],
    [
      'a phone number without its country code',
      (config) => {
        config.alerts.sms[0] = '4155550199';
      },
      ['alerts.sms[0]: expected an E.164 number such as +14155550100, got "4155550199"'],
    ],
  ])('a bad value (%s) says what is allowed', (_, change, expected) => {
    expect(problemsOf(damaged(change))).toEqual(expected);
  });

  it.each<[string, z.ZodType, unknown, string]>([
    [
      'not a multiple',
      z.object({ step: z.number().multipleOf(5) }),
      { step: 7 },
      'step: expected a multiple of 5, got 7',
    ],
    [
      'no option of a union',
      z.object({ to: z.union([z.int(), z.boolean()]) }),
      { to: 'x' },
      'to: expected an integer or true or false, got "x"',
    ],
    [
      'a bad record key',
      z.object({ limits: z.record(z.string().regex(/^[a-z]+$/), z.int()) }),
      { limits: { 'Not-Ok': 1 } },
      'limits.Not-Ok: not an allowed key: expected text matching the pattern /^[a-z]+$/, got "Not-Ok"; rename or remove it',
    ],
    ['a wrong literal', z.object({ version: z.literal(2) }), { version: 1 }, 'version: expected 2, got 1'],
    [
      'a text without its prefix',
      z.object({ path: z.string().startsWith('/') }),
      { path: 'health' },
      'path: expected text starting with "/", got "health"',
    ],
    [
      'too long a text',
      z.object({ name: z.string().max(3) }),
      { name: 'abcd' },
      'name: expected at most 3 characters, got "abcd"',
    ],
    [
      'a refinement without a message',
      z.object({ even: z.int().refine((value) => value % 2 === 0) }),
      { even: 3 },
      'even: expected an integer, got 3',
    ],
  ])('any zod issue code (%s) is worded by the schema given', (_, schema, input, expected) => {
    const parsed = schema.safeParse(input, { reportInput: true });

    expect(formatZodIssues('f.yaml', parsed.error?.issues ?? [], schema)).toEqual([`f.yaml: ${expected}`]);
  });
});

describe('randomly damaged example configs', () => {
  const jsonSchema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const knownNames = namesIn(jsonSchema);

  /** A field the schema requires (no default, not optional): deleting it must always be reported. */
  const isRequired = (path: PathKey[]): boolean => {
    const parent = jsonSchemaAt(jsonSchema, path.slice(0, -1));
    const key = path[path.length - 1];
    return typeof key === 'string' && (parent?.required ?? []).includes(key);
  };

  const damage = fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), target: fc.nat() }),
    fc.record({
      kind: fc.constant('replace' as const),
      target: fc.nat(),
      pick: fc.nat(),
      values: wrongValues(),
    }),
    fc.record({
      kind: fc.constant('unknown-key' as const),
      target: fc.nat(),
      key: fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,12}$/).filter((key) => !knownNames.has(key)),
      value: fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean()),
    }),
  );

  it('every problem starts with a field path and none is zod raw text; a damaged config always has one', () => {
    fc.assert(
      fc.property(fc.array(damage, { minLength: 1, maxLength: 3 }), (damages) => {
        const config = exampleConfigObject() as Record<string, Json>;
        for (const change of damages) {
          if (change.kind === 'delete') {
            const required = pathsOf(config).filter(isRequired);
            const path = required[change.target % required.length];
            delete (parentOf(config, path) as Record<PathKey, Json>)[path[path.length - 1]];
          } else if (change.kind === 'replace') {
            const paths = pathsOf(config);
            const path = paths[change.target % paths.length];
            const parent = parentOf(config, path) as Record<PathKey, Json>;
            const key = path[path.length - 1];
            const others = VALUE_KINDS.filter((kind) => kind !== kindOf(parent[key]));
            parent[key] = change.values[others[change.pick % others.length]];
          } else {
            const objects = [[], ...pathsOf(config)].filter(
              (path) => kindOf(valueAt(config, path)) === 'object',
            );
            const target = valueAt(config, objects[change.target % objects.length]) as Record<string, Json>;
            target[change.key] = change.value;
          }
        }

        const problems = problemsOf(config);

        expect(problems.length).toBeGreaterThan(0);
        for (const problem of problems) {
          expect(problem).toMatch(FIELD_LINE);
          const zodPhrases = ZOD_PHRASES.filter((phrase) => phrase.test(problem)).map(String);
          expect({ problem, zodPhrases }).toEqual({ problem, zodPhrases: [] });
        }
      }),
      { seed: 20240514, numRuns: 200 },
    );
  });
});

const VALUE_KINDS = ['null', 'boolean', 'number', 'string', 'list', 'object'] as const;
type ValueKind = (typeof VALUE_KINDS)[number];

/** One candidate value of every kind; a replacement takes one of another kind than the value it replaces. */
function wrongValues(): fc.Arbitrary<Record<ValueKind, Json>> {
  return fc.record({
    null: fc.constant(null),
    boolean: fc.boolean(),
    number: fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.constantFrom(0, 1.5, 70_000, 1e12)),
    string: fc.oneof(
      fc.constantFrom('', 'yes', '123', 'us-east-1', '+14155550100'),
      fc.string({ maxLength: 12 }),
    ),
    list: fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), { maxLength: 3 }),
    object: fc.dictionary(fc.stringMatching(/^[a-z][a-zA-Z]{0,8}$/), fc.string({ maxLength: 6 }), {
      maxKeys: 2,
    }),
  });
}

function kindOf(value: Json | undefined): ValueKind | 'missing' {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value as 'boolean' | 'number' | 'string' | 'object';
}

function valueAt(root: Json, path: PathKey[]): Json {
  return path.reduce<Json>((node, key) => (node as Record<PathKey, Json>)[key], root);
}

function parentOf(root: Json, path: PathKey[]): Json {
  return valueAt(root, path.slice(0, -1));
}

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  items?: JsonSchemaNode;
  additionalProperties?: JsonSchemaNode | boolean;
  propertyNames?: { enum?: string[] };
  anyOf?: JsonSchemaNode[];
}

/** The JSON schema of the value at `path` (objects, lists and keyed mappings), as the config reference reads it. */
function jsonSchemaAt(node: JsonSchemaNode | undefined, path: PathKey[]): JsonSchemaNode | undefined {
  return path.reduce<JsonSchemaNode | undefined>((current, key) => {
    const resolved = current?.anyOf?.find((option) => option.properties || option.items) ?? current;
    if (typeof key === 'number') return resolved?.items;
    if (resolved?.properties?.[key]) return resolved.properties[key];
    return typeof resolved?.additionalProperties === 'object' ? resolved.additionalProperties : undefined;
  }, node);
}

/** Every field name and mapping key the schema knows, so an "unknown" key is never a known one. */
function namesIn(node: JsonSchemaNode): Set<string> {
  const names = new Set<string>(node.propertyNames?.enum ?? []);
  const children = [
    ...Object.entries(node.properties ?? {}).map(([name, child]) => {
      names.add(name);
      return child;
    }),
    ...(node.items ? [node.items] : []),
    ...(typeof node.additionalProperties === 'object' ? [node.additionalProperties] : []),
    ...(node.anyOf ?? []),
  ];
  for (const child of children) for (const name of namesIn(child)) names.add(name);
  return names;
}
