/**
 * The noise simulator: a seeded probe trace of one site from every watchdog region, with the
 * noise real probes see and the real outages to score it against (`npm run simulate`).
 *
 * What is in it, all drawn from one seeded generator (the same seed gives the same files):
 * - **Rounds** on probe-interval boundaries, each region a few milliseconds late (its own timer),
 *   so regions rarely share an instant, as in a real export.
 * - **Lost probes**: each probe of each region fails on its own with a small probability (a lost
 *   UDP OPTIONS, a dropped SYN).
 * - **One region's network failing** for minutes at a time: every probe from that region fails.
 * - **Brief blips seen by two regions at once** (a route flap between two AWS regions and the site):
 *   a few seconds to just under 20 s, both regions' probes inside the blip fail.
 * - **Slow answers near the timeout** (the site under load): for minutes, every region's answers
 *   take half the timeout to a little more than it; those over the timeout fail.
 * - **Real outages of several lengths**, seen by every region: the site unreachable (timeouts), or
 *   "up but out of sync" (the 2022-08-12 kind: SBCs answer OPTIONS 503 quickly while the health URL
 *   still answers; the round fails on its SIP rule).
 * - **Control targets** (when the config has them): each region also requests them every round.
 *   They fail with the region's own network and, each on its own, as often as a lost probe; a blip
 *   between two regions and the site, slow answers and the site's outages leave them reachable.
 *   Their verdict is the trace's `control` column; without control targets the column is empty.
 * - **Test calls** (when the site has them): each region places each call in the rounds it is due
 *   (every `intervalSeconds`, as the probe counts them). A call fails when the site is unreachable
 *   from the region (an outage, its network, a blip), in either kind of "out of sync", and on its
 *   own as often as a lost probe; slow answers leave it answering (its window is longer). Their
 *   verdict is the trace's `calls` column, and a round whose calls all failed fails (`ok` 0). With
 *   calls, the second outage is "out of sync" the way of the 2022-08-12 second act: OPTIONS and the
 *   health URL answer, every test call fails, so only the calls see it. Without calls the trace has
 *   no `calls` column and is exactly as before.
 *
 * The model's rates and lengths are constants below, chosen from what probes over the public
 * internet see, not from any detection setting.
 */

import { seededRandom } from '../../../lambdas/adapters/local/seeded-random';
import { isCallDue } from '../../../lambdas/contracts/config/round-duration';
import type { TestCall } from '../../../lambdas/contracts/config/schema';
import type { OutageRow } from './outages-format';
import { formatTraceRow, type TraceRow, traceHeader } from './trace-format';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** The noise model: rates and lengths of each kind of noise. */
export interface NoiseModel {
  /** Probability that one probe of one region fails on its own. */
  lostProbeRate: number;
  /** One region's network failing: mean time between failures per region, and their length. */
  regionNetwork: { meanGapHours: number; minMinutes: number; maxMinutes: number };
  /** Two regions blipping at once: mean time between blips, and their length. */
  twoRegionBlip: { meanGapHours: number; minSeconds: number; maxSeconds: number };
  /** The site answering slowly: mean time between slow periods, their length, and the latency
   * range as fractions of the probe timeout (answers over 1 are timeouts). */
  slowAnswers: {
    meanGapHours: number;
    minMinutes: number;
    maxMinutes: number;
    latencyOfTimeout: readonly [number, number];
  };
  /** One real outage per this many days (at least one), cycling through OUTAGE_KINDS. */
  daysPerOutage: number;
}

/** The model `npm run simulate` uses. */
export const REALISTIC_NOISE: NoiseModel = {
  lostProbeRate: 0.003,
  regionNetwork: { meanGapHours: 96, minMinutes: 2, maxMinutes: 15 },
  twoRegionBlip: { meanGapHours: 6, minSeconds: 1, maxSeconds: 19.9 },
  slowAnswers: { meanGapHours: 12, minMinutes: 5, maxMinutes: 30, latencyOfTimeout: [0.5, 1.05] },
  daysPerOutage: 5,
};

/** How the site fails during a real outage. */
export type OutageKind = 'unreachable' | 'sip-out-of-sync' | 'calls-out-of-sync';

/** The real outages, in the order they are placed: several lengths, two of them "out of sync". */
export const OUTAGE_KINDS: readonly { kind: OutageKind; minutes: number }[] = [
  { kind: 'unreachable', minutes: 15 },
  { kind: 'sip-out-of-sync', minutes: 45 },
  { kind: 'unreachable', minutes: 1.5 },
  { kind: 'unreachable', minutes: 120 },
  // The 2022-08-12 incident: 9 h 15 min with the softswitch up but out of sync.
  { kind: 'sip-out-of-sync', minutes: 555 },
  { kind: 'unreachable', minutes: 5 },
];

/**
 * The real outages of a site with test calls: the same lengths and times, the second one "out of
 * sync" behind answering OPTIONS and HTTP (2022-08-12's second act), which only the calls see.
 */
export const OUTAGE_KINDS_WITH_CALLS: readonly { kind: OutageKind; minutes: number }[] = OUTAGE_KINDS.map(
  (outage, index) => (index === 1 ? { ...outage, kind: 'calls-out-of-sync' as const } : outage),
);

/** A test call of the simulated site, as the config has it. */
export interface SimulatedCall extends Partial<Pick<TestCall, 'intervalSeconds' | 'answerWithinMs'>> {
  /** Endpoint id written in the `endpoint` column when every call of a round failed. */
  endpoint: string;
}

/** What to simulate. */
export interface SimulationOptions {
  days: number;
  seed: number;
  /** Epoch ms of the first round. @default 2026-11-01T00:00:00Z */
  start?: number;
  siteId: string;
  /** The watchdog regions that probe. */
  regions: readonly string[];
  probeIntervalSeconds: number;
  probeTimeoutMs: number;
  /** Endpoint id written in the `endpoint` column of failed rounds. */
  endpoint: string;
  /** How many control targets each region requests every round (the config's). @default 0 */
  controlTargets?: number;
  /** The site's test calls (the config's `sites[].calls`). @default none */
  calls?: readonly SimulatedCall[];
  /** @default REALISTIC_NOISE */
  noise?: NoiseModel;
}

/** One injected noise event, for the summary. */
export interface NoiseEvent {
  kind: 'region-network' | 'two-region-blip' | 'slow-answers';
  start: number;
  end: number;
  regions: string[];
}

/** A simulated trace: its outages, the noise injected, and its rounds (generated on demand). */
export interface Simulation {
  outages: (OutageRow & { kind: OutageKind })[];
  noise: NoiseEvent[];
  /** Lines the trace has (rounds × regions). */
  observations: number;
  /** The site places test calls: the trace has the `calls` column. */
  hasCalls: boolean;
  /** The rounds in time order, the same sequence on every call. */
  rows(): Generator<TraceRow>;
}

/** The default start: 1 November 2026, 00:00 UTC. */
export const DEFAULT_SIMULATION_START = Date.UTC(2026, 10, 1);

interface Window {
  start: number;
  end: number;
}

/** Plans a simulated trace; see the module comment. */
export function simulateProbeTrace(options: SimulationOptions): Simulation {
  const noise = options.noise ?? REALISTIC_NOISE;
  const start = options.start ?? DEFAULT_SIMULATION_START;
  const end = start + options.days * DAY_MS;
  const intervalMs = options.probeIntervalSeconds * 1000;
  const rounds = Math.floor((end - start) / intervalMs);
  const random = seededRandom(options.seed);
  const uniform = (low: number, high: number) => low + (high - low) * random();
  const gap = (meanMs: number) => -Math.log(1 - random()) * meanMs;

  const calls = options.calls ?? [];
  const kinds = calls.length > 0 ? OUTAGE_KINDS_WITH_CALLS : OUTAGE_KINDS;
  const outages = placeOutages(options.siteId, start, end, noise, kinds, random);

  const events: NoiseEvent[] = [];
  const windows = (mean: number, min: number, max: number): Window[] => {
    const list: Window[] = [];
    for (let at = start + gap(mean); at < end; ) {
      const window = { start: Math.round(at), end: Math.round(at + uniform(min, max)) };
      list.push(window);
      at = window.end + gap(mean);
    }
    return list;
  };
  const regionNetwork = new Map<string, Window[]>();
  for (const region of options.regions) {
    const { meanGapHours, minMinutes, maxMinutes } = noise.regionNetwork;
    const list = windows(meanGapHours * HOUR_MS, minMinutes * MINUTE_MS, maxMinutes * MINUTE_MS);
    regionNetwork.set(region, list);
    events.push(...list.map((w) => ({ kind: 'region-network' as const, ...w, regions: [region] })));
  }
  const blips = new Map<string, Window[]>(options.regions.map((region) => [region, []]));
  if (options.regions.length >= 2) {
    const { meanGapHours, minSeconds, maxSeconds } = noise.twoRegionBlip;
    for (const window of windows(meanGapHours * HOUR_MS, minSeconds * 1000, maxSeconds * 1000)) {
      const first = Math.floor(random() * options.regions.length);
      const second =
        (first + 1 + Math.floor(random() * (options.regions.length - 1))) % options.regions.length;
      const pair = [options.regions[first], options.regions[second]].sort();
      for (const region of pair) blips.get(region)?.push(window);
      events.push({ kind: 'two-region-blip', ...window, regions: pair });
    }
  }
  const { meanGapHours, minMinutes, maxMinutes, latencyOfTimeout } = noise.slowAnswers;
  const slow = windows(meanGapHours * HOUR_MS, minMinutes * MINUTE_MS, maxMinutes * MINUTE_MS);
  events.push(...slow.map((w) => ({ kind: 'slow-answers' as const, ...w, regions: [...options.regions] })));
  events.sort((a, b) => a.start - b.start);

  const roundSeed = Math.floor(random() * 2 ** 32);
  // Drawn after everything above, and from its own generator below, so that adding control targets
  // leaves the rest of the month exactly as it was.
  const controlSeed = Math.floor(random() * 2 ** 32);
  const callSeed = Math.floor(random() * 2 ** 32);
  const controlTargets = options.controlTargets ?? 0;
  return {
    outages,
    noise: events,
    observations: rounds * options.regions.length,
    hasCalls: calls.length > 0,
    *rows() {
      // Its own generator, so every call yields the same rows.
      const draw = seededRandom(roundSeed);
      const drawControl = seededRandom(controlSeed);
      const drawCall = seededRandom(callSeed);
      // The calls due this round (every region counts rounds alike) and which failed; none due: undefined.
      const placeCalls = (boundary: number, callsFail: boolean) => {
        const due = calls.filter((call) => isCallDue(call, boundary, intervalMs / 1000));
        if (due.length === 0) return undefined;
        // One draw per call due, whatever its fate, as for the probes.
        const failed = due.filter(() => drawCall() < noise.lostProbeRate || callsFail);
        return { ok: failed.length < due.length, failed };
      };
      // The region reached at least one control target: none when its network is down, else unless
      // every target lost its request on its own.
      const controlReached = (networkDown: boolean): boolean | undefined => {
        if (controlTargets === 0) return undefined;
        let lost = 0;
        for (let target = 0; target < controlTargets; target++) {
          if (drawControl() < noise.lostProbeRate) lost++;
        }
        return !networkDown && lost < controlTargets;
      };
      // One cursor per region and list: a region's rounds only move forward in time.
      const cursors = options.regions.map((region) => ({
        outage: new WindowCursor(outages),
        slow: new WindowCursor(slow),
        network: new WindowCursor(regionNetwork.get(region) ?? []),
        blip: new WindowCursor(blips.get(region) ?? []),
      }));
      const baseLatency = options.regions.map((_, index) => 20 + 25 * index);
      const timeoutReason = `timeout after ${options.probeTimeoutMs} ms`;
      for (let round = 0; round < rounds; round++) {
        const boundary = start + round * intervalMs;
        for (const [index, region] of options.regions.entries()) {
          // Every draw happens on every round, whatever the round's fate, so one kind of noise
          // never shifts the random sequence of another.
          const at = boundary + 3 + Math.floor(draw() * 40);
          const lost = draw() < noise.lostProbeRate;
          const normalLatency = baseLatency[index] + draw() * 15;
          const slowLatency =
            options.probeTimeoutMs *
            (latencyOfTimeout[0] + draw() * (latencyOfTimeout[1] - latencyOfTimeout[0]));
          const { siteId, endpoint } = options;
          const cursor = cursors[index];
          const outage = cursor.outage.active(at);
          const networkDown = cursor.network.active(at) !== undefined;
          const reached = controlReached(networkDown);
          const blip = cursor.blip.active(at) !== undefined;
          const placed = placeCalls(boundary, outage !== undefined || networkDown || blip);
          const control = {
            ...(reached === undefined ? {} : { control: reached }),
            ...(placed === undefined ? {} : { calls: placed.ok }),
          };
          if (outage?.kind === 'sip-out-of-sync' && !networkDown) {
            const reason = 'SIP 503 Service Unavailable';
            const latencyMs = Math.round(normalLatency);
            yield { at, region, siteId, ok: false, latencyMs, ...control, endpoint, reason };
            continue;
          }
          const timedOut =
            (outage !== undefined && outage.kind !== 'calls-out-of-sync') || networkDown || blip || lost;
          const latency = cursor.slow.active(at) !== undefined ? slowLatency : normalLatency;
          if (timedOut || latency >= options.probeTimeoutMs) {
            yield { at, region, siteId, ok: false, ...control, endpoint, reason: timeoutReason };
            continue;
          }
          const latencyMs = Math.round(latency);
          if (placed !== undefined && !placed.ok) {
            const callReason = (call: SimulatedCall) =>
              outage?.kind === 'calls-out-of-sync'
                ? `${call.endpoint}: SIP 503 Service Unavailable`
                : `${call.endpoint}: timeout after ${call.answerWithinMs ?? 5000} ms`;
            const reason = placed.failed.map(callReason).join('; ');
            const callEndpoints = placed.failed.map((call) => call.endpoint).join(' ');
            yield { at, region, siteId, ok: false, latencyMs, ...control, endpoint: callEndpoints, reason };
            continue;
          }
          yield { at, region, siteId, ok: true, latencyMs, ...control };
        }
      }
    },
  };
}

/**
 * Places the real outages: one per `daysPerOutage` days (at least one), each inside its own equal
 * share of the period, an hour or more from its edges, so outages never touch one another.
 */
function placeOutages(
  siteId: string,
  start: number,
  end: number,
  noise: NoiseModel,
  kinds: typeof OUTAGE_KINDS,
  random: () => number,
): (OutageRow & { kind: OutageKind })[] {
  const count = Math.max(1, Math.round((end - start) / DAY_MS / noise.daysPerOutage));
  const slot = (end - start) / count;
  const outages: (OutageRow & { kind: OutageKind })[] = [];
  for (let index = 0; index < count; index++) {
    const { kind, minutes } = kinds[index % kinds.length];
    const duration = Math.min(minutes * MINUTE_MS, slot / 2);
    const margin = Math.min(HOUR_MS, (slot - duration) / 4);
    const earliest = start + index * slot + margin;
    const latest = start + (index + 1) * slot - margin - duration;
    const outageStart = Math.round(earliest + random() * (latest - earliest));
    outages.push({ siteId, start: outageStart, end: outageStart + Math.round(duration), kind });
  }
  return outages;
}

/** Which window of a sorted, non-overlapping list holds a time; times must come in order. */
class WindowCursor<W extends Window = Window> {
  private index = 0;

  constructor(private readonly windows: readonly W[]) {}

  active(at: number): W | undefined {
    while (this.index < this.windows.length && this.windows[this.index].end <= at) this.index++;
    const window = this.windows[this.index];
    return window !== undefined && window.start <= at ? window : undefined;
  }
}

/**
 * Writes the simulated trace as CSV through `write`, in chunks of a few thousand lines (a month is
 * tens of MB, which need never be one string).
 */
export function writeSimulatedTrace(simulation: Simulation, write: (chunk: string) => void): void {
  const layout = { calls: simulation.hasCalls };
  let chunk = traceHeader(layout);
  let lines = 0;
  for (const row of simulation.rows()) {
    chunk += formatTraceRow(row, layout);
    if (++lines % 5000 === 0) {
      write(chunk);
      chunk = '';
    }
  }
  if (chunk !== '') write(chunk);
}

/** The noise events active at some time in [from, to]: what a false trip in that span came from. */
export function noiseDuring(simulation: Pick<Simulation, 'noise'>, from: number, to: number): NoiseEvent[] {
  return simulation.noise.filter((event) => event.start <= to && event.end > from);
}
