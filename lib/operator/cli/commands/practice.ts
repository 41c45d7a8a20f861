/**
 * `carrier-failover practice [--carrier NAME]`: the weekly practice, run now from the operator's
 * machine with the same domain code the practice function runs: each canary forwarded, verified,
 * restored and verified (credentials from the environment variables in "Carriers"), every watchdog
 * region's orchestrator asked for a dry run, every region's alert topic checked for a confirmed
 * subscription, the pre-armed fallbacks audited. The run is a practice incident in the log, and its
 * alert goes to the topic of the region whose incident table answered.
 */
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { createCarrierAccess } from '../../../../lambdas/adapters/carriers/carrier-access';
import { EnvironmentCredentialSource } from '../../../../lambdas/adapters/carriers/credentials';
import { DynamoDbForwardingStateStore } from '../../../../lambdas/adapters/dynamodb/forwarding-state-store';
import { DynamoDbIncidentStore } from '../../../../lambdas/adapters/dynamodb/incident-store';
import { orchestratorDryRunCheck } from '../../../../lambdas/adapters/lambda/orchestrator-dry-run';
import { SnsNotifier } from '../../../../lambdas/adapters/sns/sns-notifier';
import { listTopicSubscriptions } from '../../../../lambdas/adapters/sns/topic-subscriptions';
import { carrierLimitsFromConfig } from '../../../../lambdas/composition/forward-run';
import {
  CARRIER_NAMES,
  type CarrierName,
  type CarriersConfig,
} from '../../../../lambdas/contracts/config/schema';
import { deploymentNames } from '../../../../lambdas/contracts/deployment-names';
import { CarrierFailoverError } from '../../../../lambdas/contracts/errors';
import type { PathCheckResult } from '../../../../lambdas/domain/practice/path-checks';
import { PRACTICE_SITE_ID } from '../../../../lambdas/domain/practice/practice-schedule';
import { type PracticeProgress, runPractice } from '../../../../lambdas/domain/practice/run-practice';
import type { PracticeRecord, PracticeStep } from '../../../../lambdas/ports/incidents';
import type { AlertTopicCheck } from '../../../../lambdas/ports/practice';
import { systemClock } from '../../../../lambdas/runtime/system-clock';
import { CliError } from '../support/cli-error';
import type { CommandHandler } from '../support/command-context';
import { ExitCode } from '../support/exit-codes';
import { formatTable } from '../support/output';

export interface PracticeArgs {
  /** Only this carrier's credentials, canary and plan numbers (the shared checks still run). */
  carrier?: string;
}

/** The `--json` result. */
export interface PracticeCommandResult {
  incidentId: string;
  passed: boolean;
  /** The region whose incident table holds the run (and whose topic got the alert). */
  region: string;
  operator: string;
  canaries: PracticeRecord['canaries'];
  checks: PracticeRecord['checks'];
  problems: string[];
  durationMs: number;
  alert: { sent: true; kind: string; severity: string; subject: string } | { sent: false; error: string };
}

/** How long a run from a laptop may take before the engines stop starting new carrier calls. */
const RUN_BUDGET_MS = 10 * 60_000;

/** Runs the practice; exit 0 when it passed, 5 when something is broken, 1 when it was skipped. */
export const runPracticeCommand: CommandHandler<PracticeArgs> = async (args, context) => {
  const { config, plan } = context.deployment();
  const carrier = chosenCarrier(args.carrier, config.carriers, context.displayPath(context.globals.config));
  const operator = context.operatorName(undefined);
  const aws = await context.aws();
  // One region's table for the whole run: a run must not move to another region halfway.
  const session = await aws.dynamo(async (candidate) => {
    await new DynamoDbIncidentStore(candidate.documentClient, candidate.tableName).getActive(
      PRACTICE_SITE_ID,
    );
    return candidate;
  });
  const regions = context.config().watchdogRegions;
  const orchestratorName = deploymentNames.orchestratorFunction(config.deployment);
  const clients = new AwsClientsByRegion();
  const topics = new TopicArns(clients, orchestratorName);
  const alertTopics: AlertTopicCheck[] = regions.map((region) => ({
    region,
    subscriptions: async () => listTopicSubscriptions(clients.sns(region), await topics.of(region)),
  }));
  const alertRegion = regions.includes(session.region) ? session.region : regions[0];

  const scope = carrier ?? 'every carrier';
  context.out.info(`Practicing the failover path of ${config.deployment} (${scope}) from this machine...`);
  const now = systemClock.now();
  try {
    const outcome = await runPractice({
      config,
      plan,
      actor: { type: 'operator', region: session.region, name: operator },
      carrier,
      access: createCarrierAccess(config.carriers, new EnvironmentCredentialSource(context.io.env)),
      orchestrators: regions.map((region) =>
        orchestratorDryRunCheck(clients.lambda(region), region, orchestratorName),
      ),
      alertTopics,
      incidents: new DynamoDbIncidentStore(session.documentClient, session.tableName),
      numbers: new DynamoDbForwardingStateStore(session.documentClient, session.tableName),
      notifier: {
        publish: async (alert) =>
          new SnsNotifier(clients.sns(alertRegion), await topics.of(alertRegion)).publish(alert),
      },
      clock: systemClock,
      random: Math.random,
      limits: carrierLimitsFromConfig(config.carriers),
      runId: `practice-cli-${now.toString(36)}`,
      deadlineMs: now + RUN_BUDGET_MS,
      onProgress: (progress) => context.out.info(describeProgress(progress)),
    });
    if (outcome.result === 'skipped') {
      throw new CliError(ExitCode.invalid, `practice skipped: ${outcome.reason}; try again when it is done`);
    }
    const { record } = outcome;
    const result: PracticeCommandResult = {
      incidentId: outcome.incident.id,
      passed: record.passed,
      region: session.region,
      operator,
      canaries: record.canaries,
      checks: record.checks,
      problems: record.problems,
      durationMs: record.durationMs,
      alert: outcome.alert
        ? {
            sent: true,
            kind: outcome.alert.kind,
            severity: outcome.alert.severity,
            subject: outcome.alert.subject,
          }
        : { sent: false, error: outcome.alertError ?? 'not sent' },
    };
    context.out.result(result, () =>
      renderPractice(result, context.commandLine(`incidents show ${result.incidentId}`)),
    );
    if (!result.alert.sent) context.out.warn(`the practice alert could not be sent: ${result.alert.error}`);
    return record.passed ? ExitCode.ok : ExitCode.partialFailure;
  } finally {
    clients.close();
  }
};

/** `--carrier`: a known carrier name (exit 1 otherwise) that the config configures (exit 2 otherwise). */
function chosenCarrier(
  name: string | undefined,
  carriers: CarriersConfig,
  configPath: string,
): CarrierName | undefined {
  if (name === undefined) return undefined;
  if (!(CARRIER_NAMES as readonly string[]).includes(name)) {
    throw new CliError(
      ExitCode.invalid,
      `--carrier: expected one of ${CARRIER_NAMES.join(', ')}, got "${name}"`,
    );
  }
  const configured = CARRIER_NAMES.filter((known) => carriers[known]);
  if (!configured.includes(name as CarrierName)) {
    throw new CliError(
      ExitCode.notFound,
      `carrier "${name}" is not configured in ${configPath}; configured: ${configured.join(', ')}`,
    );
  }
  return name as CarrierName;
}

/** One progress line on stderr. */
function describeProgress(progress: PracticeProgress): string {
  switch (progress.kind) {
    case 'opened':
      return `  practice incident ${progress.incidentId} opened`;
    case 'step':
      return `  ${progress.carrier} canary: ${STEP_LABELS[progress.step]} ${progress.ok ? 'ok' : 'FAILED'} (${progress.durationMs} ms)`;
    case 'check':
      return `  ${describeCheck(progress.check)}`;
  }
}

function describeCheck(check: PathCheckResult): string {
  return `${check.name}: ${check.passed ? 'ok' : 'FAILED'} (${check.detail})`;
}

const STEP_LABELS: Record<PracticeStep, string> = {
  read: 'read and save',
  forward: 'forward',
  'verify-forward': 'verify forward',
  restore: 'restore',
  'verify-restore': 'verify restore',
};

/** The summary: a table of the canaries' timings, a table of the checks, then the verdict. */
function renderPractice(result: PracticeCommandResult, showCommand: string): string {
  const ms = (value: number | undefined) => (value === undefined ? '-' : `${value} ms`);
  const lines: string[] = [];
  if (result.canaries.length > 0) {
    lines.push(
      formatTable(
        ['CARRIER', 'CANARY', 'READ/SAVE', 'FORWARD', 'VERIFY', 'RESTORE', 'VERIFY', 'RESULT'],
        result.canaries.map((canary) => [
          canary.carrier,
          canary.number,
          ms(canary.durationsMs.read),
          ms(canary.durationsMs.forward),
          ms(canary.durationsMs['verify-forward']),
          ms(canary.durationsMs.restore),
          ms(canary.durationsMs['verify-restore']),
          canary.passed ? 'ok' : 'FAILED',
        ]),
      ),
      '',
    );
  } else {
    lines.push('No canary configured (carriers.<name>.canary): only the checks ran.', '');
  }
  lines.push(
    formatTable(
      ['CHECK', 'RESULT', 'DETAIL'],
      result.checks.map((check) => [check.name, check.passed ? 'ok' : 'FAILED', check.detail]),
    ),
    '',
  );
  if (result.passed) {
    lines.push(`Practice passed in ${result.durationMs} ms: ${result.incidentId}.`);
  } else {
    lines.push('Failover path broken:', ...result.problems.map((problem) => `  - ${problem}`));
  }
  lines.push(`The run in the incident log: ${showCommand}`);
  return lines.join('\n');
}

/** Lambda and SNS clients per region, with short timeouts: a region that does not answer is the finding. */
class AwsClientsByRegion {
  private readonly lambdas = new Map<string, LambdaClient>();
  private readonly snsClients = new Map<string, SNSClient>();
  private readonly settings = {
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000 },
  };

  lambda(region: string): LambdaClient {
    let client = this.lambdas.get(region);
    if (!client) {
      client = new LambdaClient({ region, ...this.settings });
      this.lambdas.set(region, client);
    }
    return client;
  }

  sns(region: string): SNSClient {
    let client = this.snsClients.get(region);
    if (!client) {
      client = new SNSClient({ region, ...this.settings });
      this.snsClients.set(region, client);
    }
    return client;
  }

  close(): void {
    for (const client of this.lambdas.values()) client.destroy();
    for (const client of this.snsClients.values()) client.destroy();
  }
}

/** The alert topic of a region could not be found. */
class AlertTopicLookupError extends CarrierFailoverError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: true });
    this.name = 'AlertTopicLookupError';
  }
}

/**
 * Each region's alert topic ARN, read from its orchestrator's environment (ALERT_TOPIC_ARN): the
 * topic's name is generated by CloudFormation, the orchestrator's is fixed.
 */
class TopicArns {
  private readonly arns = new Map<string, Promise<string>>();

  constructor(
    private readonly clients: AwsClientsByRegion,
    private readonly orchestratorName: string,
  ) {}

  of(region: string): Promise<string> {
    let arn = this.arns.get(region);
    if (!arn) {
      arn = this.lookUp(region);
      this.arns.set(region, arn);
    }
    return arn;
  }

  private async lookUp(region: string): Promise<string> {
    let arn: string | undefined;
    try {
      const configuration = await this.clients
        .lambda(region)
        .send(new GetFunctionConfigurationCommand({ FunctionName: this.orchestratorName }));
      arn = configuration.Environment?.Variables?.ALERT_TOPIC_ARN;
    } catch (error) {
      const name = (error as { name?: string } | undefined)?.name ?? 'Error';
      throw new AlertTopicLookupError(
        `the topic could not be found: reading ${this.orchestratorName}'s configuration failed (${name}); the operator needs lambda:GetFunctionConfiguration`,
        { cause: error },
      );
    }
    if (!arn) {
      throw new AlertTopicLookupError(
        `${this.orchestratorName} in ${region} has no ALERT_TOPIC_ARN variable`,
      );
    }
    return arn;
  }
}
