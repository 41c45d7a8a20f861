/**
 * Creates the state rows a run is missing in stages of growing size, handing each stage's rows
 * over as soon as they are stored. Creating 100,000 rows (one conditional write each) takes tens of
 * seconds; done all before the first carrier request, the carrier would sit idle that long. In
 * stages, the carrier work starts after the first few hundred rows and the rest are created
 * alongside it; `orderRowsByNeed` (row-order.ts) puts first the rows the carriers will want first.
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
 * ensureNumbers calls in flight at once, each on a slice of the stage. One call keeps the store's
 * own few puts in flight (16 for DynamoDB), which at 5–10 ms a put creates about 2,000 rows a
 * second: 50 s for 100,000 numbers, far longer than their bulk jobs take.
 */
export const STAGE_WRITERS = 4;

/**
 * Calls ensureNumbers for `entries` stage by stage, and after each stage hands `onStage` the
 * incident's rows (a listing: a row another run created first may not be the one we would have
 * written) together with the stage's entries, in stage order. The next stage is created while the
 * last one is listed. Resolves once every entry has its row and every stage was handed over.
 */
export async function createRowsInStages(
  store: ForwardingStateStore,
  incidentId: string,
  entries: readonly PlanEntry[],
  onStage: (rows: ReadonlyMap<string, NumberState>, stage: readonly PlanEntry[]) => void,
): Promise<void> {
  let start = 0;
  let handedOver: Promise<void> = Promise.resolve();
  for (let size = FIRST_STAGE_ROWS; start < entries.length; size *= STAGE_GROWTH) {
    const stage = entries.slice(start, start + size);
    await Promise.all(slicesOf(stage, STAGE_WRITERS).map((slice) => store.ensureNumbers(incidentId, slice)));
    start += stage.length;
    const listed = store.list(incidentId);
    const before = handedOver;
    handedOver = (async () => {
      const rows = await listed;
      await before;
      onStage(new Map(rows.map((row) => [row.number, row])), stage);
    })();
    // Awaited below or after the loop; until then a failed listing must not count as unhandled.
    handedOver.catch(() => undefined);
  }
  await handedOver;
}

/** `entries` in up to `count` consecutive slices of near equal size. */
function slicesOf(entries: readonly PlanEntry[], count: number): PlanEntry[][] {
  const size = Math.ceil(entries.length / Math.max(1, count));
  const slices: PlanEntry[][] = [];
  for (let start = 0; start < entries.length; start += size) slices.push(entries.slice(start, start + size));
  return slices;
}
