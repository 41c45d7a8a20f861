/**
 * Failback's primitive: put each number's saved pre-outage routing back at the carrier. The failback
 * waves decide which numbers and when; this restores one wave, with the same guarantees as
 * forwarding: claimed before every write, read back after an uncertain outcome, resumable.
 */

import type { RoutingSnapshot } from '../../ports/carriers';
import type { ClaimedNumberState, NumberStatus } from '../../ports/forwarding-state';
import { applyOnce } from './apply-once';
import {
  IncidentNumberRun,
  type IncidentRunOptions,
  type NumberFailure,
  type PendingReason,
} from './incident-number-run';
import type { AttemptTally } from './retry-policy';
import { runPerCarrier } from './worker-pool';

/** Input of restoreNumbers. */
export interface RestoreNumbersInput extends Omit<IncidentRunOptions, 'runId'> {
  /** The numbers of this wave. */
  numbers: string[];
  /** Failback wave number, recorded on each number it restores. */
  wave?: number;
  /** Identifies this run in claims. @default a random id */
  runId?: string;
  /** Called once per number as it reaches its outcome in this run. */
  onProgress?: (progress: RestoreProgress) => void;
}

/** The outcome of one number in one restore run. */
export type RestoreOutcome = 'restored' | 'already-restored' | 'restore-failed' | 'skipped' | 'pending';

/** Progress report for one number. */
export interface RestoreProgress {
  number: string;
  outcome: RestoreOutcome;
  reason?: string;
  completed: number;
  total: number;
}

/** What a restore run achieved. `total = restored + failed.length + skipped.length + pending`. */
export interface RestoreSummary {
  total: number;
  /** Numbers whose snapshot is back, by this run or an earlier one. */
  restored: number;
  /** Of `restored`, those an earlier run had finished. */
  alreadyRestored: number;
  /** Numbers whose restore failed (status restore-failed), with the reason. */
  failed: NumberFailure[];
  /** Numbers with nothing to restore (never forwarded, no snapshot, not in the incident). */
  skipped: NumberFailure[];
  pending: number;
  pendingNumbers: string[];
  retries: number;
  stoppedByDeadline: boolean;
}

type Outcome =
  | { kind: 'restored' | 'already-restored' }
  | { kind: 'restore-failed' | 'skipped'; reason: string }
  | { kind: 'pending'; reason: PendingReason };

/** Statuses in which no carrier write of the forwarding run may have happened yet. */
const BEFORE_FORWARD: readonly NumberStatus[] = ['pending', 'snapshotted', 'failed'];

/**
 * Restores the saved routing of `numbers`. Idempotent: a number already restored is counted, not
 * written again; a number whose earlier restore had an unknown outcome is read back first, and if
 * the carrier already shows the snapshot it is marked restored without a write.
 */
export async function restoreNumbers(input: RestoreNumbersInput): Promise<RestoreSummary> {
  const numbers = [...new Set(input.numbers)];
  const runId = input.runId ?? `restore-${Math.floor(input.random() * 2 ** 48).toString(36)}`;
  const run = new IncidentNumberRun({ ...input, runId }, numbers.length);
  const rows = new Map(
    ((await input.store.list(input.incidentId)) as ClaimedNumberState[]).map((row) => [row.number, row]),
  );
  const outcomes = new Map<string, Outcome>();
  const record = (number: string, outcome: Outcome) => {
    outcomes.set(number, outcome);
    input.onProgress?.({
      number,
      outcome: outcome.kind,
      reason: 'reason' in outcome ? outcome.reason : undefined,
      completed: outcomes.size,
      total: numbers.length,
    });
  };

  const known: string[] = [];
  for (const number of numbers) {
    if (rows.has(number)) known.push(number);
    else record(number, { kind: 'skipped', reason: `not part of incident ${input.incidentId}` });
  }
  const restoreOne = async (number: string): Promise<Outcome> => {
    const tally: AttemptTally = { attempts: 0 };
    return run.claims.withConflictRestarts(
      number,
      rows.get(number),
      (state) => restoreClaimed(run, input, state, tally),
      () => ({ kind: 'pending', reason: 'held-by-another-run' }),
    );
  };
  await runPerCarrier(
    known,
    (number) => (rows.get(number) as ClaimedNumberState).carrier,
    run.lanes,
    async (number) => record(number, await restoreOne(number)),
    () => run.stop(),
  );

  const summary: RestoreSummary = {
    total: numbers.length,
    restored: 0,
    alreadyRestored: 0,
    failed: [],
    skipped: [],
    pending: 0,
    pendingNumbers: [],
    retries: run.policy.retriesUsed,
    stoppedByDeadline: false,
  };
  for (const number of numbers) {
    const outcome = outcomes.get(number) ?? { kind: 'pending', reason: 'deadline' };
    if (outcome.kind === 'restored') summary.restored += 1;
    if (outcome.kind === 'already-restored') {
      summary.restored += 1;
      summary.alreadyRestored += 1;
    }
    if (outcome.kind === 'restore-failed') summary.failed.push({ number, reason: outcome.reason });
    if (outcome.kind === 'skipped') summary.skipped.push({ number, reason: outcome.reason });
    if (outcome.kind === 'pending') {
      summary.pendingNumbers.push(number);
      summary.stoppedByDeadline ||= outcome.reason === 'deadline';
    }
  }
  summary.pending = summary.pendingNumbers.length;
  return summary;
}

async function restoreClaimed(
  run: IncidentNumberRun,
  input: RestoreNumbersInput,
  current: ClaimedNumberState | undefined,
  tally: AttemptTally,
): Promise<Outcome> {
  if (!current) return { kind: 'skipped', reason: `not part of incident ${input.incidentId}` };
  let state = current;
  if (state.status === 'restored') return { kind: 'already-restored' };
  const snapshot = state.snapshot;
  if (!snapshot) {
    return {
      kind: 'skipped',
      reason: state.lastError
        ? `no snapshot was saved (${state.lastError}); nothing to restore`
        : 'no snapshot was saved; nothing to restore',
    };
  }
  if (state.attempts === 0 && BEFORE_FORWARD.includes(state.status)) {
    return { kind: 'skipped', reason: 'never forwarded; nothing to restore' };
  }
  if (run.claims.heldByAnotherRun(state)) return { kind: 'pending', reason: 'held-by-another-run' };
  if (run.stopping) return { kind: 'pending', reason: 'deadline' };
  const carrier = input.carriers[state.carrier];
  if (!carrier) {
    const reason = `carrier "${state.carrier}" is not configured: add it under carriers in the config`;
    await run.claims.settle(state, { status: 'restore-failed', lastError: reason });
    return { kind: 'restore-failed', reason };
  }
  const before = state.status;
  state = await run.claims.claim(state, {
    status: 'restoring',
    ...(input.wave === undefined ? {} : { wave: input.wave }),
  });
  const result = await applyOnce(run, {
    state,
    carrier,
    lane: run.lanes.lane(state.carrier),
    tally,
    operation: 'restore',
    write: () => carrier.restore(snapshot),
    isApplied: (routing) => routingMatchesSnapshot(routing, snapshot),
    // Only from `forwarded` do we know the carrier holds our forwarding; otherwise look first.
    readBackFirst: before !== 'forwarded',
    // `restoring` means a restore write was started and never confirmed.
    unconfirmedWrite: before === 'restoring',
    succeeded: (now) => ({ status: 'restored', restoredAt: now }),
    failed: (reason) => ({ status: 'restore-failed', lastError: reason }),
  });
  if (result.kind === 'applied') return { kind: 'restored' };
  if (result.kind === 'failed') return { kind: 'restore-failed', reason: result.reason };
  return result;
}

/** True when the carrier's routing is exactly the saved one (carrier-neutral reading and settings). */
export function routingMatchesSnapshot(routing: RoutingSnapshot, snapshot: RoutingSnapshot): boolean {
  return (
    routing.forwardsTo === snapshot.forwardsTo &&
    routing.mode === snapshot.mode &&
    sameJson(routing.settings, snapshot.settings)
  );
}

/** Deep equality of JSON values, ignoring key order. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a).filter((key) => (a as Record<string, unknown>)[key] !== undefined);
  const bKeys = Object.keys(b).filter((key) => (b as Record<string, unknown>)[key] !== undefined);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((key) =>
    sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}
