/**
 * The practice function (one per watchdog region, on the config's weekly schedule): in its week it
 * proves the failover path with the canaries and checks what a real failover needs; in the other
 * regions' weeks it returns at once. Thin: parse the event, check the turn, run the domain.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { createCarrierAccess } from '../adapters/carriers/carrier-access';
import { SecretsManagerCredentialSource } from '../adapters/carriers/credentials';
import { orchestratorDryRunCheck } from '../adapters/lambda/orchestrator-dry-run';
import { alertTopicCheck } from '../adapters/sns/topic-subscriptions';
import { carrierLimitsFromConfig } from '../composition/forward-run';
import { createLambdaIncidentWork } from '../composition/lambda-incident-dependencies';
import { readEnvironment } from '../contracts/environments/common-environment';
import { practiceEnvironmentSchema } from '../contracts/environments/practice-environment';
import { CarrierFailoverError } from '../contracts/errors';
import { practiceEventSchema } from '../contracts/events/practice-event';
import { isPracticeTurn, practiceRegionOfWeek } from '../domain/practice/practice-schedule';
import { formatDurations, runPractice } from '../domain/practice/run-practice';
import type { Notifier } from '../ports/alerts';
import type { Clock, Random } from '../ports/clock';
import type { ForwardingStateStore } from '../ports/forwarding-state';
import type { IncidentStore } from '../ports/incidents';
import type { AlertTopicCheck, CarrierAccess, OrchestratorCheck } from '../ports/practice';
import type { DeploymentFiles } from '../runtime/deployment-files';
import { parseEvent } from '../runtime/parse-event';
import { logger } from '../runtime/powertools';

/** Time kept back from the Lambda deadline so the canaries are restored and the result recorded. */
export const DEADLINE_MARGIN_MS = 30_000;

/** What the practice function needs; Lambda and tests each build their own. */
export interface PracticeDependencies {
  files: DeploymentFiles;
  incidents: IncidentStore;
  numbers: ForwardingStateStore;
  notifier: Notifier;
  /** The carriers, one at a time, credentials from this region's secrets. */
  access: CarrierAccess;
  /** The other watchdog regions' orchestrators. */
  orchestrators: OrchestratorCheck[];
  /** This region's alert topic. */
  alertTopics: AlertTopicCheck[];
  clock: Clock;
  random: Random;
  region: string;
  /** Every watchdog region in config order: the rotation. */
  regions: readonly string[];
}

/** The parts of the Lambda context the function reads. */
export interface PracticeInvocationContext {
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

export type PracticeResult =
  | { status: 'rejected'; problems: string[] }
  | { status: 'not-this-region'; practicingRegion: string | undefined }
  | { status: 'skipped'; reason: string }
  | {
      status: 'passed' | 'failed';
      incidentId: string;
      problems: string[];
      canaries: { carrier: string; number: string; passed: boolean; durations: string }[];
    };

/** The result alert could not be published: the function fails, so its error alarm fires instead. */
export class PracticeAlertError extends CarrierFailoverError {
  constructor(message: string) {
    super(message, { retryable: false });
    this.name = 'PracticeAlertError';
  }
}

/** Handles one practice event; the handler below wires it to AWS. */
export async function handlePracticeEvent(
  event: unknown,
  context: PracticeInvocationContext,
  deps: PracticeDependencies,
): Promise<PracticeResult> {
  logger.resetKeys();
  const parsed = parseEvent(practiceEventSchema, event, 'practice');
  if (!parsed.ok) return { status: 'rejected', problems: parsed.problems };
  const request = parsed.value;
  const now = deps.clock.now();
  if (!request.force && !isPracticeTurn(now, deps.regions, deps.region)) {
    const practicingRegion = practiceRegionOfWeek(now, deps.regions);
    logger.info('Another region practices this week', { practicingRegion });
    return { status: 'not-this-region', practicingRegion };
  }
  const { config, plan } = deps.files;
  const outcome = await runPractice({
    config,
    plan,
    actor: { type: 'schedule', region: deps.region, name: 'practice' },
    carrier: request.carrier,
    access: deps.access,
    orchestrators: deps.orchestrators,
    alertTopics: deps.alertTopics,
    incidents: deps.incidents,
    numbers: deps.numbers,
    notifier: deps.notifier,
    clock: deps.clock,
    random: deps.random,
    limits: carrierLimitsFromConfig(config.carriers),
    runId: context.awsRequestId,
    deadlineMs: now + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS,
  });
  if (outcome.result === 'skipped') {
    logger.info('Practice skipped', { reason: outcome.reason });
    return { status: 'skipped', reason: outcome.reason };
  }
  logger.appendKeys({ incidentId: outcome.incident.id });
  const result: PracticeResult = {
    status: outcome.result,
    incidentId: outcome.incident.id,
    problems: outcome.record.problems,
    canaries: outcome.record.canaries.map((canary) => ({
      carrier: canary.carrier,
      number: canary.number,
      passed: canary.passed,
      durations: formatDurations(canary.durationsMs),
    })),
  };
  if (outcome.result === 'passed') logger.info('Practice passed', { result });
  else logger.error('Practice found the failover path broken', { result });
  if (outcome.alertError !== undefined) {
    throw new PracticeAlertError(
      `practice ${outcome.incident.id} ${outcome.result} but its alert could not be sent: ${outcome.alertError}`,
    );
  }
  return result;
}

let lambdaDependencies: PracticeDependencies | undefined;

/** Builds the Lambda's dependencies once per cold start. */
function createLambdaDependencies(): PracticeDependencies {
  const environment = readEnvironment(practiceEnvironmentSchema);
  const work = createLambdaIncidentWork(environment);
  const credentials = new SecretsManagerCredentialSource({ client: new SecretsManagerClient({}) });
  // Short timeouts: a region that does not answer within seconds is the finding.
  const requestHandler = { connectionTimeout: 3000, requestTimeout: 10_000 };
  const others = environment.WATCHDOG_REGIONS.filter((region) => region !== work.region);
  return {
    files: work.files,
    incidents: work.incidents,
    numbers: work.numbers,
    notifier: work.notifier,
    access: createCarrierAccess(work.files.config.carriers, credentials),
    orchestrators: others.map((region) =>
      orchestratorDryRunCheck(
        new LambdaClient({ region, maxAttempts: 2, requestHandler }),
        region,
        environment.ORCHESTRATOR_FUNCTION_NAME,
      ),
    ),
    alertTopics: [alertTopicCheck(work.region, new SNSClient({}), environment.ALERT_TOPIC_ARN)],
    clock: work.clock,
    random: work.random,
    region: work.region,
    regions: environment.WATCHDOG_REGIONS,
  };
}

/** The Lambda entry point. */
export const handler = async (
  event: unknown,
  context: PracticeInvocationContext,
): Promise<PracticeResult> => {
  logger.addContext(context as never);
  lambdaDependencies ??= createLambdaDependencies();
  return handlePracticeEvent(event, context, lambdaDependencies);
};
