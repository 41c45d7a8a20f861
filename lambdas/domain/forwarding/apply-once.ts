/**
 * applyOnce, the only place that writes a number at a carrier: a thin loop that performs what the
 * pure step function (apply-once-step.ts) asks for: read back, back off, write, and finally store
 * the outcome.
 */

import type { Carrier, RoutingSnapshot } from '../../ports/carriers';
import type { ClaimedNumberState, NumberStateChanges } from '../../ports/forwarding-state';
import {
  type ApplyOnceAction,
  type ApplyOnceEnd,
  type ApplyOnceEvent,
  nextApplyOnceStep,
  startApplyOnce,
} from './apply-once-step';
import type { IncidentNumberRun, PendingReason } from './incident-number-run';
import { type AttemptTally, countFailure, countSuccess } from './retry-policy';
import type { CarrierLane } from './token-bucket';

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
 * Brings one claimed number to its written state, writing to the carrier at most once per
 * confirmed-unapplied state: after an uncertain failure it reads back before writing again.
 */
export async function applyOnce(run: IncidentNumberRun, request: ApplyOnceRequest): Promise<ApplyResult> {
  const { lane, carrier, tally } = request;
  const terms = { operation: request.operation, uncertainSettleMs: run.policy.uncertainSettleMs };
  let state = request.state;
  let unsaved = request.unsaved ?? {};
  // Every store write goes through this, so the unsaved changes ride on the first.
  const withUnsaved = (changes: NumberStateChanges): NumberStateChanges => {
    const merged = { ...unsaved, ...changes };
    unsaved = {};
    return merged;
  };
  const failedCall = (error: unknown): ApplyOnceEvent => ({
    kind: 'call-failed',
    error,
    decision: run.policy.decide(error, countFailure(tally)),
  });

  const perform = async (action: Exclude<ApplyOnceAction, { do: 'finish' }>): Promise<ApplyOnceEvent> => {
    switch (action.do) {
      case 'back-off': {
        if (!run.deadline.allowsWait(action.waitMs) || run.stopRequested) return { kind: 'no-time-to-wait' };
        run.policy.spend();
        // Records the failure and extends the lease across the wait.
        state = await run.claims.claim(state, withUnsaved({ lastError: action.lastError }));
        await run.clock.sleep(action.waitMs);
        return { kind: 'backed-off' };
      }
      case 'read-back': {
        if (action.settleMs !== undefined) await run.clock.sleep(action.settleMs);
        const read = await run.read(lane, carrier, state.number, tally);
        return read.ok
          ? { kind: 'read', ok: true, applied: request.isApplied(read.value) }
          : { kind: 'read', ok: false, reason: read.reason, stopped: read.stopped };
      }
      case 'write': {
        if (run.stopping) return { kind: 'stopping' };
        // The claim right before the write: if another run took the number, this throws and we never write.
        state = await run.claims.claim(state, withUnsaved({ attempts: state.attempts + 1 }));
        try {
          tally.attempts += 1;
          await lane.call(request.write);
        } catch (error) {
          return failedCall(error);
        }
        countSuccess(tally);
        return { kind: 'written' };
      }
    }
  };

  const finish = async (end: ApplyOnceEnd): Promise<ApplyResult> => {
    switch (end.kind) {
      case 'applied':
        return recordApplied(run, state, (now) => withUnsaved(request.succeeded(now)), end.applied);
      case 'failed': {
        const next = await run.claims.settle(state, withUnsaved(request.failed(end.reason)));
        return { kind: 'failed', reason: end.reason, state: next };
      }
      case 'pending':
        await run.claims.settle(
          state,
          withUnsaved(end.lastError === undefined ? {} : { lastError: end.lastError }),
        );
        return { kind: 'pending', reason: 'deadline' };
    }
  };

  let event: ApplyOnceEvent = request.priorError ? failedCall(request.priorError.error) : { kind: 'start' };
  let machine = startApplyOnce(request.readBackFirst, request.unconfirmedWrite);
  for (;;) {
    const step = nextApplyOnceStep(machine, event, terms);
    if (step.action.do === 'finish') return finish(step.action.end);
    machine = step.state;
    event = await perform(step.action);
  }
}

/**
 * Records that the carrier shows the change: `applied` is how many writes of ours it accepted to
 * get there (0 when someone else made the change), which feeds the double-apply accounting.
 */
export async function recordApplied(
  run: IncidentNumberRun,
  state: ClaimedNumberState,
  succeeded: ApplyOnceRequest['succeeded'],
  applied: 0 | 1,
): Promise<ApplyResult> {
  const next = await run.claims.settle(state, {
    ...succeeded(run.clock.now()),
    appliedWrites: state.appliedWrites + applied,
    lastError: undefined,
  });
  return { kind: 'applied', state: next };
}
