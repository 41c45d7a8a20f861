/** Check `account`: whose credentials these are, and whether that is the config's account. */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Config } from '../../../../lambdas/contracts/config/schema';
import type { PreflightAws } from './preflight-aws';
import type { CheckStatus, PreflightCheck } from './preflight-check';

/** STS GetCallerIdentity: its account must be the config's `account`. */
export async function checkAccount(
  aws: PreflightAws,
  config: Config,
  region: string,
): Promise<PreflightCheck> {
  const row = (status: CheckStatus, detail: string): PreflightCheck => ({
    check: 'account',
    region,
    status,
    detail,
  });
  const outcome = await aws.attempt(region, 'STS', () =>
    aws.sts(region).send(new GetCallerIdentityCommand({})),
  );
  if (!outcome.ok) return row('fail', outcome.problem('sts:GetCallerIdentity'));
  const { Account: account, Arn: arn } = outcome.value;
  if (account === config.account) {
    return row('ok', `credentials of ${arn ?? 'an identity'} in account ${account}, the config's account`);
  }
  const dummy = config.account === '111111111111' ? ' (111111111111 is the example dummy)' : '';
  return row(
    'fail',
    `credentials are of account ${account ?? '(unknown)'} (${arn ?? 'unknown identity'}), the config deploys to ${config.account}${dummy}; use credentials of ${config.account} (AWS_PROFILE, \`aws sso login\`) or set \`account\` in the config`,
  );
}
