import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';

/**
 * The construct whose policy a grant lands in (a function's role, not the function), so that a
 * cdk-nag acknowledgement for that grant is attached where cdk-nag finds the finding.
 */
export function policyOwner(grantee: IGrantable): IConstruct {
  const principal = grantee.grantPrincipal as unknown;
  if (principal instanceof Construct) return principal;
  if (grantee instanceof Construct) return grantee;
  throw new Error('expected a grantee that is a construct (a function or a role)');
}
