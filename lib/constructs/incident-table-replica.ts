import { Stack } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** The calls lambdas/adapters/dynamodb/{incident,forwarding-state}-store.ts send (DeleteItem aside). */
export const INCIDENT_WORK_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
];

export interface IncidentTableReplicaProps {
  /** The global table's name, the same in every region. */
  readonly tableName: string;
}

/**
 * The incident table's replica in this stack's region, as the functions of a watchdog region see it.
 * Permissions are granted through the methods below, each the least a role of ours needs.
 */
export class IncidentTableReplica extends Construct {
  readonly tableName: string;

  constructor(scope: Construct, id: string, props: IncidentTableReplicaProps) {
    super(scope, id);
    this.tableName = props.tableName;
  }

  /** ARN of the replica in this region. */
  get tableArn(): string {
    return Stack.of(this).formatArn({ service: 'dynamodb', resource: 'table', resourceName: this.tableName });
  }

  /**
   * Probe functions: write observations and the site-health items only (items whose partition key
   * starts with `OBS#` or `SITE#`), and read them back for the quorum decision.
   */
  grantObservationWrites(grantee: IGrantable): Grant {
    const grant = this.grantOnLeadingKeys(
      grantee,
      ['dynamodb:PutItem', 'dynamodb:BatchWriteItem'],
      ['OBS#*', 'SITE#*'],
    );
    this.grantOnLeadingKeys(grantee, ['dynamodb:GetItem', 'dynamodb:Query'], ['OBS#*', 'SITE#*']);
    return grant;
  }

  /**
   * Orchestrator, failback and practice functions: read and write incidents, their events and number
   * states (`INCIDENT#`), the sites' active-incident pointers and health (`SITE#`), with exactly the
   * calls the incident and forwarding-state stores make: no Scan, no batch calls, no secondary index
   * (only the operator CLI lists incidents by site), and DeleteItem only on `SITE#` items (clearing
   * a pointer), so these functions cannot delete an incident's record. The table's key is the AWS
   * managed one (aws/dynamodb), usable by anyone DynamoDB lets in: no KMS grant is needed.
   */
  grantIncidentReadWrite(grantee: IGrantable): Grant {
    const grant = this.grantOnLeadingKeys(grantee, INCIDENT_WORK_ACTIONS, ['INCIDENT#*', 'SITE#*']);
    this.grantOnLeadingKeys(grantee, ['dynamodb:DeleteItem'], ['SITE#*']);
    return grant;
  }

  private grantOnLeadingKeys(grantee: IGrantable, actions: string[], keyPatterns: string[]): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [this.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': keyPatterns } },
    });
  }
}
