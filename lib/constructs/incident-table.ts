import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AttributeType,
  Billing,
  MultiRegionConsistency,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { INCIDENT_TABLE } from '../../lambdas/incident-table-design';

/**
 * Region sets in which DynamoDB offers Multi-Region Strong Consistency with three replicas. When the
 * watchdog regions are exactly three of one set, the table is created MRSC, so a conditional write is
 * decided once for all regions; otherwise it is an eventually consistent global table and writers
 * that must not race go through a leader region.
 */
const STRONG_CONSISTENCY_REGION_SETS: readonly (readonly string[])[] = [
  ['us-east-1', 'us-east-2', 'us-west-2'],
  ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1'],
  ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3'],
];

/** Chooses strong consistency when every region is in one MRSC region set and there are exactly three. */
export function chooseConsistency(regions: readonly string[]): MultiRegionConsistency {
  const fits = STRONG_CONSISTENCY_REGION_SETS.some((set) => regions.every((region) => set.includes(region)));
  return regions.length === 3 && fits ? MultiRegionConsistency.STRONG : MultiRegionConsistency.EVENTUAL;
}

export interface IncidentTableProps {
  /** Physical table name: fixed, because the functions in every region find their replica by it. */
  readonly tableName: string;
  /** Every watchdog region; the stack's own region holds the home replica, the rest get replicas. */
  readonly regions: readonly string[];
  /**
   * What happens to the table when the stack is deleted.
   * @default RemovalPolicy.RETAIN: the incident log is an audit trail and outlives the stack.
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The incident log: one DynamoDB global table with a replica in every watchdog region, on-demand,
 * point-in-time recovery, deletion protection, KMS encryption and a TTL attribute for observations.
 * Keys and indexes come from lambdas/incident-table-design.ts, shared with the adapters.
 */
export class IncidentTable extends Construct {
  readonly table: TableV2;
  readonly consistency: MultiRegionConsistency;

  constructor(scope: Construct, id: string, props: IncidentTableProps) {
    super(scope, id);
    const { partitionKey, sortKey, timeToLiveAttribute, bySiteIndex } = INCIDENT_TABLE;
    this.consistency = chooseConsistency(props.regions);
    this.table = new TableV2(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: partitionKey, type: AttributeType.STRING },
      sortKey: { name: sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      timeToLiveAttribute,
      multiRegionConsistency: this.consistency,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      globalSecondaryIndexes: [
        {
          indexName: bySiteIndex.indexName,
          partitionKey: { name: bySiteIndex.partitionKey, type: AttributeType.STRING },
          sortKey: { name: bySiteIndex.sortKey, type: AttributeType.STRING },
        },
      ],
      replicas: props.regions
        .filter((region) => region !== Stack.of(this).region)
        .map((region) => ({
          region,
          deletionProtection: true,
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        })),
    });
  }
}
