/**
 * `carrier-failover replay TRACE.csv [--quorum N] [--failures-to-trip N] [--recovery-hold-minutes N]
 * [--interval-seconds N] [--outages OUTAGES.csv] [--sweep]`: what the detection settings would have
 * done on a probe trace, through the decision code the probe runs (lib/operator/replay/replay-trace.ts).
 * Offline: reads files only, never AWS.
 *
 * Exit codes: 0 when the replay ran (and, with --outages, the settings caught every outage with no
 * false trip; with --sweep, some setting did); 5 when the settings missed an outage or tripped
 * falsely (with --sweep: no setting of the grid passed); 1 for a bad trace, outage list or flag.
 */
import { resolve } from 'node:path';
import { type Outage, readOutagesFile } from '../../replay/outages-format';
import { sweepSettingsInParallel } from '../../replay/parallel-sweep';
import {
  type OverridableSetting,
  resolveReplaySettings,
  type SettingOverrides,
} from '../../replay/replay-settings';
import { prepareTrace, type ReplayTrip, replayTrace } from '../../replay/replay-trace';
import { scoreReplay, tripOverlapsOutage } from '../../replay/score-replay';
import type { SweepEntry, SweepResult } from '../../replay/sweep-settings';
import { assertValidTrace, readTraceFile } from '../../replay/trace-format';
import { formatTraceTime } from '../../replay/trace-time';
import { CliError } from '../support/cli-error';
import type { CommandHandler } from '../support/command-context';
import { ExitCode } from '../support/exit-codes';
import { formatAge, formatTable, formatTimestamp } from '../support/output';

/** Trips and outages listed for people before "... and N more" (--json lists them all). */
const MAX_ROWS_SHOWN = 50;
/** A trace whose rounds are this much further apart (or closer) than the interval gets a warning. */
const INTERVAL_MISMATCH = 0.25;

export interface ReplayArgs extends SettingOverrides {
  /** The trace CSV. */
  trace: string;
  /** The known outages CSV, to score against. */
  outages?: string;
  sweep: boolean;
}

/** A trip in the `--json` result. */
export interface ReplayTripResult {
  site: string;
  trippedAt: string;
  /** Null when the trace ends with the site down. */
  recoveredAt: string | null;
  regions: string[];
  /** Start of the failure runs that made the trip (the incident's outage identity). */
  outageStartedAt: string;
  /** With --outages: true when the trip overlaps no known outage. */
  falseTrip?: boolean;
}

/** The score in the `--json` result. */
export interface ReplayScoreResult {
  outages: number;
  caught: number;
  missed: number;
  falseTrips: number;
  detectDelayMs: { max: number | null; mean: number | null };
  /** probeIntervalSeconds × failuresToTrip, in ms. */
  boundMs: number;
  perOutage: {
    site: string;
    start: string;
    end: string;
    caught: boolean;
    trippedAt: string | null;
    detectDelayMs: number | null;
  }[];
}

/** The `--json` result. */
export interface ReplayCommandResult {
  trace: { file: string; observations: number; sites: string[]; regions: string[]; from: string; to: string };
  settings: {
    quorum: number;
    failuresToTrip: number;
    recoveryHoldMinutes: number;
    probeIntervalSeconds: number;
    boundMs: number;
    /** Per setting: the flag that set it, or `config`. */
    sources: Record<OverridableSetting, string>;
  };
  trips: ReplayTripResult[];
  score?: ReplayScoreResult;
  sweep?: SweepResult;
}

/** Reads the trace (and outages), replays it under the settings, scores it and sweeps if asked. */
export const runReplay: CommandHandler<ReplayArgs> = async (args, context) => {
  const { out } = context;
  if (args.sweep && args.outages === undefined) {
    throw new CliError(
      ExitCode.invalid,
      '--sweep needs --outages OUTAGES.csv: it keeps the settings that catch every known outage with no false trip (a file with only the header line `site,start,end` means "no outages")',
    );
  }
  const config = context.config();
  const tracePath = resolve(args.trace);
  const traceLabel = context.displayPath(tracePath);
  const readStarted = performance.now();
  const trace = await readTraceFile(tracePath, traceLabel);
  assertValidTrace(trace);
  const outages =
    args.outages === undefined
      ? undefined
      : await readOutagesFile(resolve(args.outages), context.displayPath(resolve(args.outages)));
  const resolved = resolveReplaySettings(
    config.detection,
    args,
    trace.regions.length,
    context.displayPath(resolve(context.globals.config)),
  );
  if (resolved.problems.length > 0) {
    throw new CliError(
      ExitCode.invalid,
      `invalid detection settings for the replay (${resolved.problems.length} problem${resolved.problems.length === 1 ? '' : 's'}):`,
      { problems: resolved.problems },
    );
  }
  const { settings } = resolved;
  const prepared = prepareTrace(trace.observations);
  out.info(
    `Read ${count(trace.observations.length)} rounds from ${traceLabel} in ${seconds(performance.now() - readStarted)}`,
  );
  const intervalMs = settings.probeIntervalSeconds * 1000;
  if (
    prepared.typicalIntervalMs !== undefined &&
    Math.abs(prepared.typicalIntervalMs - intervalMs) > INTERVAL_MISMATCH * intervalMs
  ) {
    out.warn(
      `the trace's rounds are about ${seconds(prepared.typicalIntervalMs)} apart but the settings say probeIntervalSeconds ${settings.probeIntervalSeconds}; freshness and the bound follow the setting: pass --interval-seconds ${Math.max(1, Math.round(prepared.typicalIntervalMs / 1000))}`,
    );
  }
  for (const siteId of new Set((outages ?? []).map((outage) => outage.siteId))) {
    if (!trace.sites.includes(siteId)) {
      out.warn(`the outages name site ${siteId}, which the trace never probes: its outages count as missed`);
    }
  }

  const replayStarted = performance.now();
  const { trips } = replayTrace(prepared, settings);
  out.info(`Replayed in ${seconds(performance.now() - replayStarted)}`);
  const score = outages === undefined ? undefined : scoreReplay(trips, outages);
  const boundMs = intervalMs * settings.failuresToTrip;

  let sweep: (SweepResult & { workers: number }) | undefined;
  if (args.sweep && outages !== undefined) {
    const sweepStarted = performance.now();
    sweep = await sweepSettingsInParallel(trace.observations, outages, settings, {
      warn: (message) => out.warn(message),
    });
    out.info(
      `Swept ${sweep.tried} settings in ${seconds(performance.now() - sweepStarted)} (${sweep.workers} thread${sweep.workers === 1 ? '' : 's'})`,
    );
  }

  const result: ReplayCommandResult = {
    trace: {
      file: traceLabel,
      observations: trace.observations.length,
      sites: trace.sites,
      regions: trace.regions,
      from: formatTraceTime(prepared.from),
      to: formatTraceTime(prepared.to),
    },
    settings: {
      quorum: settings.quorum,
      failuresToTrip: settings.failuresToTrip,
      recoveryHoldMinutes: settings.recoveryHoldMinutes,
      probeIntervalSeconds: settings.probeIntervalSeconds,
      boundMs,
      sources: resolved.sources,
    },
    trips: trips.map((trip) => ({
      site: trip.siteId,
      trippedAt: formatTraceTime(trip.trippedAt),
      recoveredAt: trip.recoveredAt === null ? null : formatTraceTime(trip.recoveredAt),
      regions: trip.regions,
      outageStartedAt: formatTraceTime(trip.outageStartedAt),
      ...(outages !== undefined
        ? { falseTrip: !outages.some((outage) => tripOverlapsOutage(trip, outage)) }
        : {}),
    })),
    ...(score !== undefined
      ? {
          score: {
            outages: score.outages,
            caught: score.caught,
            missed: score.missed,
            falseTrips: score.falseTrips,
            detectDelayMs: score.detectDelayMs,
            boundMs,
            perOutage: score.perOutage.map((verdict) => ({
              site: verdict.outage.siteId,
              start: formatTraceTime(verdict.outage.start),
              end: formatTraceTime(verdict.outage.end),
              caught: verdict.trip !== null,
              trippedAt: verdict.trip === null ? null : formatTraceTime(verdict.trip.trippedAt),
              detectDelayMs: verdict.detectDelayMs,
            })),
          },
        }
      : {}),
    ...(sweep !== undefined
      ? { sweep: { tried: sweep.tried, grid: sweep.grid, settings: sweep.settings } }
      : {}),
  };
  out.result(result, (value) => describeReplay(value, trips, outages, config.watchdogRegions.length));
  if (sweep !== undefined) return sweep.settings.length > 0 ? ExitCode.ok : ExitCode.partialFailure;
  if (score !== undefined && (score.falseTrips > 0 || score.missed > 0)) return ExitCode.partialFailure;
  return ExitCode.ok;
};

function describeReplay(
  result: ReplayCommandResult,
  trips: readonly ReplayTrip[],
  outages: readonly Outage[] | undefined,
  configRegions: number,
): string {
  const { trace, settings, score, sweep } = result;
  const overridden = Object.values(settings.sources).filter((source) => source !== 'config');
  const lines = [
    `Trace ${trace.file}: ${count(trace.observations)} rounds of ${trace.sites.join(', ')} from ${trace.regions.join(', ')}, ${formatTimestamp(Date.parse(trace.from))} to ${formatTimestamp(Date.parse(trace.to))}`,
    `Settings: quorum ${settings.quorum} of ${trace.regions.length} regions, failuresToTrip ${settings.failuresToTrip}, recoveryHoldMinutes ${settings.recoveryHoldMinutes}, probeIntervalSeconds ${settings.probeIntervalSeconds} (the config${overridden.length > 0 ? ` with ${overridden.join(', ')}` : ''}); bound ${seconds(settings.boundMs)}`,
  ];
  if (trace.regions.length !== configRegions) {
    lines.push(`(the config has ${configRegions} watchdog regions; the trace has ${trace.regions.length})`);
  }
  lines.push('');
  if (result.trips.length === 0) {
    lines.push('No trips: the site was never declared down.');
  } else {
    lines.push(`${result.trips.length} trip${result.trips.length === 1 ? '' : 's'}:`);
    const rows = trips
      .slice(0, MAX_ROWS_SHOWN)
      .map((trip, index) => [
        trip.siteId,
        formatTimestamp(trip.trippedAt),
        trip.recoveredAt === null ? 'still down' : formatTimestamp(trip.recoveredAt),
        trip.recoveredAt === null ? '-' : formatAge(trip.recoveredAt - trip.trippedAt),
        ...(outages !== undefined ? [result.trips[index].falseTrip ? 'FALSE TRIP' : 'outage'] : []),
        trip.regions.join(', '),
      ]);
    lines.push(
      formatTable(
        [
          'SITE',
          'TRIPPED',
          'RECOVERED',
          'DOWN FOR',
          ...(outages !== undefined ? ['VERDICT'] : []),
          'REGIONS',
        ],
        rows,
      ),
    );
    if (trips.length > MAX_ROWS_SHOWN)
      lines.push(`... and ${trips.length - MAX_ROWS_SHOWN} more (--json lists all)`);
  }
  if (score !== undefined) {
    lines.push(
      '',
      `Score: ${score.outages} outage${score.outages === 1 ? '' : 's'}, ${score.caught} caught, ${score.missed} missed, ${score.falseTrips} false trip${score.falseTrips === 1 ? '' : 's'}; detection delay ${
        score.detectDelayMs.max === null
          ? '-'
          : `max ${seconds(score.detectDelayMs.max)}, mean ${seconds(score.detectDelayMs.mean ?? 0)}`
      } (bound ${seconds(score.boundMs)})`,
    );
    if (score.perOutage.length > 0) {
      lines.push(
        formatTable(
          ['SITE', 'OUTAGE START', 'END', 'LENGTH', 'DETECTED AFTER'],
          score.perOutage
            .slice(0, MAX_ROWS_SHOWN)
            .map((verdict) => [
              verdict.site,
              formatTimestamp(Date.parse(verdict.start)),
              formatTimestamp(Date.parse(verdict.end)),
              formatAge(Date.parse(verdict.end) - Date.parse(verdict.start)),
              verdict.detectDelayMs === null ? 'MISSED' : seconds(verdict.detectDelayMs),
            ]),
        ),
      );
    }
  }
  if (sweep !== undefined) lines.push('', ...describeSweep(sweep, settings, score?.outages ?? 0));
  return lines.join('\n');
}

/** The sweep's settings, rows that differ only in a run of holds folded into one `0-15` row. */
function describeSweep(
  sweep: SweepResult,
  current: ReplayCommandResult['settings'],
  outages: number,
): string[] {
  const header = `Sweep: ${sweep.tried} settings (quorum ${range(sweep.grid.quorum)}, failuresToTrip ${range(sweep.grid.failuresToTrip)}, recoveryHoldMinutes ${range(sweep.grid.recoveryHoldMinutes)})`;
  if (sweep.settings.length === 0) {
    return [header, `None catches all ${outages} outages with no false trip.`];
  }
  const groups: { first: SweepEntry; lastHold: number }[] = [];
  for (const entry of sweep.settings) {
    const last = groups[groups.length - 1];
    if (
      last !== undefined &&
      sameButHold(last.first, entry) &&
      entry.recoveryHoldMinutes === last.lastHold + 1
    ) {
      last.lastHold = entry.recoveryHoldMinutes;
    } else {
      groups.push({ first: entry, lastHold: entry.recoveryHoldMinutes });
    }
  }
  const isCurrent = (group: (typeof groups)[number]) =>
    group.first.quorum === current.quorum &&
    group.first.failuresToTrip === current.failuresToTrip &&
    current.recoveryHoldMinutes >= group.first.recoveryHoldMinutes &&
    current.recoveryHoldMinutes <= group.lastHold;
  const lines = [
    header,
    `${sweep.settings.length} catch all ${outages} outage${outages === 1 ? '' : 's'} with no false trip, best first (worst-case detection delay):`,
    formatTable(
      ['QUORUM', 'FAILURES', 'HOLD (MIN)', 'TRIPS', 'MAX DELAY', 'MEAN DELAY', 'BOUND', ''],
      groups.map((group) => [
        String(group.first.quorum),
        String(group.first.failuresToTrip),
        group.lastHold === group.first.recoveryHoldMinutes
          ? String(group.lastHold)
          : `${group.first.recoveryHoldMinutes}-${group.lastHold}`,
        String(group.first.trips),
        group.first.detectDelayMs.max === null ? '-' : seconds(group.first.detectDelayMs.max),
        group.first.detectDelayMs.mean === null ? '-' : seconds(group.first.detectDelayMs.mean),
        seconds(group.first.boundMs),
        isCurrent(group) ? '<- these settings' : '',
      ]),
    ),
  ];
  if (!groups.some(isCurrent)) {
    lines.push(
      `These settings (quorum ${current.quorum}, failuresToTrip ${current.failuresToTrip}, recoveryHoldMinutes ${current.recoveryHoldMinutes}) are not among them${
        sweep.grid.quorum.includes(current.quorum) &&
        sweep.grid.failuresToTrip.includes(current.failuresToTrip) &&
        sweep.grid.recoveryHoldMinutes.includes(current.recoveryHoldMinutes)
          ? ''
          : ' (they are outside the grid)'
      }.`,
    );
  }
  return lines;
}

function sameButHold(a: SweepEntry, b: SweepEntry): boolean {
  return (
    a.quorum === b.quorum &&
    a.failuresToTrip === b.failuresToTrip &&
    a.trips === b.trips &&
    a.caught === b.caught &&
    a.detectDelayMs.max === b.detectDelayMs.max &&
    a.detectDelayMs.mean === b.detectDelayMs.mean
  );
}

function range(values: readonly number[]): string {
  return values.length === 0 ? '-' : `${values[0]}-${values[values.length - 1]}`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
