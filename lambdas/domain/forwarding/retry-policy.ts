/**
 * When to try a failed carrier call again and how long to wait: exponential backoff with full
 * jitter, never shorter than the carrier's own Retry-After, bounded per number and per run so a
 * carrier that keeps failing cannot hold a failover hostage. Also says which failures leave the
 * carrier's state unknown (the write may have landed), which the engines must read back.
 */

import { CarrierError, CarrierFailoverError, mayHaveLanded, ValidationError } from '../../contracts/errors';
import type { Carrier, RoutingSnapshot } from '../../ports/carriers';
import type { Clock, Random } from '../../ports/clock';
import type { CarrierLane } from './token-bucket';

/** Tuning of a RetryPolicy. */
export interface RetryOptions {
  /** First backoff ceiling; doubles each retry. @default 250 */
  baseDelayMs: number;
  /** Backoff ceiling never exceeds this (a carrier's Retry-After may). @default 20000 */
  maxDelayMs: number;
  /**
   * Failed carrier calls in a row after which a number is given up: the carrier keeps failing it.
   * Any successful call of the number (a read-back included) starts the count again, so a number
   * whose steps each fail now and then is not given up for faults it got past. A carrier failing
   * 30 % of requests fails one call 16 times in a row with a chance of 0.3^16 (4 in a billion).
   * A call that sends k requests fails when any of them does, so it is given k times as many
   * (`requestsPerCall`): a Bandwidth read (two requests) fails 51 % of the time at 30 % faults,
   * 32 times in a row with a chance of 5 in ten billion.
   * @default 16
   */
  maxFailuresInARow: number;
  /**
   * Carrier calls one number may make in a run, counting the first, whatever succeeded between:
   * the bound for a carrier that answers the reads but fails every write. At 30 % faults a number
   * needs more than 40 calls about once in ten million. @default 64
   */
  maxAttemptsPerNumber: number;
  /** Retries the whole run may spend; once spent, numbers fail with their last reason. @default 1000 */
  retryBudget: number;
  /**
   * After a write whose outcome is unknown (timeout, reset, 5xx), how long to wait before reading the
   * routing back: a request we gave up on can still be processed by the carrier meanwhile, and a
   * read-back that comes first would let the retry apply the change twice. The adapters' request
   * timeout is the natural bound. @default 5000
   */
  uncertainSettleMs: number;
}

/** Defaults used for any option left out. */
export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  baseDelayMs: 250,
  maxDelayMs: 20_000,
  maxFailuresInARow: 16,
  maxAttemptsPerNumber: 64,
  retryBudget: 1_000,
  uncertainSettleMs: 5_000,
};

/** What to do after a failed call. */
export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/** One run's retry policy: shared by every number of the run, because the budget is per run. */
export class RetryPolicy {
  readonly options: RetryOptions;
  private readonly random: Random;
  private spent = 0;

  constructor(options: Partial<RetryOptions>, random: Random) {
    const merged = { ...DEFAULT_RETRY_OPTIONS, ...dropUndefined(options) };
    const problems: string[] = [];
    if (!(merged.baseDelayMs >= 0)) problems.push(`\`baseDelayMs\` must be ≥ 0, got ${merged.baseDelayMs}`);
    if (!(merged.maxDelayMs >= merged.baseDelayMs)) {
      problems.push(`\`maxDelayMs\` must be ≥ \`baseDelayMs\`, got ${merged.maxDelayMs}`);
    }
    if (!Number.isInteger(merged.maxFailuresInARow) || merged.maxFailuresInARow < 1) {
      problems.push(`\`maxFailuresInARow\` must be an integer ≥ 1, got ${merged.maxFailuresInARow}`);
    }
    if (!Number.isInteger(merged.maxAttemptsPerNumber) || merged.maxAttemptsPerNumber < 1) {
      problems.push(`\`maxAttemptsPerNumber\` must be an integer ≥ 1, got ${merged.maxAttemptsPerNumber}`);
    }
    if (!(merged.retryBudget >= 0)) problems.push(`\`retryBudget\` must be ≥ 0, got ${merged.retryBudget}`);
    if (!(merged.uncertainSettleMs >= 0)) {
      problems.push(`\`uncertainSettleMs\` must be ≥ 0, got ${merged.uncertainSettleMs}`);
    }
    if (problems.length > 0) throw new ValidationError('Invalid retry options', problems);
    this.options = merged;
    this.random = random;
  }

  /** Retries spent so far in this run. */
  get retriesUsed(): number {
    return this.spent;
  }

  /**
   * Full jitter: uniformly random in [0, min(maxDelayMs, baseDelayMs·2^(retry−1))], so many numbers
   * failing together do not retry in lockstep. `retry` counts from 1.
   */
  backoffMs(retry: number): number {
    const ceiling = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.max(0, retry - 1));
    return Math.floor(this.random() * ceiling);
  }

  /**
   * Decides about a failed call of a number whose `tally` already counts it (countFailure);
   * `requestsPerCall` is how many HTTP requests one such call sends (see maxFailuresInARow). Does
   * not spend budget: call `spend()` when the retry really happens (a caller may still give up,
   * e.g. because the wait would cross its deadline).
   */
  decide(error: unknown, tally: AttemptTally, requestsPerCall = 1): RetryDecision {
    const what = describeFailure(error);
    if (!isRetryable(error)) return { retry: false, reason: what };
    const inARow = tally.failuresInARow ?? 1;
    if (inARow >= this.options.maxFailuresInARow * Math.max(1, requestsPerCall)) {
      return { retry: false, reason: `${what} (gave up after ${inARow} failed calls in a row)` };
    }
    if (tally.attempts >= this.options.maxAttemptsPerNumber) {
      return { retry: false, reason: `${what} (gave up after ${tally.attempts} calls)` };
    }
    if (this.spent >= this.options.retryBudget) {
      return {
        retry: false,
        reason: `${what} (the run's retry budget of ${this.options.retryBudget} retries is spent)`,
      };
    }
    const askedMs = error instanceof CarrierError ? (error.retryAfterMs ?? 0) : 0;
    // The backoff grows with the failures in a row: a number's next step starts short again.
    return { retry: true, delayMs: Math.max(this.backoffMs(inARow), askedMs) };
  }

  /** How long to let a write of unknown outcome land before reading it back. */
  get uncertainSettleMs(): number {
    return this.options.uncertainSettleMs;
  }

  /** Records one retry against the run's budget. */
  spend(): void {
    this.spent += 1;
  }
}

/** True when trying the same call again may succeed (the error says so; unknown errors do not). */
export function isRetryable(error: unknown): boolean {
  return error instanceof CarrierFailoverError && error.retryable;
}

/**
 * True when a failed WRITE may nevertheless have been applied by the carrier (mayHaveLanded), or
 * failed with an error we do not recognise.
 */
export function isUncertainOutcome(error: unknown): boolean {
  return !(error instanceof CarrierError) || mayHaveLanded(error);
}

/** A one-line reason for the incident log and the summary. */
export function describeFailure(error: unknown): string {
  if (error instanceof CarrierError) {
    return error.status === undefined ? error.message : `${error.message} (HTTP ${error.status})`;
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * The time a run may still use: `deadlineMs` (epoch ms, from the clock's point of view) minus a
 * margin kept for writing state and the summary. No deadline means no limit.
 */
export class Deadline {
  constructor(
    private readonly clock: Clock,
    private readonly deadlineMs: number | undefined,
    private readonly marginMs: number,
  ) {}

  /** True once less than the margin is left: start nothing new. */
  get reached(): boolean {
    return this.deadlineMs !== undefined && this.deadlineMs - this.clock.now() < this.marginMs;
  }

  /** True when waiting `ms` still leaves the margin. */
  allowsWait(ms: number): boolean {
    return this.deadlineMs === undefined || this.clock.now() + ms <= this.deadlineMs - this.marginMs;
  }
}

/** Counts one number's carrier calls in a run, across reads and writes, for the caps. */
export interface AttemptTally {
  attempts: number;
  /** Failed calls since the number's last successful one. @default 0 */
  failuresInARow?: number;
}

/** Counts a call that failed; returns the tally for RetryPolicy.decide. */
export function countFailure(tally: AttemptTally): AttemptTally {
  tally.failuresInARow = (tally.failuresInARow ?? 0) + 1;
  return tally;
}

/** Counts a call that succeeded: the failures in a row start again. */
export function countSuccess(tally: AttemptTally): void {
  tally.failuresInARow = 0;
}

/** Result of callWithRetry. `stopped` is true when the deadline or a stop ended the retries, not the error. */
export type CallResult<T> =
  | { ok: true; value: T }
  | { ok: false; reason: string; error: unknown; stopped: boolean };

/** What callWithRetry needs from its run. */
export interface RetryContext {
  policy: RetryPolicy;
  clock: Clock;
  deadline: Deadline;
  /** Checked before each wait; true when the run is shutting down. */
  stopping?: () => boolean;
}

/**
 * Calls an idempotent carrier operation (a read, or a write whose repetition is harmless) through
 * its lane, retrying as the policy allows; `requestsPerCall` is how many HTTP requests the
 * operation sends (a carrier's `requestsPerRead`). Never throws for carrier failures: the caller
 * decides what a failure means for its number.
 */
export async function callWithRetry<T>(
  lane: CarrierLane,
  request: () => Promise<T>,
  tally: AttemptTally,
  context: RetryContext,
  requestsPerCall = 1,
): Promise<CallResult<T>> {
  for (;;) {
    try {
      tally.attempts += 1;
      const value = await lane.call(request);
      countSuccess(tally);
      return { ok: true, value };
    } catch (error) {
      const decision = context.policy.decide(error, countFailure(tally), requestsPerCall);
      if (!decision.retry) return { ok: false, reason: decision.reason, error, stopped: false };
      if (!context.deadline.allowsWait(decision.delayMs) || context.stopping?.()) {
        return { ok: false, reason: describeFailure(error), error, stopped: true };
      }
      context.policy.spend();
      await context.clock.sleep(decision.delayMs);
    }
  }
}

/** Reads a number's routing with callWithRetry, as many requests a call as the carrier's read sends. */
export function readRoutingWithRetry(
  lane: CarrierLane,
  carrier: Carrier,
  number: string,
  tally: AttemptTally,
  context: RetryContext,
): Promise<CallResult<RoutingSnapshot>> {
  return callWithRetry(lane, () => carrier.readRouting(number), tally, context, carrier.requestsPerRead);
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
