import { restoreNumbers } from '../domain/forwarding/restore-numbers';
import type { RestoreRun } from '../ports/forwarding-state';
import type { ForwardRunOptions } from './forward-run';

/** The restore engine as failback calls it: one run over a wave's numbers until a deadline. */
export function createRestoreRun(options: ForwardRunOptions): RestoreRun {
  return async (incidentId, numbers, wave, deadlineMs) => {
    const summary = await restoreNumbers({ ...options, incidentId, numbers, wave, deadlineMs });
    return { restored: summary.restored, failed: summary.failed, pending: summary.pending };
  };
}
