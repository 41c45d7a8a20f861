/**
 * `carrier-failover preflight`: checks, read-only, that the AWS account is ready for the first
 * `npx cdk deploy --all`, one row a check and region, each with the fix:
 *
 * 1. `account`: STS GetCallerIdentity; its account must be the config's `account`.
 * 2. `bootstrap`: SSM GetParameter `/cdk-bootstrap/<qualifier>/version` in each watchdog region,
 *    at least the version aws-cdk-lib's `CheckBootstrapVersion` rule demands.
 * 3. `secret <carrier>`: Secrets Manager GetSecretValue of each carrier's `secretName` in each
 *    region, checked by the loader the functions use (lambdas/adapters/carriers/credentials.ts), which
 *    names missing or ill-typed fields and never a value.
 *    `secret test call`: the same for each test call's digest secret (`sites[].calls[].secretName`),
 *    checked by the probe's parser (lambdas/adapters/probes/call-credentials.ts).
 * 4. `sms sandbox`, `sms <number>` (only with `alerts.sms`): SNS GetSMSSandboxAccountStatus, and in
 *    the sandbox ListSMSSandboxPhoneNumbers for whether each alert number is verified.
 * 5. `lambda concurrency`: Lambda GetAccountSettings, the unreserved concurrency per region.
 * 6. `table consistency`: whether the watchdog regions give the incident table strong consistency.
 *
 * Exit 0 without failures (warnings allowed), 5 with any, 4 when the credentials are missing or
 * rejected, 3 when AWS answered no request at all. Secret values are read into memory only by the
 * loader; rows and errors carry field and error names, never a value nor an SDK error's message.
 */

import { CARRIER_NAMES, type Config } from '../../../../lambdas/contracts/config/schema';
import { testCallSecretNamesOf } from '../../../../lambdas/contracts/config/test-call-secrets';
import { checkAccount } from '../preflight/account-check';
import { bootstrapQualifierOf, checkBootstrap, readCdkJson } from '../preflight/bootstrap-check';
import { checkCallSecret } from '../preflight/call-secret-check';
import { checkConcurrency } from '../preflight/concurrency-check';
import { PreflightAws } from '../preflight/preflight-aws';
import type { CheckStatus, PreflightCheck, PreflightResult } from '../preflight/preflight-check';
import { checkSecret } from '../preflight/secret-check';
import { checkSmsSandbox } from '../preflight/sms-sandbox-check';
import { checkConsistency } from '../preflight/table-consistency-check';
import { CliError } from '../support/cli-error';
import type { CommandHandler } from '../support/command-context';
import { ExitCode } from '../support/exit-codes';
import { formatTable } from '../support/output';

/** The AWS calls the checks make; the README lists the same as the IAM permissions preflight needs. */
export const PREFLIGHT_PERMISSIONS = [
  'sts:GetCallerIdentity',
  'ssm:GetParameter',
  'secretsmanager:GetSecretValue',
  'sns:GetSMSSandboxAccountStatus',
  'sns:ListSMSSandboxPhoneNumbers',
  'lambda:GetAccountSettings',
] as const;

/** Runs every check and prints the table (or the JSON document); exit 5 when any check failed. */
export const runPreflight: CommandHandler<Record<string, never>> = async (_args, context) => {
  const config = context.config();
  const forced = context.globals.region;
  if (forced !== undefined && !config.watchdogRegions.includes(forced)) {
    throw new CliError(
      ExitCode.invalid,
      `--region ${forced} is not a watchdog region of ${config.deployment}; use one of ${config.watchdogRegions.join(', ')}`,
    );
  }
  const regions = forced === undefined ? config.watchdogRegions : [forced];
  const aws = new PreflightAws();
  try {
    context.out.info(
      `preflight: ${config.deployment} in account ${config.account}, ${regions.length === 1 ? 'region' : 'regions'} ${regions.join(', ')}`,
    );
    const checks = await runChecks(aws, config, regions, forced ?? config.homeRegion);
    if (aws.answered === 0) {
      throw new CliError(
        ExitCode.unreachable,
        `AWS did not answer in ${regions.join(', ')}; check the network or VPN and AWS_ENDPOINT_URL_* settings, then run preflight again`,
        { problems: aws.unanswered },
      );
    }
    const result: PreflightResult = { ok: checks.every((row) => row.status !== 'fail'), checks };
    context.out.result(result, renderPreflight);
    return result.ok ? ExitCode.ok : ExitCode.partialFailure;
  } finally {
    aws.close();
  }
};

/** The checks in order: the account first (missing credentials end the run), then the rest at once. */
async function runChecks(
  aws: PreflightAws,
  config: Config,
  regions: readonly string[],
  stsRegion: string,
): Promise<PreflightCheck[]> {
  const account = await checkAccount(aws, config, stsRegion);
  const qualifier = bootstrapQualifierOf(readCdkJson());
  const carriers = CARRIER_NAMES.flatMap((carrier) => {
    const settings = config.carriers[carrier];
    return settings ? [{ carrier, secretName: settings.secretName }] : [];
  });
  const callSecrets = testCallSecretNamesOf(config.sites);
  const perRegion = (check: (region: string) => Promise<PreflightCheck[]>) =>
    Promise.all(regions.map(check)).then((rows) => rows.flat());
  const [bootstrap, secrets, callSecretRows, sms, concurrency] = await Promise.all([
    perRegion(async (region) => [await checkBootstrap(aws, config.account, region, qualifier)]),
    Promise.all(
      carriers.map(({ carrier, secretName }) =>
        perRegion(async (region) => [await checkSecret(aws, carrier, secretName, region)]),
      ),
    ).then((rows) => rows.flat()),
    Promise.all(
      callSecrets.map((secretName) =>
        perRegion(async (region) => [await checkCallSecret(aws, secretName, region)]),
      ),
    ).then((rows) => rows.flat()),
    config.alerts.sms.length === 0
      ? []
      : perRegion((region) => checkSmsSandbox(aws, config.alerts.sms, region)),
    perRegion(async (region) => [await checkConcurrency(aws, config, region)]),
  ]);
  return [
    account,
    ...bootstrap,
    ...secrets,
    ...callSecretRows,
    ...sms,
    ...concurrency,
    checkConsistency(config.watchdogRegions),
  ];
}

/** The table, then one line that counts the rows and says whether to deploy. */
function renderPreflight(result: PreflightResult): string {
  const table = formatTable(
    ['CHECK', 'REGION', 'STATUS', 'DETAIL'],
    result.checks.map((row) => [row.check, row.region, row.status, row.detail]),
  );
  const count = (status: CheckStatus) => result.checks.filter((row) => row.status === status).length;
  const failed = count('fail');
  const summary = `${count('ok')} ok, ${count('warn')} warnings, ${failed} failed: ${
    failed === 0
      ? 'ready for `npx cdk deploy --all`'
      : 'fix the failed checks, then run preflight again before deploying'
  }`;
  return `${table}\n\n${summary}`;
}
