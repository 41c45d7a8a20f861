/**
 * The order in which a run creates its missing state rows: the order the carriers will want them.
 * A carrier forwarded in bulk takes 25,000 numbers in a few dozen requests, so it wants all of its
 * rows within seconds; one forwarded a request a number wants them only at its rate limit. Created
 * in plan order, the bulk carriers' last rows would come after every other carrier's, and their
 * last job would wait for the whole plan's rows. Each number's need time comes from the request
 * plan (request-plan.ts): the i-th number of a carrier is wanted after i times the carrier's
 * requests per number at its rate.
 */

import type { PlanEntry } from '../../contracts/config/plan-entry';
import type { CarrierName } from '../../contracts/config/schema';
import type { Carrier } from '../../ports/carriers';
import { type EnginePath, writesOf } from './request-plan';

/** What one carrier's share of the run costs, as the need times are computed from it. */
export interface CarrierPace {
  carrier: Carrier | undefined;
  path: EnginePath;
  numbers: number;
  /** How many of the numbers go to each destination. */
  destinations: readonly number[];
  rateLimitPerSecond: number;
}

/**
 * Milliseconds of the carrier's rate each of its numbers takes: the paged check's pages (or a read
 * each without pages) and the path's writes, spread over the numbers. 0 for a carrier that is not
 * configured: its numbers fail without a request.
 */
export function msPerNumber(pace: CarrierPace): number {
  const { carrier, numbers } = pace;
  if (!carrier || numbers === 0) return 0;
  const pages = carrier.routingPages;
  const reads = pages
    ? Math.ceil(numbers / pages.pageSize) * (1 + (pages.extraRequestsPerPage ?? 0))
    : numbers * (carrier.requestsPerRead ?? 1);
  const requests = reads + writesOf(carrier, pace.path, numbers, pace.destinations).requests;
  return (requests / pace.rateLimitPerSecond / numbers) * 1000;
}

/**
 * `entries` sorted by when their carrier will want them (`msPerNumberOf` each carrier's pace),
 * each carrier's own entries kept in plan order; ties keep plan order too.
 */
export function orderRowsByNeed(
  entries: readonly PlanEntry[],
  msPerNumberOf: (carrier: CarrierName) => number,
): PlanEntry[] {
  const seen = new Map<CarrierName, number>();
  const paces = new Map<CarrierName, number>();
  const timed = entries.map((entry, index) => {
    if (!paces.has(entry.carrier)) paces.set(entry.carrier, msPerNumberOf(entry.carrier));
    const position = seen.get(entry.carrier) ?? 0;
    seen.set(entry.carrier, position + 1);
    return { entry, index, at: position * (paces.get(entry.carrier) as number) };
  });
  timed.sort((a, b) => a.at - b.at || a.index - b.index);
  return timed.map(({ entry }) => entry);
}
