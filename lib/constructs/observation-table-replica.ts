import { Stack } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * The calls lambdas/adapters/dynamodb/observation-store.ts sends: BatchWriteItem to record a round
 * (its own IAM action; it needs no PutItem) and Query to read a region's rounds.
 */
export const OBSERVATION_STORE_ACTIONS = ['dynamodb:BatchWriteItem', 'dynamodb:Query'];

export interface ObservationTableReplicaProps {
  /** The observation global table's name, the same in every region. */
  readonly tableName: string;
}

/**
 * The observation table's replica in this stack's region, as the probe of a watchdog region sees
 * it. Permissions are granted through the method below, the least the probe needs.
 */
export class ObservationTableReplica extends Construct {
  readonly tableName: string;

  constructor(scope: Construct, id: string, props: ObservationTableReplicaProps) {
    super(scope, id);
    this.tableName = props.tableName;
  }

  /** ARN of the replica in this region. */
  get tableArn(): string {
    return Stack.of(this).formatArn({ service: 'dynamodb', resource: 'table', resourceName: this.tableName });
  }

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
