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
 */

import type { PlanEntry } from '../../contracts/config/plan-entry';
import type { CarrierName } from '../../contracts/config/schema';
import { ConcurrentModificationError, ValidationError } from '../../contracts/errors';
import type {
  BulkItemOutcome,
  Carrier,
  CarrierCall,
  CarrierDirectory,
  RoutingSnapshot,
} from '../../ports/carriers';
import type { Clock, Random } from '../../ports/clock';
import type { ForwardingStateStore, NumberState } from '../../ports/forwarding-state';
import {
  type AttemptTally,
  type CallResult,
  callWithRetry,
  Deadline,
  describeFailure,
  isUncertainOutcome,
  type RetryOptions,
  RetryPolicy,
} from './retry-policy';
import { createRowsInStages } from './staged-rows';
import {
  type CarrierLane,
  CarrierLanes,
  type CarrierLimitsByName,
  groupByCarrier,
  runPool,
  settleAll,
} from './token-bucket';
import { drainQueue, WorkQueue } from './work-queue';

// ---------------------------------------------------------------------------------------------
// Claims: the lease fields stored beside NumberState
// ---------------------------------------------------------------------------------------------

/**
 * Which run holds a number and until when. Stored on the number's row next to the NumberState
 * fields (proposed for NumberState in lambdas/ports/); a store must round-trip them.
 */
export interface NumberClaim {
  /** `runId` of the run allowed to write this number to the carrier. */
  claimedBy?: string;
  /** Epoch ms after which another run may take the number over (its holder is presumed dead). */
  claimExpiresAt?: number;
}

/** A number's row as the engines read it: NumberState plus its claim. */
export type ClaimedNumberState = NumberState & NumberClaim;

/**
 * Changes passed to ForwardingStateStore.update. A key present with the value `undefined` removes
 * the attribute (used to clear `lastError` and a claim).
 */
export type NumberStateChanges = Partial<Omit<NumberState, 'incidentId' | 'number' | 'version'>> &
  NumberClaim;

/** How long a claim protects a number: far longer than one carrier call may take. */
export const DEFAULT_CLAIM_LEASE_MS = 120_000;
/** The lease taken right before a bulk call, which waits for an asynchronous carrier job: Lambda's longest run. */
export const DEFAULT_BULK_CLAIM_LEASE_MS = 15 * 60_000;
/** Time kept before the deadline for writing state and returning the summary. */
export const DEFAULT_DEADLINE_MARGIN_MS = 5_000;
/** A carrier's bulk API is used from this many numbers to forward on. */
export const DEFAULT_BULK_THRESHOLD = 20;
/**
 * Most numbers one bulk job carries, below the carrier's own limit: a job leaves as soon as this many
 * numbers are read and snapshotted, so a few slow reads (retrying through faults) hold back only the
 * last job, not every number of the carrier.
 */
export const BULK_CHUNK_NUMBERS = 100;
/** Reason recorded when a number was already forwarded before the first snapshot could be taken. */
export const ALREADY_FORWARDED_BEFORE_SNAPSHOT =
  'already forwarded before snapshot; original setting unknown (restore it by hand, or fix the routing at the carrier and retry)';

/** A conflict this many times in a row means another run is busy with the number: leave it. */
const MAX_CONFLICT_RESTARTS = 5;
/** Store writes in flight at once when a bulk chunk is claimed or settled. */
const STORE_CONCURRENCY = 16;

// ---------------------------------------------------------------------------------------------
// Shared by the forward and restore runs
// ---------------------------------------------------------------------------------------------

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

/** The end of one apply-once sequence. */
export type ApplyResult =
  | { kind: 'applied'; state: ClaimedNumberState }
  | { kind: 'failed'; reason: string; state: ClaimedNumberState }
  | { kind: 'pending'; reason: PendingReason };

/** One write that must reach the carrier exactly once. */
export interface ApplyOnceRequest {
  /** The number's row, as last read or written by this run (claimed by it, or by nobody alive). */
  state: ClaimedNumberState;
  lane: CarrierLane;
  carrier: Carrier;
  tally: AttemptTally;
  /** A verb for reasons, e.g. "forward". */
  operation: string;
  write: () => Promise<void>;
  /** True when routing read from the carrier already shows the write's effect. */
  isApplied: (routing: RoutingSnapshot) => boolean;
  /** Read before the first write: an earlier attempt's outcome is unknown. */
  readBackFirst: boolean;
  /** A write of ours was never confirmed: if the read-back shows the effect, count it as applied. */
  unconfirmedWrite: boolean;
  /** A failure already met (in a bulk call) to handle before anything else. */
  priorError?: { error: unknown };
  /**
   * Changes not stored yet (a snapshot just read), saved with the sequence's first store write:
   * for a fresh number, the claim right before its first write, which saves a round trip.
   */
  unsaved?: NumberStateChanges;
  /** Changes that record success (claim clearing and `appliedWrites` are added). */
  succeeded: (now: number) => NumberStateChanges;
  /** Changes that record the final failure. */
  failed: (reason: string) => NumberStateChanges;
}

/**
 * The machinery both incident runs share: claims, throttled and retried carrier reads, the deadline,
 * and applyOnce, the only place that writes a number at a carrier.
 */
export class IncidentNumberRun {
  readonly incidentId: string;
  readonly runId: string;
  readonly store: ForwardingStateStore;
  readonly clock: Clock;
  readonly lanes: CarrierLanes;
  readonly policy: RetryPolicy;
  readonly deadline: Deadline;
  private readonly leaseMs: number;
  private stopRequested = false;

  constructor(options: IncidentRunOptions, numberCount: number) {
    this.incidentId = options.incidentId;
    this.runId = options.runId;
    this.store = options.store;
    this.clock = options.clock;
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
    this.leaseMs = options.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS;
  }

  /** True when no new work may start: the deadline is near, or the run is failing. */
  get stopping(): boolean {
    return this.stopRequested || this.deadline.reached;
  }

  /** Makes every worker finish its current step and start nothing new (used when one worker crashed). */
  stop(): void {
    this.stopRequested = true;
  }

  /** True when another live run holds the number. */
  heldByAnotherRun(state: ClaimedNumberState): boolean {
    return (
      state.claimedBy !== undefined &&
      state.claimedBy !== this.runId &&
      (state.claimExpiresAt ?? 0) > this.clock.now()
    );
  }

  /**
   * Claims (or re-claims, extending the lease) a number for this run, applying `changes` in the same
   * version-checked write. Throws ConcurrentModificationError when another run changed it first.
   */
  async claim(
    state: ClaimedNumberState,
    changes: NumberStateChanges = {},
    leaseMs = this.leaseMs,
  ): Promise<ClaimedNumberState> {
    const now = this.clock.now();
    const claiming: NumberStateChanges = {
      ...changes,
      claimedBy: this.runId,
      claimExpiresAt: now + leaseMs,
      updatedAt: now,
    };
    const next = (await this.store.update(
      this.incidentId,
      state.number,
      state.version,
      claiming,
    )) as ClaimedNumberState;
    if (next.claimedBy !== this.runId) {
      // Without the claim fields a second run could write the same number: refuse to go on.
      throw new Error(
        `The forwarding state store did not keep the claim on ${state.number}: it must store the claimedBy and claimExpiresAt fields`,
      );
    }
    return next;
  }

  /** Writes `changes` and gives the number up (clears the claim). Throws ConcurrentModificationError on a lost race. */
  async settle(state: ClaimedNumberState, changes: NumberStateChanges = {}): Promise<ClaimedNumberState> {
    const releasing: NumberStateChanges = {
      ...changes,
      claimedBy: undefined,
      claimExpiresAt: undefined,
      updatedAt: this.clock.now(),
    };
    return (await this.store.update(
      this.incidentId,
      state.number,
      state.version,
      releasing,
    )) as ClaimedNumberState;
  }

  /** Reads a number's routing through its lane with retries. */
  read(
    lane: CarrierLane,
    carrier: Carrier,
    number: string,
    tally: AttemptTally,
  ): Promise<CallResult<RoutingSnapshot>> {
    return callWithRetry(lane, () => carrier.readRouting(number), tally, {
      policy: this.policy,
      clock: this.clock,
      deadline: this.deadline,
      stopping: () => this.stopRequested,
    });
  }

  /**
   * Runs `procedure` on a number's row; when a version conflict interrupts it, re-reads the row and
   * starts over (the procedure then sees who holds it). Gives up as "held" after repeated conflicts.
   */
  async withConflictRestarts<T>(
    number: string,
    first: ClaimedNumberState | undefined,
    procedure: (state: ClaimedNumberState | undefined) => Promise<T>,
    whenHeld: () => T,
  ): Promise<T> {
    let state = first;
    for (let restart = 0; restart < MAX_CONFLICT_RESTARTS; restart += 1) {
      try {
        return await procedure(state);
      } catch (error) {
        if (!(error instanceof ConcurrentModificationError)) throw error;
        state = (await this.store.get(this.incidentId, number)) as ClaimedNumberState | undefined;
      }
    }
    return whenHeld();
  }

  /**
   * Brings one claimed number to its written state, writing to the carrier at most once per
   * confirmed-unapplied state: after an uncertain failure it reads back before writing again.
   */
  async applyOnce(request: ApplyOnceRequest): Promise<ApplyResult> {
    const { lane, carrier, tally } = request;
    const number = request.state.number;
    let state = request.state;
    let readBack = request.readBackFirst;
    let unconfirmed = request.unconfirmedWrite;
    let failure = request.priorError;
    let unsaved = request.unsaved ?? {};
    // Every store write below goes through one of these, so the unsaved changes ride on the first.
    const withUnsaved = (changes: NumberStateChanges): NumberStateChanges => {
      const merged = { ...unsaved, ...changes };
      unsaved = {};
      return merged;
    };
    const claim = (changes: NumberStateChanges) => this.claim(state, withUnsaved(changes));
    const settle = (changes: NumberStateChanges = {}) => this.settle(state, withUnsaved(changes));
    const recordApplied = (applied: 0 | 1) =>
      this.recordApplied(state, (now) => withUnsaved(request.succeeded(now)), applied);
    const recordFailed = (reason: string) =>
      this.recordFailed({ ...request, failed: (why) => withUnsaved(request.failed(why)) }, state, reason);
    for (;;) {
      if (failure) {
        const { error } = failure;
        failure = undefined;
        if (isUncertainOutcome(error)) {
          readBack = true;
          unconfirmed = true;
        }
        const decision = this.policy.decide(error, tally.attempts);
        if (!decision.retry) {
          if (readBack) {
            await this.clock.sleep(this.policy.uncertainSettleMs);
            const read = await this.read(lane, carrier, number, tally);
            if (read.ok && request.isApplied(read.value)) return recordApplied(1);
            const unknown = read.ok ? '' : `; it may have been applied (read-back failed: ${read.reason})`;
            return recordFailed(`${decision.reason}${unknown}`);
          }
          return recordFailed(decision.reason);
        }
        // A write of unknown outcome may still land: let it, before the read-back decides.
        const waitMs = readBack
          ? Math.max(decision.delayMs, this.policy.uncertainSettleMs)
          : decision.delayMs;
        if (!this.deadline.allowsWait(waitMs) || this.stopRequested) {
          await settle({ lastError: describeFailure(error) });
          return { kind: 'pending', reason: 'deadline' };
        }
        this.policy.spend();
        // Records the failure and extends the lease across the wait.
        state = await claim({ lastError: describeFailure(error) });
        await this.clock.sleep(waitMs);
      }
      if (readBack) {
        const read = await this.read(lane, carrier, number, tally);
        if (!read.ok) {
          if (read.stopped) {
            await settle({ lastError: read.reason });
            return { kind: 'pending', reason: 'deadline' };
          }
          return recordFailed(
            `the last ${request.operation} may have been applied, and reading it back failed: ${read.reason}`,
          );
        }
        if (request.isApplied(read.value)) {
          return recordApplied(unconfirmed ? 1 : 0);
        }
        readBack = false;
        unconfirmed = false;
      }
      if (this.stopping) {
        await settle();
        return { kind: 'pending', reason: 'deadline' };
      }
      // The claim right before the write: if another run took the number, this throws and we never write.
      state = await claim({ attempts: state.attempts + 1 });
      try {
        tally.attempts += 1;
        await lane.call(request.write);
      } catch (error) {
        failure = { error };
        continue;
      }
      return recordApplied(1);
    }
  }

  /**
   * Records that the carrier shows the change: `applied` is how many writes of ours it accepted to
   * get there (0 when someone else made the change), which feeds the double-apply accounting.
   */
  async recordApplied(
    state: ClaimedNumberState,
    succeeded: ApplyOnceRequest['succeeded'],
    applied: 0 | 1,
  ): Promise<ApplyResult> {
    const next = await this.settle(state, {
      ...succeeded(this.clock.now()),
      appliedWrites: state.appliedWrites + applied,
      lastError: undefined,
    });
    return { kind: 'applied', state: next };
  }

  private async recordFailed(
    request: ApplyOnceRequest,
    state: ClaimedNumberState,
    reason: string,
  ): Promise<ApplyResult> {
    const next = await this.settle(state, request.failed(reason));
    return { kind: 'failed', reason, state: next };
  }
}

/** True when a routing forwards every call to `destination`. */
export function forwardsAlwaysTo(routing: RoutingSnapshot, destination: string): boolean {
  return routing.mode === 'always' && routing.forwardsTo === destination;
}

// ---------------------------------------------------------------------------------------------
// forwardNumbers
// ---------------------------------------------------------------------------------------------

/** Input of forwardNumbers. */
export interface ForwardNumbersInput extends IncidentRunOptions {
  /** The plan rows of the failed site. The first run records each number's carrier and destination. */
  entries: PlanEntry[];
  /** Use a carrier's bulk API from this many numbers to forward on. @default 20 */
  bulkThreshold?: number;
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

/** A number that did not make it, and why. */
export interface NumberFailure {
  number: string;
  reason: string;
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

type Outcome =
  | { kind: 'forwarded' }
  | { kind: 'already-forwarded' }
  | { kind: 'failed'; reason: string }
  | { kind: 'pending'; reason: PendingReason };

interface ReadyInChunk {
  ready: Ready;
  tally: AttemptTally;
}

interface Ready {
  kind: 'ready';
  state: ClaimedNumberState;
  carrier: Carrier;
  readBackFirst: boolean;
  unconfirmedWrite: boolean;
  /** The snapshot just read, stored with the claim right before the first write. */
  unsaved?: NumberStateChanges;
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

/** A number for a carrier's workers, with its row when one was read (else it is fetched). */
interface NumberWork {
  number: string;
  row?: ClaimedNumberState;
}

class ForwardingRun {
  private readonly outcomes = new Map<string, Outcome>();
  /** Numbers failed at the start that this run may reopen (only with retryFailed, and only once). */
  private readonly reopenable = new Set<string>();

  constructor(
    private readonly input: ForwardNumbersInput,
    private readonly run: IncidentNumberRun,
    private readonly entries: PlanEntry[],
  ) {}

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
      const done = row && this.finishedOutcome(row);
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
        const done = row && this.finishedOutcome(row);
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
      numbers.length >= (this.input.bulkThreshold ?? DEFAULT_BULK_THRESHOLD);
    if (!useBulk) {
      await drainQueue(queue, lane.workers, async ({ number, row }) => {
        this.record(number, await this.forwardOne(number, row, { attempts: 0 }));
      });
      return;
    }
    await this.forwardInBulk(name, queue, Math.min(bulkLimit, BULK_CHUNK_NUMBERS));
  }

  /** The whole per-number path: prepare, then write. */
  private forwardOne(
    number: string,
    first: ClaimedNumberState | undefined,
    tally: AttemptTally,
  ): Promise<Outcome> {
    return this.run.withConflictRestarts(
      number,
      first,
      async (state) => {
        const prepared = await this.prepare(number, state, tally);
        return prepared.kind === 'ready' ? this.write(prepared, tally) : prepared;
      },
      () => ({ kind: 'pending', reason: 'held-by-another-run' }),
    );
  }

  /**
   * Makes sure a snapshot exists: a number resumed with one is claimed and read back first; a fresh
   * one has its routing read, and the snapshot is stored by the claim right before its write.
   * Returns either the number's outcome (done, failed, or left pending) or the row ready to write.
   */
  private async prepare(
    number: string,
    current: ClaimedNumberState | undefined,
    tally: AttemptTally,
  ): Promise<Outcome | Ready> {
    let state = current ?? ((await this.run.store.get(this.run.incidentId, number)) as ClaimedNumberState);
    if (!state) {
      throw new Error(
        `No forwarding state for ${number} in incident ${this.run.incidentId} after ensureNumbers`,
      );
    }
    const done = this.finishedOutcome(state);
    if (done) return done;
    if (this.run.heldByAnotherRun(state)) return { kind: 'pending', reason: 'held-by-another-run' };
    if (this.run.stopping) return { kind: 'pending', reason: 'deadline' };
    const carrier = this.input.carriers[state.carrier];
    if (!carrier) {
      const reason = `carrier "${state.carrier}" is not configured: add it under carriers in the config`;
      await this.run.settle(state, { status: 'failed', lastError: reason });
      return { kind: 'failed', reason };
    }
    const reopening = state.status === 'failed';
    this.reopenable.delete(number);
    if (reopening || state.snapshot) {
      // Reopened numbers are claimed at once, so a crash leaves them to be retried, not failed.
      state = await this.run.claim(
        state,
        reopening ? { status: state.snapshot ? 'snapshotted' : 'pending', lastError: undefined } : {},
      );
    }
    if (state.snapshot) {
      // A snapshot is never retaken. Resuming, look at the carrier first: an earlier write may have
      // landed unseen (attempts > appliedWrites), or someone may have forwarded the number meanwhile.
      const unconfirmed = state.attempts > state.appliedWrites;
      return { kind: 'ready', state, carrier, readBackFirst: true, unconfirmedWrite: unconfirmed };
    }
    // No claim before this read: the claim that stores the snapshot is version-checked against the
    // row as read before it, so if another run claimed or wrote the number meanwhile, storing fails
    // and the number starts over from its fresh row (which then shows who holds it).
    const lane = this.run.lanes.lane(state.carrier);
    const read = await this.run.read(lane, carrier, number, tally);
    if (!read.ok) {
      if (read.stopped) {
        await this.run.settle(state, { lastError: read.reason });
        return { kind: 'pending', reason: 'deadline' };
      }
      return this.fail(state, `could not read the current routing to save it: ${read.reason}`);
    }
    if (forwardsAlwaysTo(read.value, state.forwardTo)) {
      // Saving this as "original" would make failback restore the forwarding: refuse.
      return this.fail(state, ALREADY_FORWARDED_BEFORE_SNAPSHOT);
    }
    return {
      kind: 'ready',
      state,
      carrier,
      readBackFirst: false,
      unconfirmedWrite: false,
      unsaved: { status: 'snapshotted', snapshot: read.value, lastError: undefined },
    };
  }

  private async write(ready: Ready, tally: AttemptTally, priorError?: { error: unknown }): Promise<Outcome> {
    const { state, carrier } = ready;
    const result = await this.run.applyOnce({
      state,
      carrier,
      lane: this.run.lanes.lane(state.carrier),
      tally,
      operation: 'forward',
      write: () => carrier.forward({ number: state.number, destination: state.forwardTo, mode: 'always' }),
      isApplied: (routing) => forwardsAlwaysTo(routing, state.forwardTo),
      readBackFirst: ready.readBackFirst,
      unconfirmedWrite: ready.unconfirmedWrite,
      priorError,
      unsaved: ready.unsaved,
      succeeded: forwardedChanges,
      failed: (reason) => ({ status: 'failed', lastError: reason }),
    });
    return toOutcome(result);
  }

  /**
   * Bulk path: numbers are prepared one by one (each needs its own snapshot read) and, as soon as
   * `bulkLimit` are ready, forwarded in one bulk call while the next ones are being prepared.
   * Whatever fails in bulk goes through the per-number path, with a read-back when the bulk
   * outcome is uncertain.
   */
  private async forwardInBulk(
    name: CarrierName,
    queue: WorkQueue<NumberWork>,
    bulkLimit: number,
  ): Promise<void> {
    const lane = this.run.lanes.lane(name);
    const chunks: Promise<void>[] = [];
    let failure: { error: unknown } | undefined;
    const stopOnFailure = (error: unknown) => {
      failure ??= { error };
      this.run.stop();
    };
    let buffer: ReadyInChunk[] = [];
    const flush = () => {
      if (buffer.length > 0 && !failure) chunks.push(this.writeChunk(buffer).catch(stopOnFailure));
      buffer = [];
    };
    await drainQueue(queue, lane.workers, async ({ number, row }) => {
      const tally: AttemptTally = { attempts: 0 };
      const prepared = await this.run.withConflictRestarts(
        number,
        row,
        (state) => this.prepare(number, state, tally),
        (): Outcome => ({ kind: 'pending', reason: 'held-by-another-run' }),
      );
      if (prepared.kind !== 'ready') {
        this.record(number, prepared);
      } else if (prepared.readBackFirst || prepared.state.carrier !== name) {
        // Its last write is unaccounted for (settle it on its own, reading back first), or another
        // run's row put it on another carrier than this chunk's.
        this.record(number, await this.continueAlone(number, () => this.write(prepared, tally), tally));
      } else {
        buffer.push({ ready: prepared, tally });
        if (buffer.length >= bulkLimit) flush();
      }
    }).catch(stopOnFailure);
    flush();
    await Promise.all(chunks);
    if (failure) throw failure.error;
  }

  private async writeChunk(chunk: ReadyInChunk[]): Promise<void> {
    const { carrier } = chunk[0].ready;
    const forwardMany = carrier.forwardMany as NonNullable<Carrier['forwardMany']>;
    const lane = this.run.lanes.lane(chunk[0].ready.state.carrier);
    const claimed: ReadyInChunk[] = [];
    await runPool(chunk, STORE_CONCURRENCY, async (item) => {
      const { ready, tally } = item;
      const number = ready.state.number;
      if (this.run.stopping) {
        await this.releaseQuietly(ready.state, ready.unsaved);
        this.record(number, { kind: 'pending', reason: 'deadline' });
        return;
      }
      try {
        // The claim right before the bulk write, as for a single write, held for the whole job.
        ready.state = await this.run.claim(
          ready.state,
          { ...ready.unsaved, attempts: ready.state.attempts + 1 },
          this.input.bulkClaimLeaseMs ?? DEFAULT_BULK_CLAIM_LEASE_MS,
        );
        ready.unsaved = undefined;
        claimed.push(item);
      } catch (error) {
        if (!(error instanceof ConcurrentModificationError)) throw error;
        this.record(number, await this.forwardOne(number, undefined, tally));
      }
    });
    if (claimed.length === 0) return;
    let results: BulkItemOutcome[] = [];
    let callError: { error: unknown } | undefined;
    try {
      const requests = claimed.map(({ ready }) => ({
        number: ready.state.number,
        destination: ready.state.forwardTo,
        mode: 'always' as const,
      }));
      results = await lane.call(() => forwardMany.call(carrier, requests));
    } catch (error) {
      callError = { error };
    }
    const byNumber = new Map(results.map((result) => [result.number, result]));
    const followUps: Array<ReadyInChunk & { error: { error: unknown } }> = [];
    await runPool(claimed, STORE_CONCURRENCY, async ({ ready, tally }) => {
      tally.attempts += 1;
      const number = ready.state.number;
      const result = byNumber.get(number);
      if (!callError && result?.ok) {
        const recorded = await this.continueAlone(
          number,
          async () => toOutcome(await this.run.recordApplied(ready.state, forwardedChanges, 1)),
          tally,
        );
        this.record(number, recorded);
        return;
      }
      const error =
        callError ??
        (result?.error
          ? { error: result.error }
          : { error: new Error(`bulk result omitted ${number}: outcome unknown`) });
      followUps.push({ ready, tally, error });
    });
    await runPool(followUps, lane.workers, async ({ ready, tally, error }) => {
      const number = ready.state.number;
      this.record(number, await this.continueAlone(number, () => this.write(ready, tally, error), tally));
    });
  }

  /**
   * Runs a step on a number already prepared; if a version conflict interrupts it, continues on
   * the per-number path from a fresh read (which sees who holds the number now).
   */
  private async continueAlone(
    number: string,
    step: () => Promise<Outcome>,
    tally: AttemptTally,
  ): Promise<Outcome> {
    try {
      return await step();
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError)) throw error;
      return this.forwardOne(number, undefined, tally);
    }
  }

  /** Gives a number up, storing `unsaved`; losing that race is fine, someone else holds it then. */
  private async releaseQuietly(state: ClaimedNumberState, unsaved: NumberStateChanges = {}): Promise<void> {
    try {
      await this.run.settle(state, unsaved);
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError)) throw error;
    }
  }

  private async fail(state: ClaimedNumberState, reason: string): Promise<Outcome> {
    await this.run.settle(state, { status: 'failed', lastError: reason });
    return { kind: 'failed', reason };
  }

  /** The outcome of a number that needs nothing from this run, or undefined. */
  private finishedOutcome(state: ClaimedNumberState): Outcome | undefined {
    switch (state.status) {
      case 'forwarded':
      case 'restoring':
      case 'restored':
      case 'restore-failed':
        return { kind: 'already-forwarded' };
      case 'failed':
        return this.reopenable.has(state.number)
          ? undefined
          : { kind: 'failed', reason: state.lastError ?? 'failed in an earlier run (no reason recorded)' };
      default:
        return undefined;
    }
  }

  private record(number: string, outcome: Outcome): void {
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

const forwardedChanges = (now: number): NumberStateChanges => ({ status: 'forwarded', forwardedAt: now });

function toOutcome(result: ApplyResult): Outcome {
  if (result.kind === 'applied') return { kind: 'forwarded' };
  if (result.kind === 'failed') return { kind: 'failed', reason: result.reason };
  return { kind: 'pending', reason: result.reason };
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
