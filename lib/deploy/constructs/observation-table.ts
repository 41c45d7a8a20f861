import type { RemovalPolicy } from 'aws-cdk-lib';
import { MultiRegionConsistency, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { OBSERVATION_TABLE } from '../../../lambdas/contracts/incident-table-design';
import { globalTableDefaults } from './global-table-defaults';

export interface ObservationTableProps {
  /** Physical table name: fixed, because the probes in every region find their replica by it. */
  readonly tableName: string;
  /** Every watchdog region; the stack's own region holds the home replica, the rest get replicas. */
  readonly regions: readonly string[];
  /**
   * What happens to the table when the stack is deleted.
   * @default RemovalPolicy.RETAIN, as for the incident table: see the class comment.
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The probes' observations: a DynamoDB global table with a replica in every watchdog region, always
 * eventually consistent (multi-Region eventual consistency, whatever the region set), with
 * `expiresAt` as its TTL attribute. A table apart from the incident table because "Global tables
 * configured for multi-Region strong consistency (MRSC) do not support configuring Time To Live
 * (TTL) deletion" (DynamoDB developer guide, "Multi-Region strong consistency"): the incident table
 * stays MRSC for its conditional writes, and observations still expire. Eventual consistency costs
 * the observations nothing they need: every region writes only its own `OBS#<site>#<region>`
 * partitions, so no two regions ever write the same item, and the quorum decision only absorbs
 * rounds older than its settle window, by which time replication (typically under a second) has
 * delivered them.
 *
 * On-demand and AWS-managed encryption like the incident table. Point-in-time recovery and
 * deletion protection are on and the table is retained with the stack, although the data is
 * regenerable by probing: the observations are the evidence behind every trip (replays, the
 * `observations export` command, post-incident questions such as "why did we fail over?") for
 * their retention period, PITR on a table this small costs little, and it keeps cdk-nag's
 * AwsSolutions-DDB3 satisfied without a suppression. Whoever wants it gone deletes it on purpose.
 */
export class ObservationTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: ObservationTableProps) {
    super(scope, id);
    const { partitionKey, sortKey, timeToLiveAttribute } = OBSERVATION_TABLE;
    this.table = new TableV2(this, 'Table', {
      ...globalTableDefaults(this, { ...props, partitionKey, sortKey }),
      timeToLiveAttribute,
      // Never STRONG, whatever the regions: MRSC would reject the TTL.
      multiRegionConsistency: MultiRegionConsistency.EVENTUAL,
    });
  }
}
