/**
 * The failback function (one per watchdog region): every minute, and on an operator's approval,
 * moves each primary site's failback one step further. Thin: parse the event, run the domain.
 */
import { DynamoDbSiteHealthStore } from '../adapters/dynamodb/site-health-store';
import { carrierLimitsFromConfig } from '../composition/forward-run';
import {
  createLambdaIncidentWork,
  type IncidentWork,
  type InvocationContext,
} from '../composition/lambda-incident-dependencies';
import { createRestoreRun } from '../composition/restore-run';
import { readEnvironment } from '../contracts/environments/common-environment';
import { failbackEnvironmentSchema } from '../contracts/environments/failback-environment';
import { failbackEventSchema } from '../contracts/events/failback-event';
import type { SiteHealthState } from '../domain/detection/decide-site-health';
import { advanceFailback, approveFailback, type FailbackOutcome } from '../domain/failback/run-failback';
import { IncidentLog } from '../domain/incidents/incident-log';
import type { SiteHealthStore } from '../ports/detection';
import type { Actor } from '../ports/incidents';
import {
  createIncidentMetrics,
  emitIncidentProgress,
  type IncidentMetricsSink,
} from '../runtime/incident-metrics';
import { parseEvent } from '../runtime/parse-event';
import { logger } from '../runtime/powertools';

/** Time kept back from the Lambda deadline to record the wave's progress. */
export const DEADLINE_MARGIN_MS = 10_000;

/** What the failback function needs; Lambda, the drill and tests each build their own. */
export interface FailbackHandlerDependencies extends IncidentWork {
  /** This region's copies of the sites' quorum decisions. */
  siteHealth: SiteHealthStore;
  /**
   * Where each step's incident numbers and failback progress go as metrics (the dashboards read them).
   * @default none: nothing is emitted (the drill and tests that do not read metrics)
   */
  metrics?: IncidentMetricsSink;
}

/** The parts of the Lambda context the failback function reads. */
export type FailbackInvocationContext = InvocationContext;

export type FailbackResult =
  | { status: 'rejected'; problems: string[] }
  | { status: 'ok'; sites: ({ siteId: string } & FailbackOutcome)[] };

/** Handles one failback event: a scheduled tick, a tick for one site, or an approval. */
export async function handleFailbackEvent(
  event: unknown,
  context: FailbackInvocationContext,
  deps: FailbackHandlerDependencies,
): Promise<FailbackResult> {
  logger.resetKeys();
  const parsed = parseEvent(failbackEventSchema, event, 'failback');
  if (!parsed.ok) return { status: 'rejected', problems: parsed.problems };
  const request = parsed.value;
  const { config } = deps.files;
  const primaries = config.sites.filter((site) => site.role === 'primary').map((site) => site.id);
  if (request.siteId !== undefined && !primaries.includes(request.siteId)) {
    const problems = [`siteId: expected one of ${primaries.join(', ')}, got "${request.siteId}"`];
    logger.error('Rejected a failback event for an unknown site', { problems });
    return { status: 'rejected', problems };
  }
  const actor: Actor =
    request.action === 'approve'
      ? { type: 'operator', region: request.approvedBy.region, name: request.approvedBy.name }
      : { type: 'system', region: deps.region, name: 'failback' };
  const log = new IncidentLog({
    store: deps.incidents,
    notifier: deps.notifier,
    clock: deps.clock,
    actor,
    deployment: config.deployment,
    runbooks: config.runbooks,
    onPublishFailed: (alert, error) =>
      logger.error('Alert not published; it stays owed and the next run holding the incident sends it', {
        kind: alert.kind,
        alertId: alert.alertId,
        error: error instanceof Error ? error.message : String(error),
      }),
  });
  const carriers = await deps.carriers();
  const now = deps.clock.now();
  const failbackDeps = {
    store: deps.incidents,
    numbers: deps.numbers,
    log,
    clock: deps.clock,
    detection: config.detection,
    failback: config.failback,
    readSiteHealth: async (siteId: string): Promise<SiteHealthState | undefined> =>
      (await deps.siteHealth.get(siteId, deps.region))?.state,
    restore: createRestoreRun({
      carriers,
      store: deps.numbers,
      clock: deps.clock,
      random: deps.random,
      limits: carrierLimitsFromConfig(config.carriers),
      runId: context.awsRequestId,
    }),
    runId: context.awsRequestId,
    deadlineMs: now + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS,
    leaseMs: context.getRemainingTimeInMillis() + DEADLINE_MARGIN_MS,
  };
  const sites = request.siteId !== undefined ? [request.siteId] : primaries;
  const outcomes: ({ siteId: string } & FailbackOutcome)[] = [];
  for (const siteId of sites) {
    logger.appendKeys({ siteId });
    const outcome =
      request.action === 'approve'
        ? await approveFailback(siteId, actor, failbackDeps)
        : await advanceFailback(siteId, failbackDeps);
    if (outcome.result !== 'no-incident') {
      logger.info('Failback step', {
        incidentId: outcome.incident.id,
        result: outcome.result,
        detail: 'detail' in outcome ? outcome.detail : undefined,
      });
      if (deps.metrics) {
        emitIncidentProgress(
          deps.metrics,
          config.deployment,
          outcome.incident,
          config.failback.waves,
          deps.clock.now(),
        );
      }
    }
    outcomes.push({ siteId, ...outcome });
  }
  return { status: 'ok', sites: outcomes };
}

// Module scope: built once per execution environment (Powertools' pattern).
const metrics = createIncidentMetrics();
let lambdaDependencies: FailbackHandlerDependencies | undefined;

function createLambdaDependencies(): FailbackHandlerDependencies {
  const environment = readEnvironment(failbackEnvironmentSchema);
  const work = createLambdaIncidentWork(environment);
  return {
    ...work,
    siteHealth: new DynamoDbSiteHealthStore(work.documentClient, environment.TABLE_NAME),
    metrics,
  };
}

/** The Lambda entry point. */
export const handler = async (
  event: unknown,
  context: FailbackInvocationContext,
): Promise<FailbackResult> => {
  logger.addContext(context as never);
  lambdaDependencies ??= createLambdaDependencies();
  return handleFailbackEvent(event, context, lambdaDependencies);
};
