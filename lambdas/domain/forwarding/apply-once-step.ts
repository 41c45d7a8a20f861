/**
 * The apply-once sequence as a pure step function. Given where a number's sequence stands and what
 * the last action came to, it says what to do next, or how the sequence ends; applyOnce
 * (apply-once.ts) performs the actions. The rule it keeps: after a failure whose outcome is unknown,
 * and whenever an earlier attempt was never confirmed, the carrier is read back before anything is
 * written again, so a number is never written twice.
 */

import { describeFailure, isUncertainOutcome, type RetryDecision } from './retry-policy';

/** What stays the same for a whole sequence. */
export interface ApplyOnceTerms {
  /** A verb for reasons, e.g. "forward". */
  operation: string;
  /** How long a write of unknown outcome is given to land before it is read back (RetryPolicy.uncertainSettleMs). */
  uncertainSettleMs: number;
}

/** Where a sequence stands between two actions. */
export interface ApplyOnceState {
  /** The carrier may already show the write: read it back before writing (again). */
  readBack: boolean;
  /** A write of ours was never confirmed: if the read-back shows the effect, it counts as applied. */
  unconfirmed: boolean;
  /** What the action in flight is for, when its outcome alone does not say. */
  awaiting?: { for: 'back-off'; lastError: string } | { for: 'last-look'; reason: string };
}

/** What the last action came to (or, for `start`, that none has run yet). */
export type ApplyOnceEvent =
  | { kind: 'start' }
  /** A write (or a bulk call) failed; `decision` is the retry policy's verdict on `error`. */
  | { kind: 'call-failed'; error: unknown; decision: RetryDecision }
  /** The backoff was waited out (the claim extended across it). */
  | { kind: 'backed-off' }
  /** The backoff would cross the deadline, or the run is stopping: nothing was waited. */
  | { kind: 'no-time-to-wait' }
  /** The routing was read back; `applied` says whether it shows the write's effect. */
  | { kind: 'read'; ok: true; applied: boolean }
  | { kind: 'read'; ok: false; reason: string; stopped: boolean }
  /** The run was stopping, so the write was not started. */
  | { kind: 'stopping' }
  /** The carrier accepted the write. */
  | { kind: 'written' };

/** How a sequence ends; each also says what to store. */
export type ApplyOnceEnd =
  /** `applied` is how many writes of ours the carrier accepted to get there (0: someone else's change). */
  | { kind: 'applied'; applied: 0 | 1 }
  | { kind: 'failed'; reason: string }
  /** Left for a later run (the deadline), storing `lastError` when set. */
  | { kind: 'pending'; lastError?: string };

/** What to do next. */
export type ApplyOnceAction =
  /**
   * Unless the wait would cross the deadline or the run is stopping: spend a retry, re-claim the
   * number recording `lastError` (extending the lease across the wait), then wait `waitMs`.
   */
  | { do: 'back-off'; waitMs: number; lastError: string }
  /** Read the routing back; first wait `settleMs` when set (a write of unknown outcome may still land). */
  | { do: 'read-back'; settleMs?: number }
  /** Unless the run is stopping: claim the number (counting the attempt), then write. */
  | { do: 'write' }
  | { do: 'finish'; end: ApplyOnceEnd };

/** The next action, and the state to pass with its outcome. */
export interface ApplyOnceStep {
  state: ApplyOnceState;
  action: ApplyOnceAction;
}

/** The state a sequence starts in. */
export function startApplyOnce(readBackFirst: boolean, unconfirmedWrite: boolean): ApplyOnceState {
  return { readBack: readBackFirst, unconfirmed: unconfirmedWrite };
}

/** Decides the next action from the current state and the last action's outcome. Pure. */
export function nextApplyOnceStep(
  state: ApplyOnceState,
  event: ApplyOnceEvent,
  terms: ApplyOnceTerms,
): ApplyOnceStep {
  switch (event.kind) {
    case 'start':
    case 'backed-off':
      return carryOn(state);
    case 'call-failed':
      return afterFailure(state, event.error, event.decision, terms);
    case 'no-time-to-wait': {
      if (state.awaiting?.for !== 'back-off') throw new Error('no-time-to-wait outside a back-off');
      return finish(state, { kind: 'pending', lastError: state.awaiting.lastError });
    }
    case 'read':
      return afterRead(state, event, terms);
    case 'stopping':
      return finish(state, { kind: 'pending' });
    case 'written':
      return finish(state, { kind: 'applied', applied: 1 });
  }
}

/** Reads back first when the carrier may show an earlier write, else writes. */
function carryOn(state: ApplyOnceState): ApplyOnceStep {
  const next: ApplyOnceState = { readBack: state.readBack, unconfirmed: state.unconfirmed };
  return { state: next, action: state.readBack ? { do: 'read-back' } : { do: 'write' } };
}

function afterFailure(
  state: ApplyOnceState,
  error: unknown,
  decision: RetryDecision,
  terms: ApplyOnceTerms,
): ApplyOnceStep {
  const uncertain = isUncertainOutcome(error);
  const readBack = state.readBack || uncertain;
  const unconfirmed = state.unconfirmed || uncertain;
  if (!decision.retry) {
    if (!readBack) return finish(state, { kind: 'failed', reason: decision.reason });
    // Giving up, but the write may have landed: one last look decides between applied and failed.
    return {
      state: { readBack, unconfirmed, awaiting: { for: 'last-look', reason: decision.reason } },
      action: { do: 'read-back', settleMs: terms.uncertainSettleMs },
    };
  }
  // A write of unknown outcome may still land: let it, before the read-back decides.
  const waitMs = readBack ? Math.max(decision.delayMs, terms.uncertainSettleMs) : decision.delayMs;
  const lastError = describeFailure(error);
  return {
    state: { readBack, unconfirmed, awaiting: { for: 'back-off', lastError } },
    action: { do: 'back-off', waitMs, lastError },
  };
}

function afterRead(
  state: ApplyOnceState,
  read: Extract<ApplyOnceEvent, { kind: 'read' }>,
  terms: ApplyOnceTerms,
): ApplyOnceStep {
  if (state.awaiting?.for === 'last-look') {
    if (read.ok && read.applied) return finish(state, { kind: 'applied', applied: 1 });
    const unknown = read.ok ? '' : `; it may have been applied (read-back failed: ${read.reason})`;
    return finish(state, { kind: 'failed', reason: `${state.awaiting.reason}${unknown}` });
  }
  if (!read.ok) {
    if (read.stopped) return finish(state, { kind: 'pending', lastError: read.reason });
    return finish(state, {
      kind: 'failed',
      reason: `the last ${terms.operation} may have been applied, and reading it back failed: ${read.reason}`,
    });
  }
  if (read.applied) return finish(state, { kind: 'applied', applied: state.unconfirmed ? 1 : 0 });
  // The carrier shows no trace of it: writing is safe again.
  return { state: { readBack: false, unconfirmed: false }, action: { do: 'write' } };
}

function finish(state: ApplyOnceState, end: ApplyOnceEnd): ApplyOnceStep {
  return { state, action: { do: 'finish', end } };
}
