/** Check `lambda concurrency`: whether the region's unreserved pool leaves the watchdog functions room. */
import { GetAccountSettingsCommand } from '@aws-sdk/client-lambda';
import type { Config } from '../../../../lambdas/contracts/config/schema';
import type { PreflightAws } from './preflight-aws';
import type { CheckStatus, PreflightCheck } from './preflight-check';

/**
 * Unreserved concurrency below which the concurrency check warns. Nothing in a watchdog region
 * reserves concurrency, so its functions draw from the region's unreserved pool together with every
 * other function of the account: the probe every minute, the failback every minute (up to 5 min
 * each), the orchestrator (which re-invokes itself on long runs) and the weekly practice. They need
 * only a handful of executions at once, but a new account's quota of 10 leaves no headroom when the
 * account's other functions are busy, and a throttled probe or orchestrator during an outage is the
 * failure this deployment exists to prevent. 100 is also the least Lambda keeps unreserved, so an
 * account at the default quota of 1,000 passes.
 */
export const CONCURRENCY_FLOOR = 100;

/**
 * Functions each watchdog stack (lib/deploy/stacks/watchdog-stack.ts) deploys in its region: probe,
 * orchestrator and failback, and practice when `practice.enabled`. None sets reserved concurrency.
 */
export function watchdogFunctionsPerRegion(config: Pick<Config, 'practice'>): {
  functions: number;
  reserved: number;
} {
  return { functions: config.practice.enabled ? 4 : 3, reserved: 0 };
}

/** Lambda GetAccountSettings: the unreserved concurrency of the region. */
export async function checkConcurrency(
  aws: PreflightAws,
  config: Config,
  region: string,
): Promise<PreflightCheck> {
  const row = (status: CheckStatus, detail: string): PreflightCheck => ({
    check: 'lambda concurrency',
    region,
    status,
    detail,
  });
  const outcome = await aws.attempt(region, 'Lambda', () =>
    aws.lambda(region).send(new GetAccountSettingsCommand({})),
  );
  if (!outcome.ok) return row('fail', outcome.problem('lambda:GetAccountSettings'));
  const limit = outcome.value.AccountLimit;
  const unreserved = limit?.UnreservedConcurrentExecutions ?? limit?.ConcurrentExecutions ?? 0;
  const total = limit?.ConcurrentExecutions ?? unreserved;
  const { functions, reserved } = watchdogFunctionsPerRegion(config);
  const wanted = Math.max(CONCURRENCY_FLOOR, reserved + functions);
  const found = `unreserved concurrency ${unreserved} of ${total}`;
  if (unreserved >= wanted) {
    return row('ok', `${found}, at least ${wanted} for the ${functions} watchdog functions and the rest`);
  }
  return row(
    'warn',
    `${found}, below ${wanted}: the ${functions} watchdog functions share it with every other function of the account and may be throttled in an outage; request more (Service Quotas, AWS Lambda, "Concurrent executions", in ${region})`,
  );
}
