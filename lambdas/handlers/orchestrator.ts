/**
 * The orchestrator function (one per watchdog region): fails a site over when a probe trips, an
 * operator asks, or a previous run of itself hands over. Thin: parse the event, compose, run the
 * domain, hand over to a continuation when the time budget ends.
 */

import type { IncidentWork, InvocationContext } from '../composition/lambda-incident-dependencies';
import { createLambdaOrchestratorDependencies } from '../composition/orchestrator-dependencies';
import { composeFailover } from '../composition/orchestrator-invocation';
import { type FailoverEvent, failoverEventSchema } from '../contracts/events/orchestrator-event';
import { outageIncidentId, runFailover } from '../domain/orchestration/run-failover';
import { emitIncidentProgress, type IncidentMetricsSink } from '../runtime/incident-metrics';
import { lambdaEntry } from '../runtime/lambda-entry';
import { parseEvent } from '../runtime/parse-event';
import { logger } from '../runtime/powertools';

/** Time kept back from the Lambda deadline to save progress and start the continuation. */
export const DEADLINE_MARGIN_MS = 15_000;

/** What the orchestrator needs; Lambda, the drill and tests each build their own. */
export interface OrchestratorDependencies extends IncidentWork {
  /** Starts another run of this function with the event (asynchronously). */
  startContinuation(event: FailoverEvent): Promise<void>;
  /**
   * Where the incident's numbers go as metrics after each run (the dashboards read them).
   * @default none: nothing is emitted (the drill and tests that do not read metrics)
   */
  metrics?: IncidentMetricsSink;
}

export type OrchestratorResult =
  | { status: 'rejected'; problems: string[] }
  | { status: 'done' | 'continued' | 'joined'; incidentId: string; incidentStatus: string }
  /** This region's incident-table replica reached no other replica: nothing opened, nothing forwarded. */
  | { status: 'isolated'; incidentId: string; reason: string };

/** Handles one orchestrator event; the handler below wires it to AWS. */
export async function handleOrchestratorEvent(
  event: unknown,
  context: InvocationContext,
  deps: OrchestratorDependencies,
): Promise<OrchestratorResult> {
  // Keys of the previous invocation must not leak onto this one's lines.
  logger.resetKeys();
  const parsed = parseEvent(failoverEventSchema, event, 'orchestrator');
  if (!parsed.ok) return { status: 'rejected', problems: parsed.problems };
  const request = parsed.value;
  const { config } = deps.files;
  logger.appendKeys({
    siteId: request.siteId,
    incidentId: request.continuation?.incidentId ?? outageIncidentId(request.siteId, request.outageStartedAt),
  });
  const outcome = await runFailover(request, await composeFailover(deps, context, DEADLINE_MARGIN_MS));
  if (outcome.result === 'isolated') {
    // Returned, not thrown: a retry in this region meets the same cut-off replica, and a region that
    // is not cut off opens (or has opened) the incident from its own trip.
    logger.warn(
      "This region's replica of the incident table could not reach the other replicas: opened no incident and forwarded nothing; a region that is not cut off opens it",
      { region: deps.region, reason: outcome.error.message },
    );
    return { status: 'isolated', incidentId: outcome.incidentId, reason: outcome.error.message };
  }
  logger.appendKeys({ incidentId: outcome.incident.id });
  if (deps.metrics) {
    emitIncidentProgress(
      deps.metrics,
      config.deployment,
      outcome.incident,
      config.failback.waves,
      deps.clock.now(),
    );
  }
  if (outcome.result === 'continue') {
    await deps.startContinuation({
      action: 'failover',
      ...outcome.continuation,
      failureKind: request.failureKind,
    });
    logger.info('Time budget reached; continuation started', { numbers: outcome.incident.numbers });
    return { status: 'continued', incidentId: outcome.incident.id, incidentStatus: outcome.incident.status };
  }
  logger.info(
    outcome.result === 'done' ? 'Forwarding finished' : 'Joined an incident another run is handling',
    { status: outcome.incident.status, numbers: outcome.incident.numbers },
  );
  return { status: outcome.result, incidentId: outcome.incident.id, incidentStatus: outcome.incident.status };
}

/** The Lambda entry point. */
export const handler = lambdaEntry(
  (context: InvocationContext & { functionName: string }) =>
    createLambdaOrchestratorDependencies(context.functionName),
  handleOrchestratorEvent,
);
