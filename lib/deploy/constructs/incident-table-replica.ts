import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { GlobalTableReplica, type GlobalTableReplicaProps } from './global-table-replica';

/** The calls lambdas/adapters/dynamodb/{incident,forwarding-state}-store.ts send (DeleteItem aside). */
export const INCIDENT_WORK_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
];

/** The calls lambdas/adapters/dynamodb/site-health-store.ts sends. */
export const SITE_HEALTH_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem'];

export type IncidentTableReplicaProps = GlobalTableReplicaProps;

/**
 * The incident table's replica in this stack's region, as the functions of a watchdog region see it.
 * Permissions are granted through the methods below, each the least a role of ours needs.
 */
export class IncidentTableReplica extends GlobalTableReplica {
  /**
   * Probe functions: read and write their regions' decision state of each site (`SITE#<site>` /
   * `HEALTH#<region>`), with exactly the calls lambdas/adapters/dynamodb/site-health-store.ts makes:
   * a consistent GetItem and a conditional PutItem. Their observations are on the observation table
   * (ObservationTableReplica.grantObservationReadWrite), not here. IAM can only constrain the
   * partition key, so the `SITE#*` condition also admits a site's `ACTIVE` pointer item; no other
   * incident-table item (incidents, events, number states) is reachable.
   */
  grantSiteHealthReadWrite(grantee: IGrantable): Grant {
    return this.grantOnLeadingKeys(grantee, SITE_HEALTH_ACTIONS, ['SITE#*']);
  }

  /**
   * Orchestrator, failback and practice functions: read and write incidents, their events and number
   * states (`INCIDENT#`), the sites' active-incident pointers, health and route read-backs (`SITE#`),
   * with exactly the calls the incident, forwarding-state and route read-back stores make: no Scan, no batch calls, no secondary index
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
