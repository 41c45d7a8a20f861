/**
 * The per-number forwarding path: make sure the number's snapshot exists (read it, or read back
 * what an earlier run left unconfirmed), then forward it through applyOnce.
 */

import type { Carrier, CarrierDirectory, RoutingSnapshot } from '../../ports/carriers';
import type { ClaimedNumberState, NumberStateChanges } from '../../ports/forwarding-state';
import type { RoutingBaseline } from '../../ports/routing-baseline';
import { type ApplyResult, applyOnce } from './apply-once';
import type { IncidentNumberRun, PendingReason } from './incident-number-run';
import type { AttemptTally } from './retry-policy';
import type { CheckedRouting } from './routing-baseline';

/** Reason recorded when a number was already forwarded before the first snapshot could be taken. */
export const ALREADY_FORWARDED_BEFORE_SNAPSHOT =
  'already forwarded before snapshot; original setting unknown (restore it by hand, or fix the routing at the carrier and retry)';

/** One number's outcome in a forwarding run. */
export type NumberOutcome =
  | { kind: 'forwarded' }
  | { kind: 'already-forwarded' }
  | { kind: 'failed'; reason: string }
  | { kind: 'pending'; reason: PendingReason };

/** A number whose snapshot exists (or is in `unsaved`), ready for its forwarding write. */
export interface ReadyNumber {
  kind: 'ready';
  state: ClaimedNumberState;
  carrier: Carrier;
  readBackFirst: boolean;
  unconfirmedWrite: boolean;
  /** The snapshot just read, stored with the claim right before the first write. */
  unsaved?: NumberStateChanges;
}

/** True when a routing forwards every call to `destination`. */
export function forwardsAlwaysTo(routing: RoutingSnapshot, destination: string): boolean {
  return routing.mode === 'always' && routing.forwardsTo === destination;
}

/** The changes that record a number as forwarded. */
export const forwardedChanges = (now: number): NumberStateChanges => ({
  status: 'forwarded',
  forwardedAt: now,
});

/** A number's outcome from how its apply-once sequence ended. */
export function toOutcome(result: ApplyResult): NumberOutcome {
  if (result.kind === 'applied') return { kind: 'forwarded' };
  if (result.kind === 'failed') return { kind: 'failed', reason: result.reason };
  return { kind: 'pending', reason: result.reason };
}

/** Forwards numbers one at a time; the bulk path prepares through it and falls back to it. */
export class NumberForwarder {
  /**
   * @param reopenable Numbers failed at the start that this run may reopen (only with retryFailed,
   *   and only once); shared with the run, which fills it.
   */
  constructor(
    private readonly run: IncidentNumberRun,
    private readonly carriers: CarrierDirectory,
    private readonly reopenable: Set<string>,
    private readonly baseline: RoutingBaseline = new Map(),
  ) {}

  /** The whole per-number path: prepare, then write. `checked`: what the paged check found. */
  forwardOne(
    number: string,
    first: ClaimedNumberState | undefined,
    tally: AttemptTally,
    checked?: CheckedRouting,
  ): Promise<NumberOutcome> {
    let found = checked;
    return this.run.claims.withConflictRestarts(
      number,
      first,
      async (state) => {
        // A restart means the row changed since the check: read afresh.
        const use = found;
        found = undefined;
        const prepared = await this.prepare(number, state, tally, use);
        return prepared.kind === 'ready' ? this.write(prepared, tally) : prepared;
      },
      () => ({ kind: 'pending', reason: 'held-by-another-run' }),
    );
  }

  /**
   * Makes sure a snapshot exists: a number resumed with one is claimed and read back first; a fresh
   * one takes the routing its page showed (`checked`) or has it read, and the snapshot is stored by
   * the claim right before its write. Returns either the number's outcome (done, failed, or left
   * pending) or the row ready to write.
   */
  async prepare(
    number: string,
    current: ClaimedNumberState | undefined,
    tally: AttemptTally,
    checked?: CheckedRouting,
  ): Promise<NumberOutcome | ReadyNumber> {
    let state = current ?? ((await this.run.store.get(this.run.incidentId, number)) as ClaimedNumberState);
    if (!state) {
      throw new Error(
        `No forwarding state for ${number} in incident ${this.run.incidentId} after ensureNumbers`,
      );
    }
    const done = this.finishedOutcome(state);
    if (done) return done;
    if (this.run.claims.heldByAnotherRun(state)) return { kind: 'pending', reason: 'held-by-another-run' };
    if (this.run.stopping) return { kind: 'pending', reason: 'deadline' };
    const carrier = this.carriers[state.carrier];
    if (!carrier) {
      const reason = `carrier "${state.carrier}" is not configured: add it under carriers in the config`;
      await this.run.claims.settle(state, { status: 'failed', lastError: reason });
      return { kind: 'failed', reason };
    }
    const reopening = state.status === 'failed';
    this.reopenable.delete(number);
    if (reopening || state.snapshot) {
      // Reopened numbers are claimed at once, so a crash leaves them to be retried, not failed.
      state = await this.run.claims.claim(
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
    const fromPage = checked && checked.kind !== 'unchecked' ? checked.snapshot : undefined;
    const read =
      fromPage && fromPage.carrier === state.carrier
        ? { ok: true as const, value: fromPage }
        : await this.run.read(lane, carrier, number, tally);
    if (!read.ok) {
      if (read.stopped) {
        await this.run.claims.settle(state, { lastError: read.reason });
        return { kind: 'pending', reason: 'deadline' };
      }
      return this.fail(state, `could not read the current routing to save it: ${read.reason}`);
    }
    if (forwardsAlwaysTo(read.value, state.forwardTo)) {
      const original = this.baseline.get(number)?.snapshot;
      if (original && original.carrier === state.carrier && !forwardsAlwaysTo(original, state.forwardTo)) {
        // Forwarded already (by hand, or a run whose state was lost): the baseline read before the
        // outage is what to restore, and no write of ours is needed.
        await this.run.claims.settle(state, {
          status: 'forwarded',
          snapshot: original,
          forwardedAt: this.run.clock.now(),
          lastError: undefined,
        });
        return { kind: 'forwarded' };
      }
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

  /** Forwards a prepared number, handling `priorError` (met in a bulk call) first. */
  async write(
    ready: ReadyNumber,
    tally: AttemptTally,
    priorError?: { error: unknown },
  ): Promise<NumberOutcome> {
    const { state, carrier } = ready;
    const result = await applyOnce(this.run, {
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

  /** The outcome of a number that needs nothing from this run, or undefined. */
  finishedOutcome(state: ClaimedNumberState): NumberOutcome | undefined {
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

  private async fail(state: ClaimedNumberState, reason: string): Promise<NumberOutcome> {
    await this.run.claims.settle(state, { status: 'failed', lastError: reason });
    return { kind: 'failed', reason };
  }
}
