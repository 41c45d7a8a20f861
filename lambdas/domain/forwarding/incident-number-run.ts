/**
 * The machinery the forward and restore runs share: claims, throttled and retried carrier reads,
 * the retry policy and the deadline, and the stop switch every worker checks.
 */

import type { Carrier, CarrierDirectory, RoutingSnapshot } from '../../ports/carriers';
import type { Clock, Random } from '../../ports/clock';
import type { ForwardingStateStore } from '../../ports/forwarding-state';
import { DEFAULT_CLAIM_LEASE_MS, NumberClaims } from './number-claims';
import {
  type AttemptTally,
  type CallResult,
  Deadline,
  type RetryOptions,
  RetryPolicy,
  readRoutingWithRetry,
} from './retry-policy';
import { type CarrierLane, CarrierLanes, type CarrierLimitsByName } from './token-bucket';

/** Time kept before the deadline for writing state and returning the summary. */
export const DEFAULT_DEADLINE_MARGIN_MS = 5_000;

/** What every run over an incident's numbers needs. */
export interface IncidentRunOptions {
  incidentId: string;
  /** Identifies this run in claims; pass the same id to resume a crashed run without waiting for its lease. */
  runId: string;
  carriers: CarrierDirectory;
  store: ForwardingStateStore;
  clock: Clock;
  random: Random;
  /** Per-carrier rate and concurrency; anything left out takes the documented default. */
  limits: CarrierLimitsByName;
  /** Epoch ms by which the run must have returned (e.g. now + Lambda's remaining time). */
  deadlineMs?: number;
  /** @default 5000 (DEFAULT_DEADLINE_MARGIN_MS) */
  deadlineMarginMs?: number;
  /**
   * How long a claim keeps other runs off a number. Must exceed the longest single carrier call
   * (the adapters' request timeout): a write still in flight when the lease ends could be repeated.
   * @default 120000 (DEFAULT_CLAIM_LEASE_MS)
   */
  claimLeaseMs?: number;
  /** Backoff and caps; the retry budget defaults to max(100, 2 × numbers). */
  retry?: Partial<RetryOptions>;
}

/** Why a number was left for a later run. */
export type PendingReason = 'deadline' | 'held-by-another-run';

/** A number that did not make it, and why. */
export interface NumberFailure {
  number: string;
  reason: string;
}

/** One run over an incident's numbers: its claims, lanes, retry policy, deadline and stop switch. */
export class IncidentNumberRun {
  readonly incidentId: string;
  readonly runId: string;
  readonly store: ForwardingStateStore;
  readonly clock: Clock;
  readonly claims: NumberClaims;
  readonly lanes: CarrierLanes;
  readonly policy: RetryPolicy;
  readonly deadline: Deadline;
  private stopCalled = false;

  constructor(options: IncidentRunOptions, numberCount: number) {
    this.incidentId = options.incidentId;
    this.runId = options.runId;
    this.store = options.store;
    this.clock = options.clock;
    this.claims = new NumberClaims({
      incidentId: options.incidentId,
      runId: options.runId,
      store: options.store,
      clock: options.clock,
      leaseMs: options.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS,
    });
    this.lanes = new CarrierLanes(options.limits, options.clock);
    this.policy = new RetryPolicy(
      { retryBudget: Math.max(100, 2 * numberCount), ...options.retry },
      options.random,
    );
    this.deadline = new Deadline(
      options.clock,
      options.deadlineMs,
      options.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS,
    );
  }

  /** True once stop() was called (the deadline aside). */
  get stopRequested(): boolean {
    return this.stopCalled;
  }

  /** True when no new work may start: the deadline is near, or the run is failing. */
  get stopping(): boolean {
    return this.stopCalled || this.deadline.reached;
  }

  /** Makes every worker finish its current step and start nothing new (used when one worker crashed). */
  stop(): void {
    this.stopCalled = true;
  }

  /** Reads a number's routing through its lane with retries. */
  read(
    lane: CarrierLane,
    carrier: Carrier,
    number: string,
    tally: AttemptTally,
  ): Promise<CallResult<RoutingSnapshot>> {
    return readRoutingWithRetry(lane, carrier, number, tally, {
      policy: this.policy,
      clock: this.clock,
      deadline: this.deadline,
      stopping: () => this.stopCalled,
    });
  }
}
