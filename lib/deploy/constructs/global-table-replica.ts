import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface GlobalTableReplicaProps {
  /** The global table's name, the same in every region. */
  readonly tableName: string;
}

/**
 * A global table's replica in this stack's region, found by its fixed name (the table itself lives
 * in the home region's stack). Subclasses add the grants, each the least a role of ours needs.
 */
export abstract class GlobalTableReplica extends Construct {
  readonly tableName: string;

  constructor(scope: Construct, id: string, props: GlobalTableReplicaProps) {
    super(scope, id);
    this.tableName = props.tableName;
  }

  /** ARN of the replica in this region. */
  get tableArn(): string {
    return Stack.of(this).formatArn({ service: 'dynamodb', resource: 'table', resourceName: this.tableName });
  }
}
