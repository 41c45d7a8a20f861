/**
 * Creates the state rows a run is missing in stages of growing size, handing each stage's rows
 * over as soon as they are stored. Creating 10,000 rows (one conditional write each) takes seconds;
 * done all before the first carrier request, the carrier would sit idle that long. In stages, the
 * carrier work starts after the first few hundred rows and the rest are created alongside it.
 */

import type { PlanEntry } from '../../contracts/config/plan-entry';
import type { ForwardingStateStore, NumberState } from '../../ports/forwarding-state';

/** Rows of the first stage: few, so the carrier work starts within a fraction of a second. */
export const FIRST_STAGE_ROWS = 250;
/**
 * Each stage is this many times the one before. Creating a stage must not take longer than
 * forwarding the stage before it, or the workers wait: rows are created at least twice as fast as
 * numbers are forwarded even on a busy machine (the forwarding benchmark on a loaded 2-core machine:
 * about 250 rows a second against 120 numbers), so doubling keeps the workers fed while listing
 * the incident only about log2(rows ÷ 250) times.
 */
export const STAGE_GROWTH = 2;

/**
 * Calls ensureNumbers for `entries` stage by stage, and after each stage hands `onStage` the
 * incident's rows (a listing: a row another run created first may not be the one we would have
 * written) together with the stage's entries. Resolves once every entry has its row.
 */
export async function createRowsInStages(
  store: ForwardingStateStore,
  incidentId: string,
  entries: readonly PlanEntry[],
  onStage: (rows: ReadonlyMap<string, NumberState>, stage: readonly PlanEntry[]) => void,
): Promise<void> {
  let start = 0;
  for (let size = FIRST_STAGE_ROWS; start < entries.length; size *= STAGE_GROWTH) {
    const stage = entries.slice(start, start + size);
    await store.ensureNumbers(incidentId, stage);
    const rows = await store.list(incidentId);
    onStage(new Map(rows.map((row) => [row.number, row])), stage);
    start += stage.length;
  }
}
