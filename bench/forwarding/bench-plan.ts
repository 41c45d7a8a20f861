/**
 * The numbers the forwarding benchmarks forward: North American (so Bandwidth's 10-digit
 * CallForward takes them too), one site, one backup destination.
 */

import type { PlanEntry } from '../../lambdas/contracts/config/plan-entry';
import type { CarrierName } from '../../lambdas/contracts/config/schema';

/** Carriers the forwarding benchmarks drive: Telnyx (per number and bulk jobs) and Bandwidth (orders). */
export type BenchCarrier = 'telnyx' | 'bandwidth';

/** Where every benchmark number is forwarded. */
export const BENCH_DESTINATION = '+12145550000';

/** `count` distinct NANP numbers, +1 602 2XX XXXX, in order. */
export function benchNumbers(count: number): string[] {
  if (count > 800_000) throw new RangeError(`benchNumbers makes at most 800,000 numbers, asked for ${count}`);
  return Array.from({ length: count }, (_, index) => {
    const exchange = 200 + Math.floor(index / 10_000);
    return `+1602${exchange}${String(index % 10_000).padStart(4, '0')}`;
  });
}

/** The plan rows of `numbers` on `carrier`. */
export function benchPlan(numbers: readonly string[], carrier: CarrierName): PlanEntry[] {
  return numbers.map((number) => ({ number, carrier, siteId: 'phx-primary', forwardTo: BENCH_DESTINATION }));
}
