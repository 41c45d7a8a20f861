/**
 * The forwarding engine: during an outage, for every number of the plan, save the carrier's current
 * routing once and then forward the number to its backup destination, at the carrier's pace,
 * resumable, and never applying a number twice.
 *
 * How "never twice" holds, also across concurrent and crashed runs:
 * - Every carrier write is immediately preceded by a version-checked store update that claims the
 *   number for this run (`claimedBy`, `claimExpiresAt`) and counts the attempt. Another run sees
 *   the live claim and leaves the number alone; if both race, the version check lets one through.
 *   For a fresh number the same update stores the snapshot read just before it, checked against
 *   the row's version from before the read, so a read that raced another run's write is never
 *   saved: two store round trips a number (claim, settle) besides creating its row.
 * - A write whose outcome is unknown (timeout, reset, 5xx) is read back before anything is written
 *   again, and so is any number a previous run attempted without recording success
 *   (`attempts > appliedWrites`). If the carrier already shows the change, it is recorded as done.
 * - A claim left by a crashed run expires after `claimLeaseMs`; the same `runId` (a Lambda retry of
 *   the same invocation) may take its own claims back at once.
 *
 * Where each part lives: claims in number-claims.ts; the read-back-before-rewrite rule as a pure
 * step function in apply-once-step.ts, performed by applyOnce (apply-once.ts); the per-number path
 * in forward-one.ts and the bulk path in forward-in-bulk.ts; this file runs them per carrier.
 */

import type { PlanEntry } from '../../contracts/config/plan-entry';
import type { CarrierName } from '../../contracts/config/schema';
import { ValidationError } from '../../contracts/errors';
import type { CarrierCall } from '../../ports/carriers';
import type { ClaimedNumberState } from '../../ports/forwarding-state';
import { BULK_CHUNK_NUMBERS, BulkForwarder, type NumberWork } from './forward-in-bulk';
import { NumberForwarder, type NumberOutcome } from './forward-one';
import { IncidentNumberRun, type IncidentRunOptions, type NumberFailure } from './incident-number-run';
import { createRowsInStages } from './staged-rows';
import { drainQueue, WorkQueue } from './work-queue';
import { groupByCarrier, settleAll } from './worker-pool';

// Part of forwardNumbers' vocabulary, defined beside the paths that use them.

/** A carrier's bulk API is used from this many numbers to forward on. */
export const DEFAULT_BULK_THRESHOLD = 20;

/** Input of forwardNumbers. */
export interface ForwardNumbersInput extends IncidentRunOptions {
  /** The plan rows of the failed site. The first run records each number's carrier and destination. */
  entries: PlanEntry[];
  /** Use a carrier's bulk API from this many numbers to forward on. @default 20 */
  bulkThreshold?: number;
  /** Carriers whose numbers this site forwards one request a number (`per-number` mode), never in bulk. */
  perNumberCarriers?: readonly CarrierName[];
  /**
   * Lease of the claims taken right before a bulk call; covers the carrier job's whole run.
   * @default 900000 (DEFAULT_BULK_CLAIM_LEASE_MS)
   */
  bulkClaimLeaseMs?: number;
  /** Try numbers that an earlier run marked failed again (e.g. after fixing credentials). @default false */
  retryFailed?: boolean;
  /** Called once per number as it reaches its outcome in this run. */
  onProgress?: (progress: ForwardingProgress) => void;
}

/** The outcome of one number in one run. */
export type ForwardOutcome = 'forwarded' | 'already-forwarded' | 'failed' | 'pending';

/** Progress report for one number. */
export interface ForwardingProgress {
  number: string;
  outcome: ForwardOutcome;
  reason?: string;
  /** Numbers with an outcome so far, this one included. */
  completed: number;
  total: number;
}

/** What a run achieved. `total = forwarded + failed.length + pending`. */
export interface ForwardingSummary {
  /** Distinct numbers in the plan entries. */
  total: number;
  /** Numbers forwarded, by this run or an earlier one (failback may have touched them since). */
  forwarded: number;
  /** Of `forwarded`, those an earlier run had finished. */
  alreadyForwarded: number;
  /** Numbers that ended failed (in this run or an earlier one), with the reason. */
  failed: NumberFailure[];
  /** Numbers left for a later run: the deadline came, or another live run holds them. */
  pending: number;
  pendingNumbers: string[];
  /** Carrier calls retried in this run. */
  retries: number;
  /** True when the deadline stopped the run before every number had an outcome. */
  stoppedByDeadline: boolean;
}

/**
 * Forwards every number of `entries` to its plan destination (mode `always`), saving each number's
 * current routing first. Safe to call again with the same incident: it continues where the last
 * run stopped and never repeats a finished number. Throws only when the state store fails (the run
 * is then resumable); carrier failures become per-number reasons in the summary. When it returns,
 * every entry has its state row (created in stages while the carrier work already runs).
 */
export async function forwardNumbers(input: ForwardNumbersInput): Promise<ForwardingSummary> {
  const entries = distinctEntries(input.entries);
  const run = new IncidentNumberRun(input, entries.length);
  const forwarding = new ForwardingRun(input, run, entries);
  await forwarding.execute();
  return forwarding.summary();
}

/** One forwardNumbers call: the numbers' outcomes so far, and the per-carrier work that reaches them. */
class ForwardingRun {
  private readonly outcomes = new Map<string, NumberOutcome>();
  /** Numbers failed at the start that this run may reopen (only with retryFailed, and only once). */
  private readonly reopenable = new Set<string>();
  private readonly single: NumberForwarder;
  private readonly bulk: BulkForwarder;

  constructor(
    private readonly input: ForwardNumbersInput,
    private readonly run: IncidentNumberRun,
    private readonly entries: PlanEntry[],
  ) {
    this.single = new NumberForwarder(run, input.carriers, this.reopenable);
    this.bulk = new BulkForwarder(
      run,
      this.single,
      (number, outcome) => this.record(number, outcome),
      input.bulkClaimLeaseMs,
    );
  }

  /**
   * Reads the rows earlier runs left, then creates the missing ones in stages (staged-rows.ts)
   * while every carrier's workers already forward the numbers whose rows exist.
   */
  async execute(): Promise<void> {
    const { store, incidentId } = this.input;
    const rows = new Map(
      ((await store.list(incidentId)) as ClaimedNumberState[]).map((row) => [row.number, row]),
    );
    if (this.input.retryFailed) {
      for (const row of rows.values()) if (row.status === 'failed') this.reopenable.add(row.number);
    }
    const missing: PlanEntry[] = [];
    const todo: PlanEntry[] = [];
    for (const entry of this.entries) {
      const row = rows.get(entry.number);
      const done = row && this.single.finishedOutcome(row);
      if (done) this.record(entry.number, done);
      else todo.push(entry);
      if (!row) missing.push(entry);
    }
    // The carrier recorded by the first run wins over a plan edited since.
    const byCarrier = groupByCarrier(todo, (entry) => rows.get(entry.number)?.carrier ?? entry.carrier);
    const queues = new Map<CarrierName, WorkQueue<NumberWork>>();
    for (const [name, group] of byCarrier) {
      const queue = new WorkQueue<NumberWork>();
      for (const { number } of group) {
        const row = rows.get(number);
        if (row) queue.push({ number, row });
      }
      queues.set(name, queue);
    }
    const closeQueues = () => {
      for (const queue of queues.values()) queue.close();
    };
    const created = createRowsInStages(store, incidentId, missing, (stageRows, stage) => {
      for (const entry of stage) {
        const row = stageRows.get(entry.number) as ClaimedNumberState | undefined;
        const done = row && this.single.finishedOutcome(row);
        if (done) this.record(entry.number, done);
        // The plan's carrier's workers take it; forwardOne follows the row's carrier should another
        // run have created the row from an older plan (the bulk path then writes it alone).
        else queues.get(entry.carrier)?.push({ number: entry.number, row });
      }
    }).finally(closeQueues);
    const carriers = [...byCarrier].map(([name, group]) =>
      this.forwardCarrier(
        name,
        queues.get(name) as WorkQueue<NumberWork>,
        group.map((entry) => entry.number),
      ),
    );
    await settleAll([created, ...carriers], () => {
      this.run.stop();
      closeQueues();
    });
  }

  summary(): ForwardingSummary {
    const failed: NumberFailure[] = [];
    const pendingNumbers: string[] = [];
    let forwarded = 0;
    let alreadyForwarded = 0;
    let stoppedByDeadline = false;
    for (const { number } of this.entries) {
      const outcome = this.outcomes.get(number) ?? { kind: 'pending', reason: 'deadline' };
      if (outcome.kind === 'forwarded') forwarded += 1;
      if (outcome.kind === 'already-forwarded') {
        forwarded += 1;
        alreadyForwarded += 1;
      }
      if (outcome.kind === 'failed') failed.push({ number, reason: outcome.reason });
      if (outcome.kind === 'pending') {
        pendingNumbers.push(number);
        stoppedByDeadline ||= outcome.reason === 'deadline';
      }
    }
    return {
      total: this.entries.length,
      forwarded,
      alreadyForwarded,
      failed,
      pending: pendingNumbers.length,
      pendingNumbers,
      retries: this.run.policy.retriesUsed,
      stoppedByDeadline,
    };
  }

  /**
   * Forwards one carrier's `numbers` as its queue hands them over, in bulk when there are enough of
   * them and the carrier has a bulk API. Lets the adapter prepare for them first (Telnyx learns
   * their ids a page at a time), through the lane so those requests count against the rate too.
   */
  private async forwardCarrier(
    name: CarrierName,
    queue: WorkQueue<NumberWork>,
    numbers: readonly string[],
  ): Promise<void> {
    const carrier = this.input.carriers[name];
    const lane = this.run.lanes.lane(name);
    if (carrier?.prepareNumbers) {
      // Once the run is stopping no further request starts. Best effort by contract: a failure
      // only leaves the numbers to be looked up one by one.
      const call: CarrierCall = (request) =>
        this.run.stopping ? Promise.reject(new Error('the run is stopping')) : lane.call(request);
      await carrier.prepareNumbers(numbers, call).catch(() => undefined);
    }
    const bulkLimit = carrier?.bulkLimit ?? 0;
    const useBulk =
      carrier?.forwardMany !== undefined &&
      bulkLimit > 0 &&
      !this.input.perNumberCarriers?.includes(name) &&
      numbers.length >= (this.input.bulkThreshold ?? DEFAULT_BULK_THRESHOLD);
    if (!useBulk) {
      await drainQueue(queue, lane.workers, async ({ number, row }) => {
        this.record(number, await this.single.forwardOne(number, row, { attempts: 0 }));
      });
      return;
    }
    await this.bulk.forwardInBulk(name, queue, Math.min(bulkLimit, BULK_CHUNK_NUMBERS));
  }

  private record(number: string, outcome: NumberOutcome): void {
    this.outcomes.set(number, outcome);
    this.input.onProgress?.({
      number,
      outcome: outcome.kind,
      reason:
        outcome.kind === 'failed' ? outcome.reason : outcome.kind === 'pending' ? outcome.reason : undefined,
      completed: this.outcomes.size,
      total: this.entries.length,
    });
  }
}

/** Rejects duplicated numbers: two plan rows for one number would make its destination ambiguous. */
export function distinctEntries(entries: PlanEntry[]): PlanEntry[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const { number } of entries) {
    if (seen.has(number)) duplicates.add(number);
    seen.add(number);
  }
  if (duplicates.size > 0) {
    throw new ValidationError(
      'The forwarding plan lists some numbers more than once: keep one row per number',
      [...duplicates].map((number) => `${number} appears more than once`),
    );
  }
  return entries;
}
