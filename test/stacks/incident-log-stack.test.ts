import { Match } from 'aws-cdk-lib/assertions';
import { chooseConsistency } from '../../lib/constructs/incident-table';
import { buildApp, templateOf } from '../support/example-app';

describe('IncidentLogStack', () => {
  const { stacks } = buildApp();
  const template = templateOf(stacks.incidentLog);

  it('lives in the home region and is named after the deployment', () => {
    expect(stacks.incidentLog.region).toBe('us-east-1');
    expect(stacks.incidentLog.stackName).toBe('acme-voice-incident-log');
  });

  it('creates one global table with a replica in every watchdog region', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    const [table] = Object.values(template.findResources('AWS::DynamoDB::GlobalTable'));
    const replicas = table.Properties.Replicas as Record<string, unknown>[];

    expect(table.Properties).toMatchObject({
      TableName: 'acme-voice-incidents',
      BillingMode: 'PAY_PER_REQUEST',
    });
    expect(replicas.map((replica) => replica.Region).sort()).toEqual(['us-east-1', 'us-east-2', 'us-west-2']);
    for (const replica of replicas) {
      expect(replica).toMatchObject({
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    }
  });

  it('encrypts with KMS, expires observations by TTL and keys items as the adapters expect', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'bySite',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
        }),
      ],
    });
  });

  it('uses strong multi-region consistency for three regions of one region set', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { MultiRegionConsistency: 'STRONG' });
    expect(chooseConsistency(['us-east-1', 'us-west-2'])).toBe('EVENTUAL');
    expect(chooseConsistency(['us-east-1', 'eu-west-1', 'us-west-2'])).toBe('EVENTUAL');
    expect(chooseConsistency(['eu-west-1', 'eu-west-2', 'eu-central-1'])).toBe('STRONG');
  });

  it('retains the table when the stack is deleted', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});
