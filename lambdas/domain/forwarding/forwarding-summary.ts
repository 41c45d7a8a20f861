/** What one forwardNumbers run reports: every number's outcome, counted. */

import type { PlanEntry } from '../../contracts/config/plan-entry';
import type { NumberOutcome } from './forward-one';
import type { NumberFailure } from './incident-number-run';

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

/** The summary of a run whose numbers reached `outcomes` (a number without one is pending). */
export function summarizeOutcomes(
  entries: readonly PlanEntry[],
  outcomes: ReadonlyMap<string, NumberOutcome>,
  retries: number,
): ForwardingSummary {
  const failed: NumberFailure[] = [];
  const pendingNumbers: string[] = [];
  let forwarded = 0;
  let alreadyForwarded = 0;
  let stoppedByDeadline = false;
  for (const { number } of entries) {
    const outcome = outcomes.get(number) ?? { kind: 'pending', reason: 'deadline' };
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
    total: entries.length,
    forwarded,
    alreadyForwarded,
    failed,
    pending: pendingNumbers.length,
    pendingNumbers,
    retries,
    stoppedByDeadline,
  };
}
