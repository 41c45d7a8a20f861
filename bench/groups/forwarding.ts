/**
 * Group `forwarding`: the real engine (forwardNumbers) forwarding 10,000 numbers through the real
 * Telnyx adapter's per-number path to the Telnyx fake over loopback HTTP, the fake enforcing R
 * requests/s (429 with Retry-After above it) with 50–150 ms latency, the state in DynamoDB on
 * dynalite. The engine is configured as the config would configure it: rateLimitPerSecond = R, and
 * maxConcurrency = R × p95 latency, enough requests in flight to keep R going while most requests
 * are slow (the engine's token bucket, which every HTTP request passes, keeps it from exceeding R).
 * The baseline, measured in the same run, is the plain sequential loop (read, forward, one number
 * at a time). Bulk-capable carriers (Telnyx update jobs, Bandwidth TN option orders) are reported
 * separately.
 *
 * Why R = 300/s: each number costs the engine's event loop a few ms of CPU on a 2-core machine
 * (three DynamoDB calls through the SDK, two fetches, socket writes), so well above 150 numbers/s
 * (R ÷ 2 requests) the engine process is CPU-bound and the figure would measure the machine rather
 * than the engine's scheduling; a 10,000-number run takes about a minute.
 */

import type { BenchCarrier } from '../forwarding/bench-plan';
import { type EngineRunOptions, type EngineRunResult, runForwardingEngine } from '../forwarding/engine-run';
import { forwardingReport } from '../forwarding/forwarding-report';
import { type BaselineResult, runSequentialBaseline } from '../forwarding/sequential-baseline';
import type { BenchGroup } from '../support/bench-group';
import { formatNumber } from '../support/figure-table';

/** R: what the fake accepts and what the engine is configured to send. */
const RATE_LIMIT = 300;
const LATENCY_MS: [number, number] = [50, 150];
/** The fake's latency is uniform over LATENCY_MS: its 95th percentile. */
const P95_LATENCY_SECONDS = (LATENCY_MS[0] + 0.95 * (LATENCY_MS[1] - LATENCY_MS[0])) / 1000;
/**
 * Little's law (requests in flight = rate × time in flight) sized for the slow requests, not the
 * mean: at R × mean latency the slots were full and the rate fell short of R by the requests'
 * overhead and their spread.
 */
const MAX_CONCURRENCY = Math.ceil(RATE_LIMIT * P95_LATENCY_SECONDS);
const NUMBERS = 10_000;
const RUNS = 2;
/**
 * Telnyx per number: GET voice, PATCH voice. The ids come from ListPhoneNumbers pages of 250
 * (prepareNumbers), a 250th of a request per number on top.
 */
const REQUESTS_PER_NUMBER = 2;
/** One shorter run with half as many slots again, to show that more slots cannot push past R. */
const HEADROOM = { numbers: 2_000, concurrencyFactor: 1.5 };
const BASELINE = { sample: 20, runs: 3 };
const BULK = {
  numbers: 1_000,
  runs: 2,
  carriers: ['telnyx', 'bandwidth'] as const satisfies readonly BenchCarrier[],
};

export const forwardingGroup: BenchGroup = {
  name: 'forwarding',
  description: `forwardNumbers over ${formatNumber(NUMBERS, 0)} numbers: real engine, Telnyx adapter (per-number path) to the Telnyx fake over loopback HTTP (rate limit R = ${RATE_LIMIT} requests/s with 429 + Retry-After, latency ${LATENCY_MS[0]}–${LATENCY_MS[1]} ms), state in DynamoDB (dynalite); engine limits rateLimitPerSecond = R, maxConcurrency = R × p95 latency = ${MAX_CONCURRENCY}. Baseline: a sequential read-then-forward loop over a sample, extrapolated.`,
  async run(context) {
    const engine = (
      options: Pick<EngineRunOptions, 'carrier' | 'numbers' | 'maxConcurrency' | 'seed' | 'bulk'>,
    ) => runForwardingEngine({ ...options, rateLimitPerSecond: RATE_LIMIT, latencyMs: LATENCY_MS });

    const runs: EngineRunResult[] = [];
    for (let index = 0; index < RUNS; index++) {
      context.log(
        `engine run ${index + 1}/${RUNS}: ${NUMBERS} numbers at R = ${RATE_LIMIT}/s, maxConcurrency ${MAX_CONCURRENCY}`,
      );
      const run = await engine({
        carrier: 'telnyx',
        numbers: NUMBERS,
        maxConcurrency: MAX_CONCURRENCY,
        seed: 1000 + index,
        bulk: false,
      });
      context.log(
        `  ${formatNumber(run.elapsedMs / 1000)} s, ${formatNumber(run.numbers / (run.elapsedMs / 1000))} numbers/s, ${formatNumber(run.acceptedRequests / (run.elapsedMs / 1000) / RATE_LIMIT, 3)} of R, lost ${run.lost}, applied twice ${run.carrierSide.appliedTwice}`,
      );
      runs.push(run);
    }

    const headroomConcurrency = Math.ceil(MAX_CONCURRENCY * HEADROOM.concurrencyFactor);
    context.log(`headroom run: ${HEADROOM.numbers} numbers, maxConcurrency ${headroomConcurrency}`);
    const headroomRun = await engine({
      carrier: 'telnyx',
      numbers: HEADROOM.numbers,
      maxConcurrency: headroomConcurrency,
      seed: 2000,
      bulk: false,
    });

    const baselines: BaselineResult[] = [];
    for (let index = 0; index < BASELINE.runs; index++) {
      context.log(
        `baseline run ${index + 1}/${BASELINE.runs}: sequential loop over ${BASELINE.sample} numbers`,
      );
      baselines.push(
        await runSequentialBaseline({
          carrier: 'telnyx',
          sample: BASELINE.sample,
          rateLimitPerSecond: RATE_LIMIT,
          latencyMs: LATENCY_MS,
          seed: 3000 + index,
        }),
      );
    }

    const bulk: Array<{ carrier: BenchCarrier; runs: EngineRunResult[] }> = [];
    for (const carrier of BULK.carriers) {
      const bulkRuns: EngineRunResult[] = [];
      for (let index = 0; index < BULK.runs; index++) {
        context.log(`bulk run ${index + 1}/${BULK.runs}: ${carrier}, ${BULK.numbers} numbers`);
        bulkRuns.push(
          await engine({
            carrier,
            numbers: BULK.numbers,
            maxConcurrency: MAX_CONCURRENCY,
            seed: 4000 + index,
            bulk: true,
          }),
        );
      }
      bulk.push({ carrier, runs: bulkRuns });
    }

    return forwardingReport(
      {
        numbers: NUMBERS,
        rateLimit: RATE_LIMIT,
        maxConcurrency: MAX_CONCURRENCY,
        latencyMs: LATENCY_MS,
        requestsPerNumber: REQUESTS_PER_NUMBER,
      },
      {
        runs,
        headroom: {
          run: headroomRun,
          maxConcurrency: headroomConcurrency,
          concurrencyFactor: HEADROOM.concurrencyFactor,
        },
        baselines,
        bulk,
      },
    );
  },
};
