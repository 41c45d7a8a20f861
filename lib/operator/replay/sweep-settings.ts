/**
 * The sweep: replays one prepared trace under a grid of settings (quorum 1..regions,
 * failuresToTrip 1..6, recovery hold 0..15 min; the interval and probe timeout stay the trace's)
 * and keeps the settings that catch every known outage with no false trip, ordered by worst-case
 * detection delay so the operator can choose.
 *
 * A setting is dropped as soon as it is sure to fail (a trip recovered without overlapping any
 * outage, or the replay passed an outage's end with no trip on it), so most of a month is replayed
 * only for the settings worth showing. Nothing is inferred from one setting for another: every
 * setting kept was replayed in full.
 */
import type { DecisionOptions, DecisionSettings } from '../../../lambdas/domain/detection/decide-site-health';
import type { Outage } from './outages-format';
import { type PreparedTrace, type ReplayObserver, type ReplayTrip, replayTrace } from './replay-trace';
import { scoreReplay, tripOverlapsOutage } from './score-replay';

/** The grid's failuresToTrip values. */
export const SWEEP_FAILURES_TO_TRIP = [1, 2, 3, 4, 5, 6] as const;
/** The grid's recovery holds, in minutes. */
export const SWEEP_RECOVERY_HOLD_MINUTES = Array.from({ length: 16 }, (_, minutes) => minutes);

/** A setting that caught every outage with no false trip. */
export interface SweepEntry {
  quorum: number;
  failuresToTrip: number;
  recoveryHoldMinutes: number;
  /** Trips in the trace (more than the outages means an outage flapped into several incidents). */
  trips: number;
  caught: number;
  detectDelayMs: { max: number | null; mean: number | null };
  /** probeIntervalSeconds × failuresToTrip, in ms. */
  boundMs: number;
}

/** The sweep's result. */
export interface SweepResult {
  /** Settings replayed. */
  tried: number;
  grid: { quorum: number[]; failuresToTrip: number[]; recoveryHoldMinutes: number[] };
  /** The settings kept, best first: smallest worst-case delay, then smallest mean delay, then
   * fewest trips, then the more cautious (higher quorum, more failures), then the shorter hold. */
  settings: SweepEntry[];
}

/** Options of {@link sweepSettings}. */
export interface SweepOptions {
  decision?: DecisionOptions;
  /** Called after each setting, for a progress line. */
  onProgress?(done: number, total: number): void;
}

/** One setting of the grid. */
export type SweepSetting = Pick<DecisionSettings, 'quorum' | 'failuresToTrip' | 'recoveryHoldMinutes'>;

/** The grid for a trace probed from `regions` regions, in a fixed order. */
export function sweepGrid(regions: number): SweepSetting[] {
  const grid: SweepSetting[] = [];
  for (let quorum = 1; quorum <= Math.max(1, regions); quorum++) {
    for (const failuresToTrip of SWEEP_FAILURES_TO_TRIP) {
      for (const recoveryHoldMinutes of SWEEP_RECOVERY_HOLD_MINUTES) {
        grid.push({ quorum, failuresToTrip, recoveryHoldMinutes });
      }
    }
  }
  return grid;
}

/**
 * Replays `trace` under every setting of the grid with the interval and timeout of `base`, in this
 * thread (parallel-sweep.ts spreads the same work over worker threads).
 */
export function sweepSettings(
  trace: PreparedTrace,
  outages: readonly Outage[],
  base: Pick<DecisionSettings, 'probeIntervalSeconds' | 'probeTimeoutMs'>,
  options: SweepOptions = {},
): SweepResult {
  const grid = sweepGrid(trace.regions.length);
  const kept: SweepEntry[] = [];
  for (const [index, setting] of grid.entries()) {
    const entry = evaluateSweepSetting(trace, outages, { ...base, ...setting }, options.decision);
    if (entry !== null) kept.push(entry);
    options.onProgress?.(index + 1, grid.length);
  }
  return sweepResult(trace.regions.length, kept);
}

/** Replays one setting; its entry when it caught every outage with no false trip, else null. */
export function evaluateSweepSetting(
  trace: PreparedTrace,
  outages: readonly Outage[],
  settings: DecisionSettings,
  decision: DecisionOptions = {},
): SweepEntry | null {
  const replay = replayTrace(trace, settings, { decision, observer: failFastObserver(outages) });
  if (replay.stopped) return null;
  const score = scoreReplay(replay.trips, outages);
  if (score.falseTrips > 0 || score.missed > 0) return null;
  return {
    quorum: settings.quorum,
    failuresToTrip: settings.failuresToTrip,
    recoveryHoldMinutes: settings.recoveryHoldMinutes,
    trips: replay.trips.length,
    caught: score.caught,
    detectDelayMs: score.detectDelayMs,
    boundMs: settings.probeIntervalSeconds * settings.failuresToTrip * 1000,
  };
}

/** The result for the entries kept, best first. */
export function sweepResult(regions: number, kept: readonly SweepEntry[]): SweepResult {
  const grid = sweepGrid(regions);
  return {
    tried: grid.length,
    grid: {
      quorum: [...new Set(grid.map((setting) => setting.quorum))],
      failuresToTrip: [...SWEEP_FAILURES_TO_TRIP],
      recoveryHoldMinutes: [...SWEEP_RECOVERY_HOLD_MINUTES],
    },
    settings: [...kept].sort(bestFirst),
  };
}

/** Stops a replay at its first false trip (once recovered) or its first missed outage. */
function failFastObserver(outages: readonly Outage[]): ReplayObserver {
  const bySite = new Map<string, Outage[]>();
  for (const outage of outages) {
    const list = bySite.get(outage.siteId) ?? [];
    list.push(outage);
    bySite.set(outage.siteId, list);
  }
  const deadlines = new Map(
    [...bySite].map(([siteId, list]) => [
      siteId,
      [...new Set(list.map((outage) => outage.end))].sort((a, b) => a - b),
    ]),
  );
  return {
    deadlines,
    passed(siteId, time, trips) {
      const ended = (bySite.get(siteId) ?? []).filter((outage) => outage.end === time);
      return ended.every((outage) => trips.some((trip) => tripOverlapsOutage(trip, outage)));
    },
    transition(trip: ReplayTrip) {
      if (trip.recoveredAt === null) return true;
      return (bySite.get(trip.siteId) ?? []).some((outage) => tripOverlapsOutage(trip, outage));
    },
  };
}

function bestFirst(a: SweepEntry, b: SweepEntry): number {
  return (
    (a.detectDelayMs.max ?? 0) - (b.detectDelayMs.max ?? 0) ||
    (a.detectDelayMs.mean ?? 0) - (b.detectDelayMs.mean ?? 0) ||
    a.trips - b.trips ||
    b.quorum - a.quorum ||
    b.failuresToTrip - a.failuresToTrip ||
    a.recoveryHoldMinutes - b.recoveryHoldMinutes
  );
}
