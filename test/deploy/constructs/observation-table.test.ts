import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IncidentTable } from '../../../lib/deploy/constructs/incident-table';
import { ObservationTable } from '../../../lib/deploy/constructs/observation-table';

/** Both tables in a stack of their own, in the first of `regions`. */
function tablesIn(regions: string[]): {
  incidents: Record<string, unknown>;
  observations: Record<string, unknown>;
} {
  const stack = new Stack(new App(), 'Tables', { env: { account: '111111111111', region: regions[0] } });
  new IncidentTable(stack, 'Incidents', { tableName: 'test-incidents', regions });
  new ObservationTable(stack, 'Observations', { tableName: 'test-observations', regions });
  const tables = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::GlobalTable'));
  const named = (name: string) => tables.find((table) => table.Properties.TableName === name)!.Properties;
  return { incidents: named('test-incidents'), observations: named('test-observations') };
}

describe('ObservationTable beside the IncidentTable', () => {
  it.each([
    [['eu-west-1', 'eu-west-2', 'eu-central-1'], 'STRONG'],
    [['us-east-1', 'us-west-2'], 'EVENTUAL'],
    [['us-east-1', 'eu-west-1', 'ap-northeast-1'], 'EVENTUAL'],
  ])(
    'in %j: the incident table is %s without TTL, the observation table eventual with TTL',
    (regions, consistency) => {
      const { incidents, observations } = tablesIn(regions);

      expect(incidents.MultiRegionConsistency).toBe(consistency);
      expect(incidents.TimeToLiveSpecification).toBeUndefined();
      expect(observations.MultiRegionConsistency).toBe('EVENTUAL');
      expect(observations.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
      expect((observations.Replicas as { Region: string }[]).map((replica) => replica.Region).sort()).toEqual(
        [...regions].sort(),
      );
    },
  );

  it('has no secondary index: the probe and the CLI only query a site and region partition', () => {
    expect(
      tablesIn(['us-east-1', 'us-east-2', 'us-west-2']).observations.GlobalSecondaryIndexes,
    ).toBeUndefined();
  });
});
