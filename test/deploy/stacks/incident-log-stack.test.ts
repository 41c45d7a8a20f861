import { Match } from 'aws-cdk-lib/assertions';
import { chooseConsistency } from '../../../lib/deploy/constructs/incident-table';
import { buildApp, templateOf } from '../../support/example-app';

describe('IncidentLogStack', () => {
  const { stacks } = buildApp();
  const template = templateOf(stacks.incidentLog);
  /** The global table of that name, by its properties. */
  const tableNamed = (name: string): Record<string, unknown> => {
    const table = Object.values(template.findResources('AWS::DynamoDB::GlobalTable')).find(
      (candidate) => candidate.Properties.TableName === name,
    );
    if (!table) throw new Error(`no global table ${name} in the incident-log stack`);
    return table.Properties;
  };

  it('lives in the home region and is named after the deployment', () => {
    expect(stacks.incidentLog.region).toBe('us-east-1');
    expect(stacks.incidentLog.stackName).toBe('acme-voice-incident-log');
  });

  it('creates two global tables, the incident table and the observation table', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 2);
    expect(tableNamed('acme-voice-incidents')).toBeDefined();
    expect(tableNamed('acme-voice-observations')).toBeDefined();
  });

  it.each(['acme-voice-incidents', 'acme-voice-observations'])(
    'gives %s a replica in every watchdog region, on demand, protected and recoverable',
    (name) => {
      const table = tableNamed(name);
      const replicas = table.Replicas as Record<string, unknown>[];

      expect(table).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      });
      expect(replicas.map((replica) => replica.Region).sort()).toEqual([
        'us-east-1',
        'us-east-2',
        'us-west-2',
      ]);
      for (const replica of replicas) {
        expect(replica).toMatchObject({
          DeletionProtectionEnabled: true,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        });
      }
    },
  );

  it('keys the incident table as the adapters expect, with no TTL: MRSC tables cannot have one', () => {
    const table = tableNamed('acme-voice-incidents');

    expect(table.TimeToLiveSpecification).toBeUndefined();
    expect(table).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        expect.objectContaining({
          IndexName: 'bySite',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
        }),
      ],
    });
  });

  it('uses strong multi-region consistency for the incident table in three regions of one region set', () => {
    expect(tableNamed('acme-voice-incidents').MultiRegionConsistency).toBe('STRONG');
    expect(chooseConsistency(['us-east-1', 'us-west-2'])).toBe('EVENTUAL');
    expect(chooseConsistency(['us-east-1', 'eu-west-1', 'us-west-2'])).toBe('EVENTUAL');
    expect(chooseConsistency(['eu-west-1', 'eu-west-2', 'eu-central-1'])).toBe('STRONG');
  });

  it('expires observations by TTL on expiresAt, on an eventually consistent table keyed as the store expects', () => {
    const table = tableNamed('acme-voice-observations');

    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(table.MultiRegionConsistency).not.toBe('STRONG');
    expect(table.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(table.GlobalSecondaryIndexes).toBeUndefined();
  });

  it('retains both tables when the stack is deleted', () => {
    const tables = Object.values(template.findResources('AWS::DynamoDB::GlobalTable'));

    expect(tables).toHaveLength(2);
    for (const table of tables) {
      expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('outputs both table names for the operator', () => {
    template.hasOutput('IncidentTableName', { Value: Match.anyValue() });
    template.hasOutput('ObservationTableName', { Value: Match.anyValue() });
  });
});
