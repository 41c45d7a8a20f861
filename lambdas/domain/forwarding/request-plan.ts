/**
 * The forwarding engine's request plan: which path a carrier's numbers take (bulk or one by one)
 * and the requests that path sends, as the engine executes it: one paged check of the routing (the
 * carrier's list pages), a read of their own for the numbers no page settled, then bulk calls as
 * large as the carrier takes (creation and polls) or one forward a number. forwardNumbers decides
 * the path with `enginePathOf`; the dry run estimates with `planCarrierRequests`, so the two agree.
 */

import type { CarrierName } from '../../contracts/config/schema';
import type { Carrier } from '../../ports/carriers';

/** A carrier's bulk API is used from this many numbers to forward on. */
export const DEFAULT_BULK_THRESHOLD = 20;

/** How a carrier's numbers are written. */
export type EnginePath = 'bulk' | 'per-number';

/** What decides the path, beside the carrier's own API. */
export interface PathOptions {
  /** The site forwards this carrier one request a number (`per-number` mode). */
  perNumber: boolean;
  /** @default DEFAULT_BULK_THRESHOLD */
  bulkThreshold?: number;
  /**
   * How many of the numbers go to each destination (any order). A carrier whose bulk call sets one
   * destination needs them to tell whether its bulk calls save anything. @default unknown: bulk
   */
  destinations?: readonly number[];
}

/**
 * Bulk when the carrier has a bulk API, the site allows it, there are enough numbers, and the bulk
 * calls send fewer requests than one write a number would. The last fails for a carrier whose call
 * sets one destination (Telnyx) when every destination takes a number or two: its jobs would shrink
 * to one or two numbers each, no cheaper than single writes, and the per-number path writes each
 * number as soon as it is ready.
 */
export function enginePathOf(
  carrier: Carrier | undefined,
  numbers: number,
  options: PathOptions,
): EnginePath {
  const bulk =
    carrier?.forwardMany !== undefined &&
    (carrier.bulkLimit ?? 0) > 0 &&
    !options.perNumber &&
    numbers >= (options.bulkThreshold ?? DEFAULT_BULK_THRESHOLD) &&
    (options.destinations === undefined ||
      bulkWrites(carrier, numbers, options.destinations).requests < singleWrites(carrier, numbers).requests);
  return bulk ? 'bulk' : 'per-number';
}

/**
 * True when a carrier whose bulk call sets one destination saves nothing by calling it for a
 * destination that takes `count` numbers: on the bulk path those numbers are written one by one,
 * as soon as each is ready, instead of waiting for the run's end in a job of their own.
 */
export function writesDestinationAlone(carrier: Carrier, count: number): boolean {
  if (!carrier.bulkCallPerDestination) return false;
  return bulkWrites(carrier, count, [count]).requests >= singleWrites(carrier, count).requests;
}

/** How many of the numbers go to each destination, from each number's destination. */
export function countByDestination(destinations: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const destination of destinations) counts.set(destination, (counts.get(destination) ?? 0) + 1);
  return counts;
}

/** What one carrier's share of a failover costs, request by request. */
export interface CarrierRequestPlan {
  carrier: CarrierName;
  path: EnginePath;
  /** Numbers the engine writes at this carrier. */
  numbers: number;
  /** Requests of the paged routing check. */
  pages: number;
  /** Numbers read on their own (no page settled them). */
  singleReads: number;
  /** Bulk calls (jobs, orders), or forwards one by one. */
  writeCalls: number;
  /** Every request the path sends when nothing fails: pages, reads, writes and bulk polls. */
  requests: number;
  rateLimitPerSecond: number;
  /** The requests at the rate limit (the carrier's own job processing time is not counted). */
  estimatedMs: number;
}

/** Input of planCarrierRequests. */
export interface RequestPlanInput extends PathOptions {
  carrier: Carrier;
  numbers: number;
  /** Requests the paged check costs (as measured by a dry run's own check, or counted ahead). */
  pages: number;
  /** Numbers the check left to a read of their own. */
  singleReads: number;
  /** How many of the numbers go to each destination (any order); counts sum to `numbers`. */
  destinations: readonly number[];
  rateLimitPerSecond: number;
}

/** The requests the engine sends for one carrier's numbers, and their time at its rate. */
export function planCarrierRequests(input: RequestPlanInput): CarrierRequestPlan {
  const { carrier, numbers } = input;
  const path = enginePathOf(carrier, numbers, input);
  const writes =
    path === 'bulk' ? bulkWrites(carrier, numbers, input.destinations) : singleWrites(carrier, numbers);
  const requests = input.pages + input.singleReads * (carrier.requestsPerRead ?? 1) + writes.requests;
  const writeCalls = writes.calls;
  return {
    carrier: carrier.name,
    path,
    numbers,
    pages: input.pages,
    singleReads: input.singleReads,
    writeCalls,
    requests,
    rateLimitPerSecond: input.rateLimitPerSecond,
    estimatedMs: Math.ceil((requests / input.rateLimitPerSecond) * 1000),
  };
}

/** The writes (calls and their requests) a path sends for `numbers` spread over `destinations`. */
export interface Writes {
  calls: number;
  requests: number;
}

/** The writes of `path` for `numbers`, `destinations` the count of numbers each destination takes. */
export function writesOf(
  carrier: Carrier,
  path: EnginePath,
  numbers: number,
  destinations: readonly number[],
): Writes {
  return path === 'bulk' ? bulkWrites(carrier, numbers, destinations) : singleWrites(carrier, numbers);
}

function singleWrites(carrier: Carrier, numbers: number): Writes {
  return { calls: numbers, requests: numbers * (carrier.requestsPerForward ?? 1) };
}

/**
 * Bulk calls as full as the carrier takes. A carrier whose call sets one destination gets a call
 * per destination's full job and one for its rest, and a rest of one number is forwarded alone (as
 * its adapter does); others carry every destination in the same calls.
 */
function bulkWrites(carrier: Carrier, numbers: number, destinations: readonly number[]): Writes {
  const limit = carrier.bulkLimit as number;
  const perCall = carrier.requestsPerBulkCall ?? 2;
  if (!carrier.bulkCallPerDestination) {
    const calls = Math.ceil(numbers / limit);
    return { calls, requests: calls * perCall };
  }
  let calls = 0;
  let requests = 0;
  for (const count of destinations) {
    const full = Math.floor(count / limit);
    const rest = count % limit;
    calls += full + (rest > 0 ? 1 : 0);
    requests += full * perCall + (rest === 0 ? 0 : rest === 1 ? (carrier.requestsPerForward ?? 1) : perCall);
  }
  return { calls, requests };
}
