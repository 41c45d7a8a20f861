import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, MultiRegionConsistency, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { INCIDENT_TABLE, incidentTableConsistency } from '../../../lambdas/contracts/incident-table-design';
import { globalTableDefaults } from './global-table-defaults';

/**
 * Chooses strong consistency (MRSC) when there are exactly three regions, all in one MRSC region set
 * (lambdas/contracts/incident-table-design.ts, shared with the CLI's preflight); otherwise the table is an
 * eventually consistent global table and writers that must not race go through a leader region.
 */
export function chooseConsistency(regions: readonly string[]): MultiRegionConsistency {
  return incidentTableConsistency(regions) === 'STRONG'
    ? MultiRegionConsistency.STRONG
    : MultiRegionConsistency.EVENTUAL;
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
 * point-in-time recovery, deletion protection and KMS encryption. It has no TTL attribute: "Global
 * tables configured for multi-Region strong consistency (MRSC) do not support configuring Time To
 * Live (TTL) deletion" (DynamoDB developer guide, "Multi-Region strong consistency"), and nothing it
 * holds should expire anyway; the probes' observations, which do, live in the ObservationTable
 * (observation-table.ts). Keys and indexes come from lambdas/contracts/incident-table-design.ts, shared with
 * the adapters.
 */
export class IncidentTable extends Construct {
  readonly table: TableV2;
  readonly consistency: MultiRegionConsistency;

  constructor(scope: Construct, id: string, props: IncidentTableProps) {
    super(scope, id);
    const { partitionKey, sortKey, bySiteIndex } = INCIDENT_TABLE;
    this.consistency = chooseConsistency(props.regions);
    this.table = new TableV2(this, 'Table', {
      ...globalTableDefaults(this, { ...props, partitionKey, sortKey }),
      multiRegionConsistency: this.consistency,
      globalSecondaryIndexes: [
        {
          indexName: bySiteIndex.indexName,
          partitionKey: { name: bySiteIndex.partitionKey, type: AttributeType.STRING },
          sortKey: { name: bySiteIndex.sortKey, type: AttributeType.STRING },
        },
      ],
    });
  }
}
