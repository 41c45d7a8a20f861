/**
 * Claims: a number's state row is claimed for this run, in a version-checked store write, right
 * before anything is written at its carrier. Another run sees the live claim and leaves the number
 * alone; if both race, the version check lets one through. A claim left by a crashed run expires
 * after its lease; the same `runId` (a Lambda retry of the same invocation) takes its own back at once.
 */

import { ConcurrentModificationError } from '../../contracts/errors';
import type { Clock } from '../../ports/clock';
import type {
  ClaimedNumberState,
  ForwardingStateStore,
  NumberStateChanges,
} from '../../ports/forwarding-state';

/** How long a claim protects a number: far longer than one carrier call may take. */
export const DEFAULT_CLAIM_LEASE_MS = 120_000;

/** A conflict this many times in a row means another run is busy with the number: leave it. */
const MAX_CONFLICT_RESTARTS = 5;

/** What NumberClaims needs: whose claims, where they are stored, and how long they last. */
export interface NumberClaimsOptions {
  incidentId: string;
  runId: string;
  store: ForwardingStateStore;
  clock: Clock;
  leaseMs: number;
}

/** One run's claims on the numbers of an incident. */
export class NumberClaims {
  private readonly incidentId: string;
  private readonly runId: string;
  private readonly store: ForwardingStateStore;
  private readonly clock: Clock;
  private readonly leaseMs: number;

  constructor(options: NumberClaimsOptions) {
    this.incidentId = options.incidentId;
    this.runId = options.runId;
    this.store = options.store;
    this.clock = options.clock;
    this.leaseMs = options.leaseMs;
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
}
