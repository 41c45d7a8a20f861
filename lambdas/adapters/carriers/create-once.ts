/**
 * Creating an asynchronous carrier job or order once, whatever the network does. A create refused
 * for now (429, or what the adapter maps to retryable) is sent again after a wait; after one whose
 * answer was lost (no answer, a 5xx, a body we cannot read) the carrier is first searched for what
 * it may have queued, and only when the search finds nothing is the create sent again. Used by the
 * Telnyx update jobs and the Bandwidth TN option orders.
 */
import type { CarrierName } from '../../contracts/config/schema';
import { CarrierError, mayHaveLanded } from '../../contracts/errors';

/**
 * Tries at creating one job, each after a lost answer starting with a search: a carrier failing
 * 30 % of requests fails six in a row about once in 1,400 jobs, and the engine's per-number path
 * then takes the numbers over.
 */
export const CREATE_ATTEMPTS = 6;

/** How createOnce reaches the carrier. */
export interface CreateOnceSteps<T> {
  carrier: CarrierName;
  /** What is created, for the error: e.g. `{ operation: 'CreateTnOptionOrder', subject: '5000 numbers', created: 'order' }`. */
  what: { operation: string; subject: string; created: string };
  /** Sends the create once. */
  create(): Promise<T>;
  /** What the lost create queued, or undefined when it queued nothing; absent: cannot search (the lost answer is thrown). */
  find?: () => Promise<T | undefined>;
  /** Maps a create's error before it is judged (e.g. a "too many pending jobs" 422 to retryable). */
  mapError?: (error: unknown) => unknown;
  /** Wait before the next try, at least the carrier's Retry-After. */
  waitMs: number;
  sleep(ms: number): Promise<void>;
}

/** Creates once, as the module comment says; throws the last error when every try failed. */
export async function createOnce<T>(steps: CreateOnceSteps<T>): Promise<T> {
  let lostAnswer: CarrierError | undefined;
  for (let attempt = 1; ; attempt += 1) {
    try {
      if (lostAnswer && steps.find) {
        const found = await steps.find();
        if (found !== undefined) return found;
        lostAnswer = undefined;
      }
      return await steps.create();
    } catch (caught) {
      const error = steps.mapError ? steps.mapError(caught) : caught;
      if (!(error instanceof CarrierError) || !error.retryable || attempt >= CREATE_ATTEMPTS) {
        throw lostAnswer ? outcomeUnknown(steps, lostAnswer, error) : error;
      }
      if (!lostAnswer && mayHaveLanded(error)) {
        if (!steps.find) throw error;
        lostAnswer = error;
      }
      await steps.sleep(Math.max(steps.waitMs, error.retryAfterMs ?? 0));
    }
  }
}

/**
 * The error when the create's answer was lost and the requests after it could not tell whether the
 * carrier queued it: retryable, and with no status, so the engine reads the numbers back before
 * writing them again.
 */
function outcomeUnknown<T>(steps: CreateOnceSteps<T>, lost: unknown, last: unknown): CarrierError {
  const text = (error: unknown) => String((error as Error).message).replace(`${steps.carrier}: `, '');
  const { operation, subject, created } = steps.what;
  return new CarrierError(
    steps.carrier,
    `${operation} for ${subject}: ${text(lost)}; then ${text(last)}, so whether the ${created} was queued is unknown (read the numbers back before writing them again)`,
    { retryable: true, cause: last },
  );
}
