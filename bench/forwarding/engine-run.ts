/**
 * One measured run of the real forwarding engine (forwardNumbers) through a real carrier adapter
 * to its HTTP fake, with the DynamoDB state store on dynalite; the fake and the table run in a
 * worker thread (see bench-far-side.ts). Every run starts from a fresh table, a fresh fake and
 * a fresh adapter (cold id caches), like a failover's first Lambda.
 */
import { DynamoDbForwardingStateStore } from '../../lambdas/adapters/dynamodb/forwarding-state-store';
import { seededRandom } from '../../lambdas/adapters/local/seeded-random';
import { forwardNumbers } from '../../lambdas/domain/forwarding/forward-numbers';
import type { Clock } from '../../lambdas/ports/clock';
import {
  benchCarrierAdapter,
  type CarrierSideReport,
  carrierSideReport,
  startBenchFarSide,
} from './bench-far-side';
import { BENCH_DESTINATION, type BenchCarrier, benchNumbers, benchPlan } from './bench-plan';
import { CountingFetch, type TrafficStats } from './counting-fetch';
import { type StoreTimings, TimedStateStore } from './timed-state-store';

/** How one run is set up. */
export interface EngineRunOptions {
  carrier: BenchCarrier;
  numbers: number;
  /** The fake's limit R and the engine's configured `rateLimitPerSecond`. */
  rateLimitPerSecond: number;
  /** The engine's configured `maxConcurrency`. */
  maxConcurrency: number;
  latencyMs: [number, number];
  seed: number;
  /** Let the engine use the carrier's bulk API (from its default threshold on). */
  bulk: boolean;
}

/** What one run measured. */
export interface EngineRunResult {
  numbers: number;
  /** Wall time of the forwardNumbers call, setup of the state rows included. */
  elapsedMs: number;
  /** From the call to the first carrier request: creating and listing the state rows. */
  setupMs: number;
  /** From the first carrier request sent to the last answer received. */
  carrierWindowMs: number;
  forwarded: number;
  failed: number;
  /** Numbers neither forwarded nor failed once the run returned: must be 0. */
  lost: number;
  retries: number;
  carrierSide: CarrierSideReport;
  traffic: TrafficStats;
  /** Requests the fake took within its rate limit (every answer but 429). */
  acceptedRequests: number;
  store: StoreTimings;
  /** Share of the run the bench's own event loop (engine, SDK, fetch) was busy. */
  engineUtilization: number;
  /** Same for the far side's worker (fake and dynalite). */
  farSideUtilization: number;
}

const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Runs forwardNumbers over `options.numbers` fresh numbers and measures it. */
export async function runForwardingEngine(options: EngineRunOptions): Promise<EngineRunResult> {
  const numbers = benchNumbers(options.numbers);
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
    const store = new TimedStateStore(
      new DynamoDbForwardingStateStore(side.table.documentClient, side.table.tableName),
    );
    const incidentId = `bench-${options.seed}`;
    const utilizationMark = performance.eventLoopUtilization();
    const started = performance.now();
    const summary = await forwardNumbers({
      incidentId,
      runId: `bench-run-${options.seed}`,
      carriers: { [options.carrier]: carrier },
      store,
      clock: systemClock,
      random: seededRandom(options.seed),
      limits: {
        [options.carrier]: {
          rateLimitPerSecond: options.rateLimitPerSecond,
          maxConcurrency: options.maxConcurrency,
        },
      },
      entries: benchPlan(numbers, options.carrier),
      // Infinity keeps the per-number path even for carriers that have a bulk API.
      bulkThreshold: options.bulk ? undefined : Number.POSITIVE_INFINITY,
    });
    const elapsedMs = performance.now() - started;
    const engineUtilization = performance.eventLoopUtilization(utilizationMark).utilization;
    const farSideUtilization = side.utilization();
    const rows = await store.list(incidentId);
    const settled = new Set(
      rows.filter((row) => row.status === 'forwarded' || row.status === 'failed').map((row) => row.number),
    );
    const carrierSide = await carrierSideReport(side, options.carrier, BENCH_DESTINATION);
    const seen = traffic.stats();
    const firstSentAt = seen.firstSentAt ?? started;
    return {
      numbers: numbers.length,
      elapsedMs,
      setupMs: firstSentAt - started,
      carrierWindowMs: (seen.lastAnsweredAt ?? firstSentAt) - firstSentAt,
      forwarded: summary.forwarded,
      failed: summary.failed.length,
      lost: numbers.filter((number) => !settled.has(number)).length,
      retries: summary.retries,
      carrierSide,
      traffic: seen,
      acceptedRequests: seen.requests - (seen.byStatus[429] ?? 0),
      store: store.timings,
      engineUtilization,
      farSideUtilization,
    };
  } finally {
    await side.stop();
  }
}
