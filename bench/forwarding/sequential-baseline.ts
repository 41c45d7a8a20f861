/**
 * The baseline the engine is compared with: what a person would script in a hurry. One number at a
 * time, read its routing, then forward it, through the same adapter and fake, with no rate limiter,
 * no state store and no retries. Run over a sample and extrapolated: sequential time is linear in
 * the number of numbers, so a sample measures the rate as well as the whole list would.
 */
import { benchCarrierAdapter, startBenchFarSide } from './bench-far-side';
import { BENCH_DESTINATION, type BenchCarrier, benchNumbers } from './bench-plan';
import { CountingFetch } from './counting-fetch';

/** How the baseline is set up (the same fake settings as the engine's run). */
export interface BaselineOptions {
  carrier: BenchCarrier;
  sample: number;
  rateLimitPerSecond: number;
  latencyMs: [number, number];
  seed: number;
}

/** What the baseline measured. */
export interface BaselineResult {
  sample: number;
  elapsedMs: number;
  numbersPerSecond: number;
  requests: number;
  /** Numbers the loop could not forward (it has no retries): expected 0 below the rate limit. */
  errors: number;
}

/** Reads and forwards `sample` numbers one after the other. */
export async function runSequentialBaseline(options: BaselineOptions): Promise<BaselineResult> {
  const numbers = benchNumbers(options.sample);
  const side = await startBenchFarSide({
    carrier: options.carrier,
    numbers,
    rateLimitPerSecond: options.rateLimitPerSecond,
    latencyMs: options.latencyMs,
    seed: options.seed,
  });
  try {
    const traffic = new CountingFetch();
    const carrier = await benchCarrierAdapter(side, options.carrier, traffic.fetch);
    let errors = 0;
    const started = performance.now();
    for (const number of numbers) {
      try {
        await carrier.readRouting(number);
        await carrier.forward({ number, destination: BENCH_DESTINATION, mode: 'always' });
      } catch {
        errors += 1;
      }
    }
    const elapsedMs = performance.now() - started;
    return {
      sample: numbers.length,
      elapsedMs,
      numbersPerSecond: numbers.length / (elapsedMs / 1000),
      requests: traffic.stats().requests,
      errors,
    };
  } finally {
    await side.stop();
  }
}
