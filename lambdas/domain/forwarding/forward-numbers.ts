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
import type { ClaimedNumberState } from '../../ports/forwarding-state';
import type { RoutingBaseline } from '../../ports/routing-baseline';
import { checkCarrierRouting } from './check-carrier-routing';
import { CheckedWork } from './checked-work';
import { BulkForwarder, type NumberWork } from './forward-in-bulk';
import { NumberForwarder, type NumberOutcome } from './forward-one';
import { IncidentNumberRun, type IncidentRunOptions, type NumberFailure } from './incident-number-run';
import { enginePathOf } from './request-plan';
import { createRowsInStages } from './staged-rows';
import { drainQueue, WorkQueue } from './work-queue';
import { groupByCarrier, settleAll } from './worker-pool';

/** Input of forwardNumbers. */
export interface ForwardNumbersInput extends IncidentRunOptions {
  /** The plan rows of the failed site. The first run records each number's carrier and destination. */
  entries: PlanEntry[];
  /** Use a carrier's bulk API from this many numbers to forward on. @default 20 */
  bulkThreshold?: number;
  /**
   * The site's routing baseline, read ahead (routing-baseline.ts): confirms what a carrier's pages
   * show only in part, and says what to restore for a number found already forwarded. @default none
   */
  baseline?: RoutingBaseline;
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
    this.single = new NumberForwarder(run, input.carriers, this.reopenable, input.baseline);
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
    const work = new Map<CarrierName, CheckedWork>();
    for (const [name, group] of byCarrier) {
      // Only numbers without a saved snapshot need their routing checked in the carrier's pages.
      const unsnapshotted = group.filter(({ number }) => !rows.get(number)?.snapshot);
      const carrierWork = new CheckedWork(
        new WorkQueue<NumberWork>(),
        new Set(unsnapshotted.map(({ number }) => number)),
      );
      for (const { number } of group) {
        const row = rows.get(number);
        if (row) carrierWork.offerRow({ number, row });
      }
      work.set(name, carrierWork);
    }
    const created = createRowsInStages(store, incidentId, missing, (stageRows, stage) => {
      for (const entry of stage) {
        const row = stageRows.get(entry.number) as ClaimedNumberState | undefined;
        const done = row && this.single.finishedOutcome(row);
        if (done) this.record(entry.number, done);
        // The plan's carrier's workers take it; forwardOne follows the row's carrier should another
        // run have created the row from an older plan (the bulk path then writes it alone).
        else work.get(entry.carrier)?.offerRow({ number: entry.number, row });
      }
    }).finally(() => {
      for (const carrierWork of work.values()) carrierWork.closeRows();
    });
    const carriers = [...byCarrier].map(([name, group]) =>
      this.forwardCarrier(
        name,
        work.get(name) as CheckedWork,
        group.filter(({ number }) => !rows.get(number)?.snapshot).map((entry) => entry.number),
        group.length,
      ),
    );
    await settleAll([created, ...carriers], () => {
      this.run.stop();
      for (const carrierWork of work.values()) carrierWork.queue.close();
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
   * Forwards one carrier's numbers as its work hands them over, in bulk when there are enough of
   * them and the carrier has a bulk API. Meanwhile the numbers to snapshot (`toCheck`) have their
   * routing read in the carrier's pages (checked against the baseline), so each goes to the writes
   * as its page arrives; a carrier without such pages may prepare for them first instead (Telnyx
   * learns their ids a page at a time). Both go through the lane, so they count against the rate.
   */
  private async forwardCarrier(
    name: CarrierName,
    work: CheckedWork,
    toCheck: readonly string[],
    numbers: number,
  ): Promise<void> {
    const carrier = this.input.carriers[name];
    const lane = this.run.lanes.lane(name);
    const checked = carrier
      ? checkCarrierRouting(this.run, carrier, toCheck, this.input.baseline ?? new Map(), work)
      : Promise.resolve(work.closeChecks());
    const path = enginePathOf(carrier, numbers, {
      perNumber: this.input.perNumberCarriers?.includes(name) ?? false,
      bulkThreshold: this.input.bulkThreshold,
    });
    const forwarded =
      path === 'bulk' && carrier
        ? this.bulk.forwardInBulk(
            name,
            work.queue,
            carrier.bulkLimit as number,
            carrier.bulkInFlight ?? 1,
            carrier.bulkCallPerDestination === true,
          )
        : drainQueue(work.queue, lane.workers, async ({ number, row, checked: found }) => {
            this.record(number, await this.single.forwardOne(number, row, { attempts: 0 }, found));
          });
    await Promise.all([checked, forwarded]);
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
