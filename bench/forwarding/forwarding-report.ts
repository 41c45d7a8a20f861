/**
 * The forwarding group's JSON fragment and BENCHMARKS.md section, including a reading of the
 * diagnostics in words. The reading is computed from the run's own figures (which limit was hit,
 * by how much), so it stays true when a later run on another machine measures something else.
 */
import { FIRST_STAGE_ROWS } from '../../lambdas/domain/forwarding/staged-rows';
import { DEFAULT_BURST_SECONDS } from '../../lambdas/domain/forwarding/token-bucket';
import { type Figure, formatNumber, renderFigureTable } from '../support/figure-table';
import { median, round } from '../support/statistics';
import type { BenchCarrier } from './bench-plan';
import type { EngineRunResult } from './engine-run';
import { figuresOf, type RunFigures } from './run-figures';
import type { BaselineResult } from './sequential-baseline';

/** How the group was set up, as the report states it. */
export interface ForwardingSetup {
  numbers: number;
  rateLimit: number;
  maxConcurrency: number;
  latencyMs: [number, number];
  /** Minimum carrier requests per number on the measured path (R ÷ this is the theoretical rate). */
  requestsPerNumber: number;
}

/** Everything the group measured. */
export interface ForwardingMeasurements {
  runs: EngineRunResult[];
  headroom: { run: EngineRunResult; maxConcurrency: number; concurrencyFactor: number };
  baselines: BaselineResult[];
  bulk: Array<{ carrier: BenchCarrier; runs: EngineRunResult[] }>;
}

/** The JSON fragment and the Markdown section. */
export function forwardingReport(
  setup: ForwardingSetup,
  measured: ForwardingMeasurements,
): { json: Record<string, unknown>; markdown: string } {
  const { rateLimit: R } = setup;
  const runs = measured.runs.map((run) => ({
    run,
    figures: figuresOf(run, R, setup.maxConcurrency, setup.requestsPerNumber),
  }));
  const pick = (get: (figures: RunFigures) => number) => runs.map(({ figures }) => get(figures));
  const med = (get: (figures: RunFigures) => number) => median(pick(get));
  const sum = (list: EngineRunResult[], get: (run: EngineRunResult) => number) =>
    list.reduce((total, run) => total + get(run), 0);
  const headroomRun = measured.headroom.run;
  const headroom = figuresOf(headroomRun, R, measured.headroom.maxConcurrency, setup.requestsPerNumber);
  const baselineNumbersPerSecond = measured.baselines.map((baseline) => baseline.numbersPerSecond);
  const baselineRequestsPerSecond = measured.baselines.map(
    (baseline) => baseline.requests / (baseline.elapsedMs / 1000),
  );
  const theoreticalNumbersPerSecond = R / setup.requestsPerNumber;
  const numbersPerSecond = med((f) => f.numbersPerSecond);
  const bulk = measured.bulk.map(({ carrier, runs: bulkRuns }) => {
    const requestsPerNumber = median(bulkRuns.map((run) => run.carrierSide.requests / run.numbers));
    const rate = median(bulkRuns.map((run) => run.numbers / (run.elapsedMs / 1000)));
    return {
      carrier,
      numbers: bulkRuns[0].numbers,
      runs: bulkRuns.length,
      numbersPerSecond: round(rate, 1),
      theoreticalNumbersPerSecond: round(R / requestsPerNumber, 1),
      numbersVsTheoretical: round(rate / (R / requestsPerNumber), 3),
      requests: median(bulkRuns.map((run) => run.carrierSide.requests)),
      requestsPerNumber: round(requestsPerNumber, 3),
      requestsByOperation: bulkRuns[bulkRuns.length - 1].carrierSide.byOperation,
      retries: sum(bulkRuns, (run) => run.retries),
      lost: sum(bulkRuns, (run) => run.lost),
      appliedTwice: sum(bulkRuns, (run) => run.carrierSide.appliedTwice),
      violations: sum(bulkRuns, (run) => run.carrierSide.violations),
    };
  });
  const diagnostics = {
    setupMs: round(median(measured.runs.map((run) => run.setupMs)), 0),
    rowCreationMs: round(median(measured.runs.map((run) => run.store.ensureNumbersMs)), 0),
    setupShare: round(
      med((f) => f.setupShare),
      3,
    ),
    slotOccupancy: round(
      med((f) => f.slotOccupancy),
      3,
    ),
    msPerRequestInFlight: round(
      med((f) => f.carrierMsPerNumber / f.requestsPerNumber),
      1,
    ),
    workerMsPerNumber: round(
      med((f) => f.workerMsPerNumber),
      1,
    ),
    carrierMsPerNumber: round(
      med((f) => f.carrierMsPerNumber),
      1,
    ),
    storeMsPerNumber: round(
      med((f) => f.storeMsPerNumber),
      1,
    ),
    storeCallsPerNumber: round(
      median(measured.runs.map((run) => (run.store.updates + run.store.gets) / run.numbers)),
      2,
    ),
    engineEventLoopUtilization: round(median(measured.runs.map((run) => run.engineUtilization)), 3),
    farSideEventLoopUtilization: round(median(measured.runs.map((run) => run.farSideUtilization)), 3),
  };
  const forwarding = {
    numbers: setup.numbers,
    carrier: 'telnyx',
    path: 'per-number',
    rateLimit: R,
    maxConcurrency: setup.maxConcurrency,
    latencyMs: setup.latencyMs,
    runs: runs.length,
    numbersPerSecond: round(numbersPerSecond, 1),
    theoreticalNumbersPerSecond: round(theoreticalNumbersPerSecond, 1),
    numbersVsTheoretical: round(
      med((f) => f.numbersVsTheoretical),
      3,
    ),
    requestsPerSecond: round(
      med((f) => f.requestsPerSecond),
      1,
    ),
    fractionOfLimit: round(
      med((f) => f.fractionOfLimit),
      3,
    ),
    steadyFractionOfLimit: round(
      med((f) => f.steadyFractionOfLimit),
      3,
    ),
    requestsPerNumber: round(
      med((f) => f.requestsPerNumber),
      3,
    ),
    retries: sum(measured.runs, (run) => run.retries),
    rateLimited: sum(measured.runs, (run) => run.carrierSide.rateLimited),
    lost: sum(measured.runs, (run) => run.lost),
    appliedTwice: sum(measured.runs, (run) => run.carrierSide.appliedTwice),
    violations: sum(measured.runs, (run) => run.carrierSide.violations),
    failed: sum(measured.runs, (run) => run.failed),
    baselineNumbersPerSecond: round(median(baselineNumbersPerSecond), 2),
    baselineSample: measured.baselines[0]?.sample ?? 0,
    speedupOverBaseline: round(numbersPerSecond / median(baselineNumbersPerSecond), 1),
    diagnostics,
    headroom: {
      numbers: headroomRun.numbers,
      maxConcurrency: measured.headroom.maxConcurrency,
      numbersPerSecond: round(headroom.numbersPerSecond, 1),
      fractionOfLimit: round(headroom.fractionOfLimit, 3),
      steadyFractionOfLimit: round(headroom.steadyFractionOfLimit, 3),
      rateLimited: headroomRun.carrierSide.rateLimited,
      retries: headroomRun.retries,
      lost: headroomRun.lost,
      appliedTwice: headroomRun.carrierSide.appliedTwice,
    },
    bulk,
    perRun: runs.map(({ run, figures }) => ({
      elapsedMs: round(run.elapsedMs, 0),
      forwarded: run.forwarded,
      failed: run.failed,
      lost: run.lost,
      retries: run.retries,
      requests: run.carrierSide.requests,
      rateLimited: run.carrierSide.rateLimited,
      appliedTwice: run.carrierSide.appliedTwice,
      fractionOfLimit: round(figures.fractionOfLimit, 3),
      numbersPerSecond: round(figures.numbersPerSecond, 1),
    })),
  };

  const sequential = `sequential loop (${forwarding.baselineSample} numbers × ${measured.baselines.length})`;
  const mainTable: Figure[] = [
    {
      label: 'numbers/s',
      values: pick((f) => f.numbersPerSecond),
      baseline: { label: sequential, values: baselineNumbersPerSecond },
    },
    {
      label: `time for ${formatNumber(setup.numbers, 0)} numbers`,
      unit: 's',
      values: measured.runs.map((run) => run.elapsedMs / 1000),
      baseline: {
        label: 'sequential, extrapolated',
        values: baselineNumbersPerSecond.map((rate) => setup.numbers / rate),
      },
    },
    {
      label: 'carrier requests/s accepted',
      values: pick((f) => f.requestsPerSecond),
      baseline: { label: sequential, values: baselineRequestsPerSecond },
    },
    {
      label: '**fractionOfLimit** (requests/s ÷ R, whole call)',
      values: pick((f) => f.fractionOfLimit),
      baseline: { label: sequential, values: baselineRequestsPerSecond.map((rate) => rate / R) },
      digits: 3,
    },
    {
      label: 'fraction of R between first and last carrier request',
      values: pick((f) => f.steadyFractionOfLimit),
      digits: 3,
    },
    {
      label: `numbers/s ÷ theoretical at R (${formatNumber(theoreticalNumbersPerSecond)} = R ÷ ${setup.requestsPerNumber} requests)`,
      values: pick((f) => f.numbersVsTheoretical),
      digits: 3,
    },
    { label: 'carrier requests per number', values: pick((f) => f.requestsPerNumber), digits: 3 },
    { label: 'retries', values: measured.runs.map((run) => run.retries), digits: 0 },
    { label: '429 answers', values: measured.runs.map((run) => run.carrierSide.rateLimited), digits: 0 },
    {
      label: '**lost** (neither forwarded nor failed)',
      values: measured.runs.map((run) => run.lost),
      digits: 0,
    },
    {
      label: '**appliedTwice** (> 1 accepted write at the fake)',
      values: measured.runs.map((run) => run.carrierSide.appliedTwice),
      digits: 0,
    },
    {
      label: 'contract violations',
      values: measured.runs.map((run) => run.carrierSide.violations),
      digits: 0,
    },
  ];
  const timeTable: Figure[] = [
    {
      label: 'setup before the first carrier request (listing the incident)',
      unit: 's',
      values: measured.runs.map((run) => run.setupMs / 1000),
    },
    { label: 'share of the call spent in that setup', values: pick((f) => f.setupShare), digits: 3 },
    {
      label: 'creating the state rows (ensureNumbers in stages, alongside the carrier work)',
      unit: 's',
      values: measured.runs.map((run) => run.store.ensureNumbersMs / 1000),
    },
    {
      label: 'carrier slots busy (mean requests in flight ÷ maxConcurrency)',
      values: pick((f) => f.slotOccupancy),
      digits: 3,
    },
    {
      label: 'time a request is in flight',
      unit: 'ms',
      values: pick((f) => f.carrierMsPerNumber / f.requestsPerNumber),
    },
    {
      label: 'what the slots could carry (maxConcurrency ÷ time in flight ÷ R)',
      values: pick((f) => (setup.maxConcurrency / (f.carrierMsPerNumber / f.requestsPerNumber)) * (1000 / R)),
      digits: 3,
    },
    { label: 'worker time per number', unit: 'ms', values: pick((f) => f.workerMsPerNumber) },
    { label: '… with a carrier request in flight', unit: 'ms', values: pick((f) => f.carrierMsPerNumber) },
    { label: '… waiting on the state store', unit: 'ms', values: pick((f) => f.storeMsPerNumber) },
    {
      label: 'state-store round trips per number',
      values: measured.runs.map((run) => (run.store.updates + run.store.gets) / run.numbers),
      digits: 2,
    },
    {
      label: 'engine event loop busy (engine, SDK, fetch)',
      values: measured.runs.map((run) => run.engineUtilization),
      digits: 3,
    },
    {
      label: 'far-side worker busy (fake + dynalite)',
      values: measured.runs.map((run) => run.farSideUtilization),
      digits: 3,
    },
  ];
  const bulkTable: Figure[] = measured.bulk.flatMap(({ carrier, runs: bulkRuns }) => [
    {
      label: `${carrier} bulk: numbers/s`,
      values: bulkRuns.map((run) => run.numbers / (run.elapsedMs / 1000)),
      baseline: { label: 'per-number path', values: pick((f) => f.numbersPerSecond) },
    },
    {
      label: `${carrier} bulk: carrier requests per number`,
      values: bulkRuns.map((run) => run.carrierSide.requests / run.numbers),
      baseline: { label: 'per-number path', values: pick((f) => f.requestsPerNumber) },
      digits: 3,
    },
    {
      label: `${carrier} bulk: numbers/s ÷ theoretical at R (R ÷ requests per number)`,
      values: bulkRuns.map(
        (run) => run.numbers / (run.elapsedMs / 1000) / (R / (run.carrierSide.requests / run.numbers)),
      ),
      digits: 3,
    },
  ]);
  const h = forwarding.headroom;
  const markdown = [
    renderFigureTable(mainTable),
    '',
    '### Where the time goes (what limits throughput)',
    '',
    renderFigureTable(timeTable),
    '',
    reading(setup, forwarding, diagnostics, h),
    '',
    `### Headroom check: same R, maxConcurrency ${h.maxConcurrency} (${measured.headroom.concurrencyFactor} × the main runs'), ${formatNumber(h.numbers, 0)} numbers, 1 run`,
    '',
    '| fractionOfLimit | fraction of R between first and last request | numbers/s | 429 answers | retries | lost | appliedTwice |',
    '|--:|--:|--:|--:|--:|--:|--:|',
    `| ${formatNumber(h.fractionOfLimit, 3)} | ${formatNumber(h.steadyFractionOfLimit, 3)} | ${formatNumber(h.numbersPerSecond)} | ${h.rateLimited} | ${h.retries} | ${h.lost} | ${h.appliedTwice} |`,
    '',
    `### Bulk-capable carriers (${formatNumber(bulk[0]?.numbers ?? 0, 0)} numbers, ${bulk[0]?.runs ?? 0} runs each, same R, latency and maxConcurrency; baseline: the per-number path above)`,
    '',
    renderFigureTable(bulkTable),
    '',
    '| carrier | requests by operation (last run) | retries | lost | appliedTwice | violations |',
    '|---|---|--:|--:|--:|--:|',
    ...bulk.map(
      (b) =>
        `| ${b.carrier} | ${Object.entries(b.requestsByOperation)
          .map(([operation, count]) => `${operation} ${count}`)
          .join(', ')} | ${b.retries} | ${b.lost} | ${b.appliedTwice} | ${b.violations} |`,
    ),
    '',
    'Bulk drops the per-number write, but every number still needs its snapshot read (Telnyx: one GET, the ids coming from list pages; Bandwidth: two reads), one job or order is sent only once `bulkLimit` numbers are ready or the list ends, and its completion is polled every 2 s: with a list no longer than one job, the reads and the job run one after the other.',
  ].join('\n');
  return { json: { forwarding }, markdown };
}

type Diagnostics = {
  setupShare: number;
  rowCreationMs: number;
  slotOccupancy: number;
  msPerRequestInFlight: number;
  workerMsPerNumber: number;
  carrierMsPerNumber: number;
  storeMsPerNumber: number;
  storeCallsPerNumber: number;
  engineEventLoopUtilization: number;
  farSideEventLoopUtilization: number;
};

/** The main runs' headline figures the reading quotes. */
type Headline = {
  fractionOfLimit: number;
  steadyFractionOfLimit: number;
  rateLimited: number;
  retries: number;
  requestsPerNumber: number;
};

/** The diagnostics in words: which limit this run hit, with its own numbers. */
function reading(
  setup: ForwardingSetup,
  main: Headline,
  d: Diagnostics,
  headroom: { maxConcurrency: number; steadyFractionOfLimit: number; rateLimited: number; retries: number },
): string {
  const percent = (share: number) => `${formatNumber(share * 100, 1)} %`;
  const ms = (value: number) => `${formatNumber(value)} ms`;
  const busiest = Math.max(d.engineEventLoopUtilization, d.farSideEventLoopUtilization);
  // Requests per second the slots could carry at the measured time in flight, as a share of R.
  const slotCapacity = ((setup.maxConcurrency / d.msPerRequestInFlight) * 1000) / setup.rateLimit;
  const cpu = `engine event loop busy ${percent(d.engineEventLoopUtilization)}, fake + dynalite ${percent(d.farSideEventLoopUtilization)}`;
  const rateBound = main.steadyFractionOfLimit >= 0.95;
  let limit: string;
  if (rateBound) {
    limit = `- **The limit is R itself.** Between first and last request the engine sends ${formatNumber(main.steadyFractionOfLimit, 3)} of R: its token bucket paces it at R (every HTTP request takes a token, the id-list pages and retries included), while the slots could carry ${formatNumber(slotCapacity, 2)} × R (maxConcurrency ${setup.maxConcurrency} ÷ ${ms(d.msPerRequestInFlight)} in flight; ${percent(d.slotOccupancy)} of them busy on average). What the whole call misses of R is the setup before the first request, the start (first rows, id pages) and the last requests' tail.`;
  } else if (busiest >= 0.85) {
    limit = `- **The limit is CPU.** Between first and last request the engine sends ${formatNumber(main.steadyFractionOfLimit, 3)} of R with an event loop busy ${percent(busiest)} (${cpu}): the machine, not the engine's scheduling, sets the pace (on a 2-core machine shared with other work, the state store's SDK calls and socket writes are most of it). Its lag also stretches a request's time in flight to ${ms(d.msPerRequestInFlight)}, at which the ${setup.maxConcurrency} slots carry ${formatNumber(slotCapacity, 2)} × R.`;
  } else if (slotCapacity < 1 && d.slotOccupancy >= 0.9) {
    limit = `- **The limit is concurrency.** ${setup.maxConcurrency} slots at ${ms(d.msPerRequestInFlight)} a request carry at most ${formatNumber(slotCapacity, 3)} × R, and they were ${percent(d.slotOccupancy)} busy: raise maxConcurrency to R × the slow requests' latency.`;
  } else {
    limit = `- **The limit is the workers.** Neither R (${formatNumber(main.steadyFractionOfLimit, 3)} of it between first and last request), the slots (${percent(d.slotOccupancy)} busy) nor CPU (${cpu}) is saturated: numbers wait on the state store (${ms(d.storeMsPerNumber)} a number over ${formatNumber(d.storeCallsPerNumber, 1)} round trips) with too few of them in the works.`;
  }
  const lines = [
    `**Reading.** fractionOfLimit ${formatNumber(main.fractionOfLimit, 3)} ${main.fractionOfLimit >= 0.9 ? 'meets' : 'misses'} the 0.9 goal: ${percent(d.setupShare)} of the call passes before the first carrier request, and from then on the engine sends ${formatNumber(main.steadyFractionOfLimit, 3)} of R.`,
    limit,
    ...(rateBound
      ? [
          busiest >= 0.85
            ? `- CPU is close: ${cpu}. On a busier machine it, not R, would set the pace.`
            : `- Not CPU: ${cpu}.`,
        ]
      : []),
    `- **Never above R.** ${main.rateLimited} answers were 429 (${main.retries} retries): every HTTP request inside a lane call waits for its own token, and the bucket holds ${formatNumber(DEFAULT_BURST_SECONDS, 1)} s of requests, so the 50–150 ms spread of arrival times cannot empty the fake carrier's one-second bucket.`,
    `- **${formatNumber(main.requestsPerNumber, 3)} requests per number**: GET and PATCH of the voice settings; the phone number ids come from ListPhoneNumbers pages of 250 fetched before the first number, instead of one lookup per number.`,
    `- **State rows created alongside.** ensureNumbers took ${formatNumber(d.rowCreationMs / 1000)} s in all, in stages of doubling size: the workers start after the first ${FIRST_STAGE_ROWS} rows, and each number then costs ${formatNumber(d.storeCallsPerNumber, 1)} state-store round trips (the claim that stores the snapshot right before the write, and the settle).`,
  ];
  lines.push(
    headroom.rateLimited > 0
      ? `- **Headroom.** With ${headroom.maxConcurrency} slots the engine sends ${formatNumber(headroom.steadyFractionOfLimit, 3)} of R between first and last request, and ${headroom.rateLimited} answers were 429 (${headroom.retries} retries).`
      : `- **Headroom.** With ${headroom.maxConcurrency} slots the engine still sends ${formatNumber(headroom.steadyFractionOfLimit, 3)} of R between first and last request, with no 429: more slots do not push it past R.`,
  );
  return lines.join('\n');
}
