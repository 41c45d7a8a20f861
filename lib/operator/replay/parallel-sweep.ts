/**
 * The sweep spread over worker threads. Every setting kept is a full replay of a month (close to a
 * million instants through absorbRounds), so on a machine with several cores the grid is dealt out
 * to workers, each preparing the trace itself from a compact copy of its lines. The result is the
 * same as sweepSettings' in one thread, entry for entry; only the wall time differs.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DecisionOptions, DecisionSettings } from '../../../lambdas/domain/detection/decide-site-health';
import type { Outage } from './outages-format';
import { prepareTrace } from './replay-trace';
import {
  evaluateSweepSetting,
  type SweepEntry,
  type SweepResult,
  type SweepSetting,
  sweepGrid,
  sweepResult,
  sweepSettings,
} from './sweep-settings';
import type { TraceObservation } from './trace-format';

/** Settings × observations below which threads cost more than they save. */
const PARALLEL_THRESHOLD = 20_000_000;
/** More workers than this rarely help: the grid has a few hundred settings. */
const MAX_WORKERS = 8;

/**
 * The worker's file. Resolved from the project root both from the sources (lib/operator/replay) and from the
 * CLI bundle (dist/cli), which sit two folders below it.
 */
const WORKER_FILE = resolve(__dirname, '../../../lib/operator/replay/sweep-worker.ts');

/** A trace's lines as typed arrays: cheap to copy into a worker. */
export interface EncodedTrace {
  at: Float64Array;
  site: Uint16Array;
  region: Uint16Array;
  ok: Uint8Array;
  /** The control verdict: VERDICT_NONE (no control target probed), 0 none reached, 1 one reached. */
  control: Uint8Array;
  /** The test calls' verdict: VERDICT_NONE (none placed), 0 every one failed, 1 one answered. */
  calls: Uint8Array;
  sites: string[];
  regions: string[];
}

/** What one worker is asked to do. */
export interface SweepShare {
  trace: EncodedTrace;
  outages: Outage[];
  base: Pick<DecisionSettings, 'probeIntervalSeconds' | 'probeTimeoutMs'>;
  decision: DecisionOptions;
  settings: SweepSetting[];
}

/** What a worker sends back: a progress tick per setting, then its entries. */
export type SweepWorkerMessage = { type: 'progress' } | { type: 'done'; entries: SweepEntry[] };

/** Options of {@link sweepSettingsInParallel}. */
export interface ParallelSweepOptions {
  decision?: DecisionOptions;
  /** Worker threads; 1 sweeps in this thread. @default the cores available, at most 8, and 1 for small traces */
  workers?: number;
  onProgress?(done: number, total: number): void;
  /** Told when the workers could not run and the sweep ran in this thread instead. */
  warn?(message: string): void;
}

/** Sweeps the grid (see sweep-settings.ts) over the sorted trace lines, on worker threads. */
export async function sweepSettingsInParallel(
  observations: readonly TraceObservation[],
  outages: readonly Outage[],
  base: Pick<DecisionSettings, 'probeIntervalSeconds' | 'probeTimeoutMs'>,
  options: ParallelSweepOptions = {},
): Promise<SweepResult & { workers: number }> {
  const regions = new Set(observations.map((observation) => observation.region)).size;
  const grid = sweepGrid(regions);
  const workers = Math.max(
    1,
    Math.min(options.workers ?? defaultWorkers(observations.length, grid.length), grid.length),
  );
  const inThisThread = () => ({
    ...sweepSettings(prepareTrace(observations, options.decision), outages, base, options),
    workers: 1,
  });
  if (workers === 1) return inThisThread();
  const encoded = encodeTrace(observations);
  let done = 0;
  const started: Worker[] = [];
  const shares = Array.from({ length: workers }, (_, worker) =>
    // Dealt in turn, so each worker gets cheap (quickly failing) and costly settings alike.
    grid.filter((_, index) => index % workers === worker),
  );
  try {
    const entries = await Promise.all(
      shares.map((settings) =>
        runShare(
          { trace: encoded, outages: [...outages], base, decision: options.decision ?? {}, settings },
          () => options.onProgress?.(++done, grid.length),
          started,
        ),
      ),
    );
    return { ...sweepResult(regions, entries.flat()), workers };
  } catch (error) {
    await Promise.all(started.map((worker) => worker.terminate()));
    options.warn?.(
      `the sweep's worker threads failed (${error instanceof Error ? error.message : String(error)}); sweeping in one thread`,
    );
    return inThisThread();
  }
}

/** The sweep of one share, as a worker runs it. */
export function sweepShare(share: SweepShare, onSetting: () => void = () => {}): SweepEntry[] {
  const trace = prepareTrace(decodeTrace(share.trace), share.decision);
  const entries: SweepEntry[] = [];
  for (const setting of share.settings) {
    const entry = evaluateSweepSetting(trace, share.outages, { ...share.base, ...setting }, share.decision);
    if (entry !== null) entries.push(entry);
    onSetting();
  }
  return entries;
}

/** The `control` (or `calls`) code of a line without a control (or calls) verdict. */
const VERDICT_NONE = 2;

/** The trace lines as typed arrays. */
export function encodeTrace(observations: readonly TraceObservation[]): EncodedTrace {
  const sites = [...new Set(observations.map((o) => o.siteId))].sort();
  const regions = [...new Set(observations.map((o) => o.region))].sort();
  const siteIndex = new Map(sites.map((site, index) => [site, index]));
  const regionIndex = new Map(regions.map((region, index) => [region, index]));
  const encoded: EncodedTrace = {
    at: new Float64Array(observations.length),
    site: new Uint16Array(observations.length),
    region: new Uint16Array(observations.length),
    ok: new Uint8Array(observations.length),
    control: new Uint8Array(observations.length),
    calls: new Uint8Array(observations.length),
    sites,
    regions,
  };
  observations.forEach((observation, index) => {
    encoded.at[index] = observation.at;
    encoded.site[index] = siteIndex.get(observation.siteId) ?? 0;
    encoded.region[index] = regionIndex.get(observation.region) ?? 0;
    encoded.ok[index] = observation.ok ? 1 : 0;
    encoded.control[index] = encodeVerdict(observation.control);
    encoded.calls[index] = encodeVerdict(observation.calls);
  });
  return encoded;
}

/** The trace lines back from typed arrays (line numbers are positions: messages are done by then). */
export function decodeTrace(encoded: EncodedTrace): TraceObservation[] {
  const observations: TraceObservation[] = new Array(encoded.at.length);
  for (let index = 0; index < encoded.at.length; index++) {
    const control = encoded.control[index];
    const calls = encoded.calls[index];
    observations[index] = {
      at: encoded.at[index],
      siteId: encoded.sites[encoded.site[index]],
      region: encoded.regions[encoded.region[index]],
      ok: encoded.ok[index] === 1,
      ...(control === VERDICT_NONE ? {} : { control: control === 1 }),
      ...(calls === VERDICT_NONE ? {} : { calls: calls === 1 }),
      line: index + 2,
    };
  }
  return observations;
}

function encodeVerdict(verdict: boolean | undefined): number {
  return verdict === undefined ? VERDICT_NONE : verdict ? 1 : 0;
}

function defaultWorkers(observations: number, settings: number): number {
  if (observations * settings < PARALLEL_THRESHOLD) return 1;
  return Math.min(availableParallelism(), MAX_WORKERS);
}

/**
 * Runs one share in a worker thread. The worker is TypeScript, so it first registers tsx's
 * CommonJS hook (tsx is a runtime dependency: the CLI falls back to it when its bundle is stale).
 */
function runShare(share: SweepShare, onSetting: () => void, started: Worker[]): Promise<SweepEntry[]> {
  const source = `require(${JSON.stringify(require.resolve('tsx/cjs'))});\nrequire(${JSON.stringify(WORKER_FILE)});`;
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(source, { eval: true, workerData: share });
    started.push(worker);
    let entries: SweepEntry[] | undefined;
    worker.on('message', (message: SweepWorkerMessage) => {
      if (message.type === 'progress') onSetting();
      else entries = message.entries;
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (entries !== undefined) resolvePromise(entries);
      else reject(new Error(`a sweep worker stopped (exit code ${code}) before reporting its settings`));
    });
  });
}
