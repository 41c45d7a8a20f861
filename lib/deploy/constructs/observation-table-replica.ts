import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { GlobalTableReplica, type GlobalTableReplicaProps } from './global-table-replica';

/**
 * The calls lambdas/adapters/dynamodb/observation-store.ts sends: BatchWriteItem to record a round
 * (its own IAM action; it needs no PutItem) and Query to read a region's rounds.
 */
export const OBSERVATION_STORE_ACTIONS = ['dynamodb:BatchWriteItem', 'dynamodb:Query'];

export type ObservationTableReplicaProps = GlobalTableReplicaProps;

/**
 * The observation table's replica in this stack's region, as the probe of a watchdog region sees
 * it. Permissions are granted through the method below, the least the probe needs.
 */
export class ObservationTableReplica extends GlobalTableReplica {
  /**
   * Probe functions: record observations and read every region's back for the quorum decision,
   * with exactly the calls the observation store makes (no GetItem, UpdateItem, DeleteItem or Scan;
   * the table has no index). The table holds nothing but observations, so no key condition is
   * needed; its key is the AWS managed one (aws/dynamodb), so no KMS grant is either.
   */
  grantObservationReadWrite(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: OBSERVATION_STORE_ACTIONS,
      resourceArns: [this.tableArn],
    });
  }
}
