/**
 * The practice function (one per watchdog region): on the weekly schedule, in its week, it proves
 * the failover path with the canaries, checks what a real failover needs and refreshes the routing
 * baseline; in the other regions' weeks it returns at once. On the daily schedule
 * (`{"action": "refresh-baseline"}`) it refreshes the baseline unless it is younger than 20 hours.
 */
import { logBaseline, refreshPracticeBaseline } from '../composition/practice-baseline';
import { createLambdaPracticeDependencies } from '../composition/practice-dependencies';
import {
  composePractice,
  PracticeAlertError,
  type PracticeResult,
  type PracticeWork,
} from '../composition/practice-invocation';
import { practiceEventSchema } from '../contracts/events/practice-event';
import { isPracticeTurn, practiceRegionOfWeek } from '../domain/practice/practice-schedule';
import { formatDurations, runPractice } from '../domain/practice/run-practice';
import { lambdaEntry } from '../runtime/lambda-entry';
import { parseEvent } from '../runtime/parse-event';
import { logger } from '../runtime/powertools';

export { PracticeAlertError, type PracticeResult } from '../composition/practice-invocation';

/** Time kept back from the Lambda deadline so the canaries are restored and the result recorded. */
export const DEADLINE_MARGIN_MS = 30_000;

/** What the practice function needs; Lambda and tests each build their own. */
export interface PracticeDependencies extends PracticeWork {
  /** Every watchdog region in config order: the rotation. */
  regions: readonly string[];
}

/** The parts of the Lambda context the function reads. */
export interface PracticeInvocationContext {
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

/** Handles one practice or baseline event; the handler below wires it to AWS. */
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
  const deadlineMs = now + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS;
  if (request.action === 'refresh-baseline') {
    const baseline = await refreshPracticeBaseline(deps, {
      siteId: request.site,
      skipFresh: !request.force,
      deadlineMs,
    });
    logBaseline(baseline);
    return { status: 'baseline', baseline };
  }
  if (!request.force && !isPracticeTurn(now, deps.regions, deps.region)) {
    const practicingRegion = practiceRegionOfWeek(now, deps.regions);
    logger.info('Another region practices this week', { practicingRegion });
    return { status: 'not-this-region', practicingRegion };
  }
  const outcome = await runPractice(composePractice(deps, request.carrier, context, now, DEADLINE_MARGIN_MS));
  if (outcome.result === 'skipped') {
    logger.info('Practice skipped', { reason: outcome.reason });
    return { status: 'skipped', reason: outcome.reason };
  }
  logger.appendKeys({ incidentId: outcome.incident.id });
  const canaries = outcome.record.canaries.map(({ durationsMs, ...canary }) => ({
    ...canary,
    durations: formatDurations(durationsMs),
  }));
  const { id: incidentId } = outcome.incident;
  const summary = { status: outcome.result, incidentId, problems: outcome.record.problems, canaries };
  if (outcome.result === 'passed') logger.info('Practice passed', { result: summary });
  else logger.error('Practice found the failover path broken', { result: summary });
  // After the practice, with the time it left: the practice proves the path, the baseline saves reads.
  const baseline = await refreshPracticeBaseline(deps, {
    carrier: request.carrier,
    skipFresh: false,
    deadlineMs,
  });
  logBaseline(baseline);
  if (outcome.alertError !== undefined) {
    throw new PracticeAlertError(
      `practice ${incidentId} ${outcome.result} but its alert could not be sent: ${outcome.alertError}`,
    );
  }
  return { ...summary, baseline };
}

/** The Lambda entry point. */
export const handler = lambdaEntry(createLambdaPracticeDependencies, handlePracticeEvent);
