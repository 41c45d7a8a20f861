/**
 * The practice function (one per watchdog region, on the config's weekly schedule): in its week it
 * proves the failover path with the canaries and checks what a real failover needs; in the other
 * regions' weeks it returns at once. Thin: parse the event, check the turn, compose, run the domain.
 */
import { createLambdaPracticeDependencies } from '../composition/practice-dependencies';
import { composePractice, type PracticeWork } from '../composition/practice-invocation';
import { CarrierFailoverError } from '../contracts/errors';
import { practiceEventSchema } from '../contracts/events/practice-event';
import { isPracticeTurn, practiceRegionOfWeek } from '../domain/practice/practice-schedule';
import { formatDurations, runPractice } from '../domain/practice/run-practice';
import { lambdaEntry } from '../runtime/lambda-entry';
import { parseEvent } from '../runtime/parse-event';
import { logger } from '../runtime/powertools';

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
  const outcome = await runPractice(composePractice(deps, request.carrier, context, now, DEADLINE_MARGIN_MS));
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

/** The Lambda entry point. */
export const handler = lambdaEntry(createLambdaPracticeDependencies, handlePracticeEvent);
