/**
 * The bulk forwarding path: numbers are prepared one by one (their snapshot comes from the paged
 * routing check, or a read of their own) and, as soon as a job's worth are ready, forwarded in one
 * bulk call while the next ones are being prepared, up to the carrier's bulk calls in flight.
 * Whatever fails in bulk goes through the per-number path, with a read-back when the bulk outcome
 * is uncertain.
 */

import type { CarrierName } from '../../contracts/config/schema';
import { ConcurrentModificationError } from '../../contracts/errors';
import type { BulkItemOutcome, Carrier } from '../../ports/carriers';
import type { ClaimedNumberState, NumberStateChanges } from '../../ports/forwarding-state';
import { recordApplied } from './apply-once';
import {
  forwardedChanges,
  type NumberForwarder,
  type NumberOutcome,
  type ReadyNumber,
  toOutcome,
} from './forward-one';
import type { IncidentNumberRun } from './incident-number-run';
import type { AttemptTally } from './retry-policy';
import type { CheckedRouting } from './routing-baseline';
import { Semaphore } from './token-bucket';
import { drainQueue, type WorkQueue } from './work-queue';
import { runPool } from './worker-pool';

/** The lease taken right before a bulk call, which waits for an asynchronous carrier job: Lambda's longest run. */
export const DEFAULT_BULK_CLAIM_LEASE_MS = 15 * 60_000;
/**
 * Store writes in flight at once when a bulk chunk is claimed or settled: a 1,000-number job is
 * claimed and settled in a few dozen store round trips' time.
 */
const STORE_CONCURRENCY = 64;

/** A number for a carrier's workers, with its row when one was read (else it is fetched). */
export interface NumberWork {
  number: string;
  row?: ClaimedNumberState;
  /** What the paged routing check found for it, when it was checked. */
  checked?: CheckedRouting;
}

/** How forwardInBulk calls the carrier's bulk API. */
export interface BulkOptions {
  /** Numbers a bulk call takes at most. */
  bulkLimit: number;
  /** Bulk calls in flight at once. */
  inFlight: number;
  /** The carrier's bulk call sets one destination: gather the numbers by destination. */
  byDestination: boolean;
  /** With `byDestination`: true for a destination whose numbers go one by one. @default none */
  writeAlone?: (destination: string) => boolean;
}

interface ReadyInChunk {
  ready: ReadyNumber;
  tally: AttemptTally;
}

/** Forwards a carrier's numbers in bulk chunks, falling back to the per-number path. */
export class BulkForwarder {
  /**
   * @param record Called with each number's outcome as it is reached.
   * @param bulkClaimLeaseMs Lease of the claims taken right before a bulk call.
   */
  constructor(
    private readonly run: IncidentNumberRun,
    private readonly single: NumberForwarder,
    private readonly record: (number: string, outcome: NumberOutcome) => void,
    private readonly bulkClaimLeaseMs: number = DEFAULT_BULK_CLAIM_LEASE_MS,
  ) {}

  /**
   * Forwards what `queue` hands over for carrier `name`, at most `bulkLimit` numbers a bulk call and
   * `inFlight` bulk calls at once (the carrier's pending limit). A carrier whose bulk call sets one
   * destination (`byDestination`) gets its numbers gathered by destination, so each call is as full
   * as the plan allows, and the numbers of a destination too small for a bulk call to save anything
   * (`writeAlone`) written one by one as each is ready.
   */
  async forwardInBulk(name: CarrierName, queue: WorkQueue<NumberWork>, options: BulkOptions): Promise<void> {
    const { bulkLimit, inFlight, byDestination, writeAlone = () => false } = options;
    const lane = this.run.lanes.lane(name);
    const calls = new Semaphore(inFlight);
    const chunks: Promise<void>[] = [];
    let failure: { error: unknown } | undefined;
    const stopOnFailure = (error: unknown) => {
      failure ??= { error };
      this.run.stop();
    };
    const buffers = new Map<string, ReadyInChunk[]>();
    const flush = (key: string) => {
      const buffer = buffers.get(key) ?? [];
      buffers.delete(key);
      if (buffer.length > 0 && !failure) {
        chunks.push(this.writeChunk(buffer, calls).catch(stopOnFailure));
      }
    };
    await drainQueue(queue, lane.workers, async ({ number, row, checked }) => {
      const tally: AttemptTally = { attempts: 0 };
      let found = checked;
      const prepared = await this.run.claims.withConflictRestarts(
        number,
        row,
        (state) => {
          // A restart means the row changed since the check: read afresh.
          const use = found;
          found = undefined;
          return this.single.prepare(number, state, tally, use);
        },
        (): NumberOutcome => ({ kind: 'pending', reason: 'held-by-another-run' }),
      );
      if (prepared.kind !== 'ready') {
        this.record(number, prepared);
      } else if (
        prepared.readBackFirst ||
        prepared.state.carrier !== name ||
        (byDestination && writeAlone(prepared.state.forwardTo))
      ) {
        // Its last write is unaccounted for (settle it on its own, reading back first), another
        // run's row put it on another carrier than this chunk's, or its destination's job would
        // save nothing.
        this.record(
          number,
          await this.continueAlone(number, () => this.single.write(prepared, tally), tally),
        );
      } else {
        const key = byDestination ? prepared.state.forwardTo : '';
        const buffer = buffers.get(key) ?? [];
        buffer.push({ ready: prepared, tally });
        buffers.set(key, buffer);
        if (buffer.length >= bulkLimit) flush(key);
      }
    }).catch(stopOnFailure);
    for (const key of [...buffers.keys()]) flush(key);
    await Promise.all(chunks);
    if (failure) throw failure.error;
  }

  /** Waits for a bulk-call slot of the carrier, then claims, writes and settles the chunk. */
  private async writeChunk(chunk: ReadyInChunk[], calls: Semaphore): Promise<void> {
    await calls.acquire();
    try {
      await this.writeClaimedChunk(chunk);
    } finally {
      calls.release();
    }
  }

  private async writeClaimedChunk(chunk: ReadyInChunk[]): Promise<void> {
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
        ready.state = await this.run.claims.claim(
          ready.state,
          { ...ready.unsaved, attempts: ready.state.attempts + 1 },
          this.bulkClaimLeaseMs,
        );
        ready.unsaved = undefined;
        claimed.push(item);
      } catch (error) {
        if (!(error instanceof ConcurrentModificationError)) throw error;
        this.record(number, await this.single.forwardOne(number, undefined, tally));
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
          async () => toOutcome(await recordApplied(this.run, ready.state, forwardedChanges, 1)),
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
      this.record(
        number,
        await this.continueAlone(number, () => this.single.write(ready, tally, error), tally),
      );
    });
  }

  /**
   * Runs a step on a number already prepared; if a version conflict interrupts it, continues on
   * the per-number path from a fresh read (which sees who holds the number now).
   */
  private async continueAlone(
    number: string,
    step: () => Promise<NumberOutcome>,
    tally: AttemptTally,
  ): Promise<NumberOutcome> {
    try {
      return await step();
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError)) throw error;
      return this.single.forwardOne(number, undefined, tally);
    }
  }

  /** Gives a number up, storing `unsaved`; losing that race is fine, someone else holds it then. */
  private async releaseQuietly(state: ClaimedNumberState, unsaved: NumberStateChanges = {}): Promise<void> {
    try {
      await this.run.claims.settle(state, unsaved);
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError)) throw error;
    }
  }
}
