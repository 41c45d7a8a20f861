/**
 * `npm run simulate -- --days 30 --seed N --out DIR`: writes DIR/trace.csv and DIR/outages.csv, a
 * seeded month (or any number of days) of one site's probes from every watchdog region of the
 * config, with the noise and the real outages of simulate-noise.ts. The same seed writes the same
 * files; replay them with `carrier-failover replay DIR/trace.csv --outages DIR/outages.csv`. A site
 * with test calls in the config gets them in the trace (`calls` column) and a "calls out of sync"
 * outage; `--no-calls` simulates it without them (the trace before test calls).
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../../../lambdas/contracts/config/config-error';
import { type Config, intInRange, type Site } from '../../../lambdas/contracts/config/schema';
import { sipEndpointId, testCallEndpointId } from '../../../lambdas/contracts/endpoint-ids';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../config/load-config';
import { formatOutages } from './outages-format';
import { type Simulation, simulateProbeTrace, writeSimulatedTrace } from './simulate-noise';
import { formatTraceTime, parseTraceTime } from './trace-time';

/** The file names written into --out. */
export const SIMULATION_FILES = { trace: 'trace.csv', outages: 'outages.csv' } as const;

/** What to simulate, as the command line gives it. */
export interface SimulateCommandOptions {
  days: number;
  seed: number;
  out: string;
  config: string;
  site?: string;
  start?: number;
  /** False to leave out the site's test calls. @default true */
  calls?: boolean;
}

/** Parses the options and writes the files; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('simulate')
    .description(
      'Writes a seeded probe trace of one site with realistic noise and real outages, and the outages file to score a replay against.',
    )
    .option('--days <n>', 'days of probes', wholeNumber('--days', 1, 366), 30)
    .option(
      '--seed <n>',
      'seed: the same seed writes the same trace',
      wholeNumber('--seed', 0, 2 ** 32 - 1),
      1,
    )
    .requiredOption('--out <dir>', 'folder for trace.csv and outages.csv (created if missing)')
    .option(
      '--config <path>',
      'config whose watchdog regions and detection settings probe (default: the example)',
      DEFAULT_CONFIG_PATH,
    )
    .option('--site <id>', "the site probed (default: the config's first primary site)")
    .option(
      '--start <time>',
      'time of the first round, ISO 8601 UTC or epoch ms (default 2026-11-01T00:00:00Z)',
      time,
    )
    .option('--no-calls', "leave out the site's test calls (a trace without the calls column)")
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  try {
    program.parse([...argv]);
  } catch (error) {
    return (error as { exitCode?: number }).exitCode === 0 ? 0 : 1;
  }
  try {
    const summary = await simulateToFiles(program.opts<SimulateCommandOptions>());
    process.stdout.write(`${summary}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof SimulateUsageError) {
      process.stderr.write(`simulate: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** A command line the simulator cannot follow. */
export class SimulateUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulateUsageError';
  }
}

/** Simulates and writes the two files; returns a summary for people. */
export async function simulateToFiles(options: SimulateCommandOptions): Promise<string> {
  const config = loadConfig(resolve(options.config));
  const site = pickSite(config, options.site);
  const simulation = simulateProbeTrace({
    days: options.days,
    seed: options.seed,
    start: options.start,
    siteId: site.id,
    regions: config.watchdogRegions,
    probeIntervalSeconds: config.detection.probeIntervalSeconds,
    probeTimeoutMs: config.detection.probeTimeoutMs,
    endpoint: site.sip[0] !== undefined ? sipEndpointId(site.sip[0]) : (site.http[0]?.url ?? site.id),
    controlTargets: config.detection.controlTargets.length,
    calls:
      options.calls === false
        ? []
        : site.calls.map((call) => ({
            endpoint: testCallEndpointId(call),
            answerWithinMs: call.answerWithinMs,
            ...(call.intervalSeconds !== undefined ? { intervalSeconds: call.intervalSeconds } : {}),
          })),
  });
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  const tracePath = join(out, SIMULATION_FILES.trace);
  await writeTraceFile(simulation, tracePath);
  const outagesPath = join(out, SIMULATION_FILES.outages);
  writeFileSync(outagesPath, formatOutages(simulation.outages));
  return summarize(simulation, options, site, tracePath, outagesPath);
}

function pickSite(config: Config, siteId: string | undefined): Site {
  const site =
    siteId === undefined
      ? (config.sites.find((candidate) => candidate.role === 'primary') ?? config.sites[0])
      : config.sites.find((candidate) => candidate.id === siteId);
  if (site === undefined) {
    throw new SimulateUsageError(
      `--site: expected a site of the config (${config.sites.map((known) => known.id).join(', ')}), got "${siteId}"`,
    );
  }
  return site;
}

async function writeTraceFile(simulation: Simulation, path: string): Promise<void> {
  const stream = createWriteStream(path);
  const finished = new Promise<void>((resolveFinish, reject) => {
    stream.on('finish', resolveFinish);
    stream.on('error', reject);
  });
  writeSimulatedTrace(simulation, (chunk) => stream.write(chunk));
  stream.end();
  await finished;
}

function summarize(
  simulation: Simulation,
  options: SimulateCommandOptions,
  site: Site,
  tracePath: string,
  outagesPath: string,
): string {
  const counts = new Map<string, number>();
  for (const event of simulation.noise) counts.set(event.kind, (counts.get(event.kind) ?? 0) + 1);
  const shown = (path: string) => {
    const fromHere = relative(process.cwd(), path);
    return fromHere === '' || fromHere.startsWith('..') ? path : fromHere;
  };
  return [
    `Simulated ${options.days} days of ${site.id} (seed ${options.seed}): ${simulation.observations.toLocaleString('en-US')} rounds in ${shown(tracePath)}`,
    `Noise: ${counts.get('region-network') ?? 0} one-region network failures, ${counts.get('two-region-blip') ?? 0} two-region blips, ${counts.get('slow-answers') ?? 0} slow periods, lost probes at random`,
    ...(simulation.hasCalls
      ? [
          `Test calls: ${site.calls.map((call) => describeCallInterval(call.intervalSeconds)).join(', ')} (the calls column)`,
        ]
      : []),
    `Outages (${shown(outagesPath)}):`,
    ...simulation.outages.map(
      (outage) =>
        `  ${formatTraceTime(outage.start)}  ${describeLength(outage.end - outage.start)}  ${outage.kind}`,
    ),
    `Replay: carrier-failover replay ${shown(tracePath)} --outages ${shown(outagesPath)}`,
  ].join('\n');
}

function describeCallInterval(intervalSeconds: number | undefined): string {
  return intervalSeconds === undefined ? 'one every round' : `one every ${intervalSeconds} s`;
}

function describeLength(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes < 60) return `${Number(minutes.toFixed(1))} min`;
  return `${Math.floor(minutes / 60)} h ${Math.round(minutes % 60)} min`;
}

/** An integer option checked with the config schema's rule, so messages read like the config's. */
function wholeNumber(flag: string, min: number, max: number) {
  const rule = intInRange(min, max);
  return (value: string): number => {
    const parsed = rule.safeParse(/^\d+$/.test(value) ? Number(value) : Number.NaN);
    if (!parsed.success)
      throw new InvalidArgumentError(`${flag}: ${parsed.error.issues[0]?.message}, got "${value}"`);
    return parsed.data;
  };
}

function time(value: string): number {
  const parsed = parseTraceTime(value.trim());
  if ('problem' in parsed) throw new InvalidArgumentError(`--start: ${parsed.problem}, got "${value}"`);
  return parsed.ms;
}
