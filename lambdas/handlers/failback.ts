/**
 * The failback function (one per watchdog region): every minute, and on an operator's approval,
 * moves each primary site's failback one step further. Thin: parse the event, compose, run the domain.
 */
import { createLambdaFailbackDependencies } from '../composition/failback-dependencies';
import { composeFailback } from '../composition/failback-invocation';
import type { IncidentWork, InvocationContext } from '../composition/lambda-incident-dependencies';
import { failbackEventSchema } from '../contracts/events/failback-event';
import { advanceFailback, approveFailback, type FailbackOutcome } from '../domain/failback/run-failback';
import type { SiteHealthStore } from '../ports/detection';
import type { Actor } from '../ports/incidents';
import { emitIncidentProgress, type IncidentMetricsSink } from '../runtime/incident-metrics';
import { lambdaEntry } from '../runtime/lambda-entry';
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
  const failbackDeps = await composeFailback(deps, context, actor, DEADLINE_MARGIN_MS);
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

/** The Lambda entry point. */
export const handler = lambdaEntry(createLambdaFailbackDependencies, handleFailbackEvent);
