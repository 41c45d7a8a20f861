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
import type { ClaimedNumberState } from '../../ports/forwarding-state';
import type { RoutingBaseline } from '../../ports/routing-baseline';
import { checkCarrierRouting } from './check-carrier-routing';
import { CheckedWork } from './checked-work';
import { distinctEntries } from './distinct-entries';
import { BulkForwarder, type NumberWork } from './forward-in-bulk';
import { NumberForwarder, type NumberOutcome } from './forward-one';
import { type ForwardingSummary, summarizeOutcomes } from './forwarding-summary';
import { IncidentNumberRun, type IncidentRunOptions } from './incident-number-run';
import { countByDestination, enginePathOf, writesDestinationAlone } from './request-plan';
import { type CarrierPace, msPerNumber, orderRowsByNeed } from './row-order';
import { createRowsInStages } from './staged-rows';
import { drainQueue, WorkQueue } from './work-queue';
import { groupByCarrier, settleAll } from './worker-pool';

// Where drift-audit, pre-arm and the dry run have always found it.
export { distinctEntries } from './distinct-entries';
export type { ForwardingSummary } from './forwarding-summary';

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
    const paces = new Map<CarrierName, CarrierPace>();
    const perDestination = new Map<CarrierName, ReadonlyMap<string, number>>();
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
      // The destination recorded by the first run wins, as the carrier does.
      const counts = countByDestination(
        group.map((entry) => rows.get(entry.number)?.forwardTo ?? entry.forwardTo),
      );
      perDestination.set(name, counts);
      paces.set(name, this.paceOf(name, group.length, [...counts.values()]));
    }
    const created = createRowsInStages(
      store,
      incidentId,
      orderRowsByNeed(missing, (name) => {
        const pace = paces.get(name);
        return pace ? msPerNumber(pace) : 0;
      }),
      (stageRows, stage) => {
        for (const entry of stage) {
          const row = stageRows.get(entry.number) as ClaimedNumberState | undefined;
          const done = row && this.single.finishedOutcome(row);
          if (done) this.record(entry.number, done);
          // The plan's carrier's workers take it; forwardOne follows the row's carrier should another
          // run have created the row from an older plan (the bulk path then writes it alone).
          else work.get(entry.carrier)?.offerRow({ number: entry.number, row });
        }
      },
    ).finally(() => {
      for (const carrierWork of work.values()) carrierWork.closeRows();
    });
    const carriers = [...byCarrier].map(([name, group]) =>
      this.forwardCarrier(
        name,
        work.get(name) as CheckedWork,
        group.filter(({ number }) => !rows.get(number)?.snapshot).map((entry) => entry.number),
        paces.get(name) as CarrierPace,
        perDestination.get(name) as ReadonlyMap<string, number>,
      ),
    );
    await settleAll([created, ...carriers], () => {
      this.run.stop();
      for (const carrierWork of work.values()) carrierWork.queue.close();
    });
  }

  /** A carrier's path for its numbers (the request plan's, so the dry run agrees) and its rate. */
  private paceOf(name: CarrierName, numbers: number, destinations: number[]): CarrierPace {
    const carrier = this.input.carriers[name];
    const path = enginePathOf(carrier, numbers, {
      perNumber: this.input.perNumberCarriers?.includes(name) ?? false,
      bulkThreshold: this.input.bulkThreshold,
      destinations,
    });
    const { ratePerSecond } = this.run.lanes.lane(name).bucket;
    return { carrier, path, numbers, destinations, rateLimitPerSecond: ratePerSecond };
  }

  summary(): ForwardingSummary {
    return summarizeOutcomes(this.entries, this.outcomes, this.run.policy.retriesUsed);
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
    pace: CarrierPace,
    perDestination: ReadonlyMap<string, number>,
  ): Promise<void> {
    const { carrier, path } = pace;
    const lane = this.run.lanes.lane(name);
    const checked = carrier
      ? checkCarrierRouting(this.run, carrier, toCheck, this.input.baseline ?? new Map(), work)
      : Promise.resolve(work.closeChecks());
    const forwarded =
      path === 'bulk' && carrier
        ? this.bulk.forwardInBulk(name, work.queue, {
            bulkLimit: carrier.bulkLimit as number,
            inFlight: carrier.bulkInFlight ?? 1,
            byDestination: carrier.bulkCallPerDestination === true,
            writeAlone: (destination) =>
              writesDestinationAlone(carrier, perDestination.get(destination) ?? 1),
          })
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
