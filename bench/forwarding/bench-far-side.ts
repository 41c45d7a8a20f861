/**
 * The forwarding bench's far side: the drill's far-side worker (lib/developer/far-side) running the
 * one carrier fake a run drives and dynalite, away from the engine's event loop. This file puts it
 * in the bench's terms: a run's settings in, the real adapter pointed at the fake, and the fake's
 * report out.
 */
import { createCarrierDirectory } from '../../lambdas/adapters/carriers/carrier-directory';
import { carriersSchema } from '../../lambdas/contracts/config/schema';
import type { Carrier } from '../../lambdas/ports/carriers';
import { FarSide } from '../../lib/developer/far-side/far-side';
import { type BenchCarrier, benchPlan } from './bench-plan';

/** What a run's far side serves. */
export interface BenchFarSideOptions {
  carrier: BenchCarrier;
  /** E.164 numbers seeded at the fake, none forwarded. */
  numbers: string[];
  /** Requests a second the fake accepts before answering 429 with Retry-After. */
  rateLimitPerSecond: number;
  /** Seeded latency range of every answer. */
  latencyMs: [number, number];
  seed: number;
}

/** The fake's view of a run, read from its request log and state. */
export interface CarrierSideReport {
  /** Every request the fake received. */
  requests: number;
  byOperation: Record<string, number>;
  /** Requests answered 429 (by the rate limit: the benchmarks inject no other faults). */
  rateLimited: number;
  violations: number;
  /** Numbers with at least one write that took effect. */
  numbersWritten: number;
  /** Numbers with more than one write that took effect: must be 0. */
  appliedTwice: number;
  /** Numbers whose routing at the fake forwards every call to the destination. */
  forwardedAtCarrier: number;
}

/** Starts the far side of one run: a fresh table and a fresh fake seeded with `numbers`. */
export function startBenchFarSide(options: BenchFarSideOptions): Promise<FarSide> {
  return FarSide.start({
    tableName: 'incidents',
    observationTableName: 'observations',
    // The schema fills in what the bench does not set; the far side points baseUrl at its fake.
    config: { carriers: carriersSchema.parse({ [options.carrier]: { secretName: 'bench' } }) },
    plan: benchPlan(options.numbers, options.carrier),
    fakes: {
      rateLimitPerSecond: options.rateLimitPerSecond,
      latencyMs: options.latencyMs,
      seed: options.seed,
      // The fakes' own default: the bench's adapters poll at their production interval.
      pollsToComplete: 2,
    },
  });
}

/** A fresh adapter of `carrier` at the fake (empty id caches, like a cold Lambda) that sends through `fetchImpl`. */
export async function benchCarrierAdapter(
  side: FarSide,
  carrier: BenchCarrier,
  fetchImpl: typeof fetch,
): Promise<Carrier> {
  const directory = await createCarrierDirectory(side.carriers, side.credentialSource, { fetch: fetchImpl });
  const adapter = directory[carrier];
  if (!adapter) throw new Error(`the far side serves no ${carrier} fake`);
  return adapter;
}

/** The fake's report of everything `carrier`'s fake received, and of the numbers it shows forwarded to `destination`. */
export async function carrierSideReport(
  side: FarSide,
  carrier: BenchCarrier,
  destination: string,
): Promise<CarrierSideReport> {
  const tally = await side.tally();
  const writes = [...tally.writeCounts.values()];
  return {
    requests: tally.requests,
    byOperation: tally.requestsByOperation[carrier] ?? {},
    rateLimited: tally.rateLimited,
    violations: tally.violations,
    numbersWritten: writes.length,
    appliedTwice: writes.filter((count) => count > 1).length,
    forwardedAtCarrier: await side.forwardedAtFake(carrier, destination),
  };
}
