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
 * 4. `sms sandbox`, `sms <number>` (only with `alerts.sms`): SNS GetSMSSandboxAccountStatus, and in
 *    the sandbox ListSMSSandboxPhoneNumbers for whether each alert number is verified.
 * 5. `lambda concurrency`: Lambda GetAccountSettings, the unreserved concurrency per region.
 * 6. `table consistency`: whether the watchdog regions give the incident table strong consistency.
 *
 * Exit 0 without failures (warnings allowed), 5 with any, 4 when the credentials are missing or
 * rejected, 3 when AWS answered no request at all. Secret values are read into memory only by the
 * loader; rows and errors carry field and error names, never a value nor an SDK error's message.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  GetSMSSandboxAccountStatusCommand,
  ListSMSSandboxPhoneNumbersCommand,
  type SMSSandboxPhoneNumber,
  SNSClient,
} from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  CREDENTIAL_SCHEMAS,
  SecretsManagerCredentialSource,
} from '../../../../lambdas/adapters/carriers/credentials';
import { CARRIER_NAMES, type CarrierName, type Config } from '../../../../lambdas/contracts/config/schema';
import { CarrierError } from '../../../../lambdas/contracts/errors';
import {
  incidentTableConsistency,
  STRONG_CONSISTENCY_REGION_SETS,
} from '../../../../lambdas/contracts/incident-table-design';
import { DEFAULT_CONFIG_PATH } from '../../../config/load-config';
import { regionUnavailableReason } from '../aws-context';
import { awsCredentialError, CliError, isAwsCredentialError } from '../cli-error';
import type { CommandHandler } from '../command-context';
import { ExitCode } from '../exit-codes';
import { formatTable } from '../output';

/** How a check came out: `fail` blocks the deploy (exit 5), `warn` is worth knowing. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One row of the result. */
export interface PreflightCheck {
  /** `account`, `bootstrap`, `secret <carrier>`, `sms sandbox`, `sms <number>`, `lambda concurrency`, `table consistency`. */
  check: string;
  /** The region checked; `all` for the table consistency, which spans the watchdog regions. */
  region: string;
  status: CheckStatus;
  /** What was found and, unless ok, what to do. */
  detail: string;
}

/** The `--json` result. */
export interface PreflightResult {
  /** True when no check failed. */
  ok: boolean;
  checks: PreflightCheck[];
}

/** The bootstrap qualifier `cdk bootstrap` and the default synthesizer use unless told otherwise. */
export const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';

/** The cdk.json context key that overrides the qualifier (aws-cdk-lib's BOOTSTRAP_QUALIFIER_CONTEXT). */
export const BOOTSTRAP_QUALIFIER_CONTEXT = '@aws-cdk/core:bootstrapQualifier';

/**
 * The bootstrap version our aws-cdk-lib demands: its DefaultStackSynthesizer's
 * MIN_BOOTSTRAP_STACK_VERSION, asserted by the `CheckBootstrapVersion` rule of every synthesized
 * template (not exported by aws-cdk-lib; a test synthesizes a stack and compares).
 */
export const REQUIRED_BOOTSTRAP_VERSION = 6;

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

/** The bootstrap qualifier named by a cdk.json document, or the default. */
export function bootstrapQualifierOf(cdkJson: unknown): string {
  const context = (cdkJson as { context?: Record<string, unknown> } | undefined)?.context;
  const qualifier = context?.[BOOTSTRAP_QUALIFIER_CONTEXT];
  return typeof qualifier === 'string' && qualifier !== '' ? qualifier : DEFAULT_BOOTSTRAP_QUALIFIER;
}

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
  const perRegion = (check: (region: string) => Promise<PreflightCheck[]>) =>
    Promise.all(regions.map(check)).then((rows) => rows.flat());
  const [bootstrap, secrets, sms, concurrency] = await Promise.all([
    perRegion(async (region) => [await checkBootstrap(aws, config.account, region, qualifier)]),
    Promise.all(
      carriers.map(({ carrier, secretName }) =>
        perRegion(async (region) => [await checkSecret(aws, carrier, secretName, region)]),
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
    ...sms,
    ...concurrency,
    checkConsistency(config.watchdogRegions),
  ];
}

async function checkAccount(aws: PreflightAws, config: Config, region: string): Promise<PreflightCheck> {
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

async function checkBootstrap(
  aws: PreflightAws,
  account: string,
  region: string,
  qualifier: string,
): Promise<PreflightCheck> {
  const row = (status: CheckStatus, detail: string): PreflightCheck => ({
    check: 'bootstrap',
    region,
    status,
    detail,
  });
  const parameter = `/cdk-bootstrap/${qualifier}/version`;
  const bootstrapCommand = `npx cdk bootstrap aws://${account}/${region}${qualifier === DEFAULT_BOOTSTRAP_QUALIFIER ? '' : ` --qualifier ${qualifier}`}`;
  const outcome = await aws.attempt(region, 'SSM', () =>
    aws.ssm(region).send(new GetParameterCommand({ Name: parameter })),
  );
  if (!outcome.ok) {
    if (outcome.errorName === 'ParameterNotFound') {
      return row('fail', `not bootstrapped (no SSM parameter ${parameter}); run \`${bootstrapCommand}\``);
    }
    return row('fail', outcome.problem('ssm:GetParameter'));
  }
  const value = outcome.value.Parameter?.Value ?? '';
  const version = Number(value);
  if (!Number.isInteger(version) || version < REQUIRED_BOOTSTRAP_VERSION) {
    return row(
      'fail',
      `bootstrap version ${value || '(empty)'} is older than the ${REQUIRED_BOOTSTRAP_VERSION} aws-cdk-lib requires; upgrade it: \`${bootstrapCommand}\``,
    );
  }
  return row(
    'ok',
    `bootstrapped, version ${version} (at least ${REQUIRED_BOOTSTRAP_VERSION}), qualifier ${qualifier}`,
  );
}

/**
 * Reads the secret with the functions' own loader, so a secret passes exactly when the deployed
 * functions will accept it. Its errors name the secret and fields only; the SDK error behind them is
 * reduced to its name, as its message is not ours to vouch for.
 */
async function checkSecret(
  aws: PreflightAws,
  carrier: CarrierName,
  secretName: string,
  region: string,
): Promise<PreflightCheck> {
  const row = (status: CheckStatus, detail: string): PreflightCheck => ({
    check: `secret ${carrier}`,
    region,
    status,
    detail,
  });
  const fields = Object.keys(CREDENTIAL_SCHEMAS[carrier].shape);
  const source = new SecretsManagerCredentialSource({ client: aws.secretsManager(region), ttlMs: 0 });
  const outcome = await aws.attempt(region, 'Secrets Manager', () => source.get(carrier, secretName), {
    namesOnly: true,
  });
  if (outcome.ok) {
    return row('ok', `${secretName} holds the fields ${carrier} needs (${fields.join(', ')})`);
  }
  if (outcome.errorName === 'ResourceNotFoundException') {
    const example = `{${fields.map((field) => `"${field}":"..."`).join(',')}}`;
    return row(
      'fail',
      `secret ${secretName} does not exist in ${region}; create it with the ${carrier} fields ${fields.join(', ')}: \`aws secretsmanager create-secret --region ${region} --name ${secretName} --secret-string '${example}'\``,
    );
  }
  const { error } = outcome;
  if (outcome.unanswered === undefined && error instanceof CarrierError) {
    // The loader's messages are built from the secret's name, field names and our descriptions.
    return row('fail', `${error.message.replace(`${carrier}: `, '')} (in ${region})`);
  }
  return row('fail', outcome.problem('secretsmanager:GetSecretValue'));
}

async function checkSmsSandbox(
  aws: PreflightAws,
  numbers: readonly string[],
  region: string,
): Promise<PreflightCheck[]> {
  const status = await aws.attempt(region, 'SNS', () =>
    aws.sns(region).send(new GetSMSSandboxAccountStatusCommand({})),
  );
  if (!status.ok) {
    return [
      {
        check: 'sms sandbox',
        region,
        status: 'fail',
        detail: status.problem('sns:GetSMSSandboxAccountStatus'),
      },
    ];
  }
  if (status.value.IsInSandbox !== true) {
    return [
      {
        check: 'sms sandbox',
        region,
        status: 'ok',
        detail: 'out of the SMS sandbox: alert SMS reach any number',
      },
    ];
  }
  const sandbox: PreflightCheck = {
    check: 'sms sandbox',
    region,
    status: 'warn',
    detail: `in the SMS sandbox: SMS reach only verified numbers; request production access (SNS console, Text messaging (SMS), "Exit SMS sandbox") in ${region}`,
  };
  const listed = await aws.attempt(region, 'SNS', () => listSandboxNumbers(aws.sns(region)));
  if (!listed.ok) {
    return [
      sandbox,
      {
        check: 'sms numbers',
        region,
        status: 'fail',
        detail: listed.problem('sns:ListSMSSandboxPhoneNumbers'),
      },
    ];
  }
  const byNumber = new Map(listed.value.map((entry) => [entry.PhoneNumber, entry.Status]));
  return [
    sandbox,
    ...numbers.map((number): PreflightCheck => {
      const check = `sms ${number}`;
      const verifyCommand = `aws sns verify-sms-sandbox-phone-number --region ${region} --phone-number ${number} --one-time-password CODE`;
      const state = byNumber.get(number);
      if (state === 'Verified') {
        return { check, region, status: 'ok', detail: 'verified in the SMS sandbox' };
      }
      if (state === 'Pending') {
        return {
          check,
          region,
          status: 'fail',
          detail: `added to the SMS sandbox but not verified: \`${verifyCommand}\` with the code SNS texted, or request production access`,
        };
      }
      return {
        check,
        region,
        status: 'fail',
        detail: `not verified: alerts to it are dropped while ${region} is in the SMS sandbox; verify it in the SNS console or \`aws sns create-sms-sandbox-phone-number --region ${region} --phone-number ${number}\` then \`${verifyCommand}\`, or request production access`,
      };
    }),
  ];
}

async function listSandboxNumbers(client: SNSClient): Promise<SMSSandboxPhoneNumber[]> {
  const numbers: SMSSandboxPhoneNumber[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListSMSSandboxPhoneNumbersCommand({ NextToken: nextToken }));
    numbers.push(...(page.PhoneNumbers ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return numbers;
}

async function checkConcurrency(aws: PreflightAws, config: Config, region: string): Promise<PreflightCheck> {
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

function checkConsistency(watchdogRegions: readonly string[]): PreflightCheck {
  const regions = watchdogRegions.join(', ');
  if (incidentTableConsistency(watchdogRegions) === 'STRONG') {
    return {
      check: 'table consistency',
      region: 'all',
      status: 'ok',
      detail: `strong (multi-region strong consistency across ${regions}): a region's conditional write is decided once for all regions`,
    };
  }
  const sets = STRONG_CONSISTENCY_REGION_SETS.map((set) => set.join('/')).join('; ');
  return {
    check: 'table consistency',
    region: 'all',
    status: 'warn',
    detail: `eventual: ${regions} are not three regions of one strong-consistency set (${sets}); only each region's own per-site conditional write keeps an outage to one incident, so two regions opening it within the replication delay can both win (README "Known limits"); choose three regions of one set for strong consistency`,
  };
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

/** The project's cdk.json (where `cdk deploy` reads its context), or undefined when absent or unreadable. */
function readCdkJson(): unknown {
  try {
    // Beside the embedded config folder: the project root, from the sources and from the bundle alike.
    return JSON.parse(readFileSync(resolve(dirname(DEFAULT_CONFIG_PATH), '..', 'cdk.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** A call's outcome: its value, or why it failed, reduced to what may be printed. */
type Outcome<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      error: unknown;
      /** The SDK error's name (found under wrapping errors too). */
      errorName: string;
      /** Why the region did not answer, when it did not. */
      unanswered?: string;
      /** A row detail for the failure of `permission`. */
      problem(permission: string): string;
    };

/** Short timeouts and one retry, as in aws-context.ts: a dead region costs seconds, not minutes. */
const CLIENT_SETTINGS = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000 },
} as const;

/** The checks' AWS clients, one a service and region, and what answered. */
class PreflightAws {
  /** Calls that got an answer (a success or an error of the service's own). */
  answered = 0;
  /** `region: reason` of each call that got none. */
  readonly unanswered: string[] = [];
  private readonly clients = new Map<string, { destroy(): void }>();

  sts = (region: string) => this.client('sts', region, () => new STSClient({ region, ...CLIENT_SETTINGS }));
  ssm = (region: string) => this.client('ssm', region, () => new SSMClient({ region, ...CLIENT_SETTINGS }));
  sns = (region: string) => this.client('sns', region, () => new SNSClient({ region, ...CLIENT_SETTINGS }));
  lambda = (region: string) =>
    this.client('lambda', region, () => new LambdaClient({ region, ...CLIENT_SETTINGS }));
  secretsManager = (region: string) =>
    this.client('secrets', region, () => new SecretsManagerClient({ region, ...CLIENT_SETTINGS }));

  /**
   * Runs one call. Credentials that are missing or rejected end the whole run (exit 4); any other
   * error becomes the outcome. With `namesOnly`, details carry error names and codes, never messages.
   */
  async attempt<T>(
    region: string,
    service: string,
    call: () => Promise<T>,
    options: { namesOnly?: boolean } = {},
  ): Promise<Outcome<T>> {
    try {
      const value = await call();
      this.answered++;
      return { ok: true, value };
    } catch (error) {
      const errorName = sdkErrorName(error);
      if (isAwsCredentialError(error) && !isAccessDenied(errorName)) throw awsCredentialError(error, region);
      const reason = regionUnavailableReason(error);
      if (reason === undefined) this.answered++;
      const unanswered = reason === undefined ? undefined : options.namesOnly ? errorCode(error) : reason;
      if (unanswered !== undefined) this.unanswered.push(`${service} in ${region}: ${unanswered}`);
      return {
        ok: false,
        error,
        errorName,
        unanswered,
        problem: (permission) => {
          if (unanswered !== undefined) {
            return `${service} in ${region} did not answer (${unanswered}); check the network or VPN and AWS_ENDPOINT_URL_* settings`;
          }
          if (isAccessDenied(errorName)) {
            return `AWS denied ${permission} in ${region} (${errorName}); run preflight with a role allowed ${permission}`;
          }
          const message = options.namesOnly ? '' : firstLine(error instanceof Error ? error.message : '');
          return `${permission} failed in ${region} (${errorName}${message === '' ? '' : `: ${message}`})`;
        },
      };
    }
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
  }

  private client<C extends { destroy(): void }>(service: string, region: string, create: () => C): C {
    const key = `${service}:${region}`;
    let client = this.clients.get(key) as C | undefined;
    if (!client) {
      client = create();
      this.clients.set(key, client);
    }
    return client;
  }
}

function isAccessDenied(name: string): boolean {
  return name === 'AccessDeniedException' || name === 'AccessDenied';
}

/** The name of the innermost AWS SDK error under wrappers such as the loader's CarrierError. */
function sdkErrorName(error: unknown): string {
  let current = error;
  let name = 'Error';
  for (let depth = 0; current !== null && typeof current === 'object' && depth < 5; depth++) {
    name = (current as { name?: string }).name ?? name;
    if (!(current instanceof CarrierError)) break;
    current = (current as { cause?: unknown }).cause;
  }
  return name;
}

/** A socket code or an error name, without any message. */
function errorCode(error: unknown): string {
  let current = error;
  for (let depth = 0; current !== null && typeof current === 'object' && depth < 5; depth++) {
    const { code, $metadata } = current as { code?: unknown; $metadata?: { httpStatusCode?: number } };
    if (typeof code === 'string') return code;
    const status = $metadata?.httpStatusCode;
    if (status !== undefined && status >= 500) return `HTTP ${status} ${sdkErrorName(current)}`;
    if (!(current instanceof CarrierError)) return sdkErrorName(current);
    current = (current as { cause?: unknown }).cause;
  }
  return 'Error';
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
