/**
 * Replays a probe trace through the quorum decision the probe function runs
 * (lambdas/domain/detection/decide-site-health.ts), with no second implementation of it.
 *
 * How a trace meets the decision: each line is one region's probe round of one site, so it becomes
 * one observation with the endpoint `trace` whose `ok` is the line's; judgeRound's verdict of that
 * round is then the line's `ok` (a round of one endpoint fails exactly when that endpoint failed).
 * A line with a `control` verdict adds one control observation (`control:trace`) with that `ok`, so
 * judgeRound turns a failed round whose control failed too into the region's abstention, as live.
 * A line with a `calls` verdict adds one test-call observation (`call:trace`) with that `ok`. A line
 * without one is judged with the region's latest call verdict of the site, carried while younger
 * than callVerdictLifetimeMs, exactly as SiteHealthTracker does: the latest calls depend only on the
 * earlier lines, not on the settings, so prepareTrace carries them once, in time order.
 * Lines starting at the same millisecond form one instant, as in SiteHealthTracker, and each
 * instant goes through absorbRounds, the single step the tracker (and so evaluateSiteHealth, and so
 * the probe) folds every instant with. Grouping once here instead of pushing through a tracker on
 * every replay lets the sweep replay the same prepared trace hundreds of times; a property test
 * (test/operator/replay/replay-trace.test.ts) holds the two paths equal, trip for trip.
 *
 * The settle window plays no part: it only says when the live probe may judge a round, and a replay
 * judges a finished past. Freshness does (three intervals by default), so the interval must be the
 * trace's.
 */
import { controlEndpointId, TEST_CALL_ENDPOINT_PREFIX } from '../../../lambdas/contracts/endpoint-ids';
import { ValidationError } from '../../../lambdas/contracts/errors';
import {
  absorbRounds,
  callVerdictLifetimeMs,
  type DecisionOptions,
  type DecisionSettings,
  initialSiteHealthState,
} from '../../../lambdas/domain/detection/decide-site-health';
import { type JudgedRound, judgeRound } from '../../../lambdas/domain/detection/judge-round';
import type { CallsVerdict, Observation, SiteHealthState } from '../../../lambdas/ports/detection';
import type { TraceObservation } from './trace-format';

/** The endpoint id every trace observation gets: one endpoint, so the round verdict is the line's `ok`. */
export const TRACE_ENDPOINT = 'trace';
/** The endpoint id of a line's test calls: one call, so the calls' verdict is the line's `calls`. */
export const TRACE_CALL_ENDPOINT = `${TEST_CALL_ENDPOINT_PREFIX}${TRACE_ENDPOINT}`;

/** Rounds sampled to estimate the trace's probe interval. */
const INTERVAL_SAMPLE = 5000;

/** One site's rounds, grouped into instants, ready to fold. */
export interface PreparedSite {
  siteId: string;
  /** Start of each instant (epoch ms), ascending. */
  instants: number[];
  /** The judged rounds of each instant, one per region that probed then, sorted by region. */
  rounds: (readonly JudgedRound[])[];
}

/** A trace prepared once and replayed under any number of settings. */
export interface PreparedTrace {
  sites: PreparedSite[];
  /** Every region in the trace, sorted. */
  regions: string[];
  /** Lines (rounds) in the trace. */
  observations: number;
  /** First and last round start (epoch ms). */
  from: number;
  to: number;
  /**
   * The median time between a region's consecutive rounds of a site, from a sample: the trace's
   * probe interval, to check the settings against. Undefined when no region has two rounds.
   */
  typicalIntervalMs?: number;
  /** How long call verdicts were carried (from the decision options given to prepareTrace). */
  callVerdictLifetimeMs: number;
}

/** A trip the replay found, with the recovery that ended it. */
export interface ReplayTrip {
  siteId: string;
  /** Epoch ms of the instant the quorum completed. */
  trippedAt: number;
  /** Epoch ms of the instant the recovery hold completed; null when the trace ends with the site down. */
  recoveredAt: number | null;
  /** Regions that voted the trip, sorted. */
  regions: string[];
  /** Earliest start of the voting regions' failure runs (the outage identity). */
  outageStartedAt: number;
}

/**
 * Lets a caller follow a replay and stop it early (the sweep stops a setting at its first false
 * trip or missed outage). Every method returns false to stop.
 */
export interface ReplayObserver {
  /** Per site, ascending times the observer wants to hear about once the replay is past them. */
  deadlines?: ReadonlyMap<string, readonly number[]>;
  /** The replay of `siteId` reached an instant later than `time` (or the end of the site's rounds). */
  passed?(siteId: string, time: number, trips: readonly ReplayTrip[]): boolean;
  /** A trip was found (`recoveredAt` null) or its recovery was (the same object, now completed). */
  transition?(trip: ReplayTrip): boolean;
}

/** What a replay found. */
export interface ReplayResult {
  /** Every trip, by site, then in time order. */
  trips: ReplayTrip[];
  /** True when an observer stopped the replay; `trips` is then partial. */
  stopped: boolean;
}

/**
 * Groups a sorted trace (as TraceParser returns it: by time, then site, then region) into the
 * instants the decision folds. Each distinct (region, ok, control, calls, carried call verdict) is
 * judged once by judgeRound and shared, judgeRound being pure. `decision` gives the lifetime of a
 * carried call verdict; replay with the same options.
 */
export function prepareTrace(
  observations: readonly TraceObservation[],
  decision: DecisionOptions = {},
): PreparedTrace {
  const lifetimeMs = callVerdictLifetimeMs(decision);
  const sites = new Map<string, PreparedSite>();
  const regions = new Set<string>();
  const judged = new Map<string, readonly JudgedRound[]>();
  const lastCalls = new Map<string, CallsVerdict>();
  const lastAt = new Map<string, number>();
  const gaps: number[] = [];
  for (let index = 0; index < observations.length; index++) {
    const observation = observations[index];
    let site = sites.get(observation.siteId);
    if (site === undefined) {
      site = { siteId: observation.siteId, instants: [], rounds: [] };
      sites.set(observation.siteId, site);
    }
    regions.add(observation.region);
    const siteRegion = `${observation.siteId}\u0000${observation.region}`;
    const latest = observation.calls === undefined ? lastCalls.get(siteRegion) : undefined;
    // As SiteHealthTracker: a verdict too old is dropped, a passing one changes nothing.
    const carried =
      latest !== undefined && !latest.ok && observation.at - latest.at <= lifetimeMs ? latest : undefined;
    const round = judgedRound(judged, observation, carried);
    const { calls } = round[0];
    if (calls !== undefined) lastCalls.set(siteRegion, { at: observation.at, ...calls });
    const last = site.instants.length - 1;
    if (last >= 0 && site.instants[last] === observation.at) {
      site.rounds[last] = [...site.rounds[last], ...round];
    } else {
      site.instants.push(observation.at);
      site.rounds.push(round);
    }
    if (gaps.length < INTERVAL_SAMPLE) {
      const previous = lastAt.get(siteRegion);
      if (previous !== undefined) gaps.push(observation.at - previous);
      lastAt.set(siteRegion, observation.at);
    }
  }
  gaps.sort((a, b) => a - b);
  return {
    sites: [...sites.values()].sort((a, b) => (a.siteId < b.siteId ? -1 : a.siteId > b.siteId ? 1 : 0)),
    regions: [...regions].sort(),
    observations: observations.length,
    from: observations.length > 0 ? observations[0].at : 0,
    to: observations.length > 0 ? observations[observations.length - 1].at : 0,
    ...(gaps.length > 0 ? { typicalIntervalMs: gaps[Math.floor(gaps.length / 2)] } : {}),
    callVerdictLifetimeMs: lifetimeMs,
  };
}

/**
 * Folds every site's instants through absorbRounds from the state of a site nobody has judged
 * (up, no history) and pairs each trip with the recovery that ends it.
 * @throws ValidationError when `decision` carries call verdicts longer or shorter than the trace was prepared with.
 */
export function replayTrace(
  trace: PreparedTrace,
  settings: DecisionSettings,
  options: { decision?: DecisionOptions; observer?: ReplayObserver } = {},
): ReplayResult {
  const lifetimeMs = callVerdictLifetimeMs(options.decision);
  if (lifetimeMs !== trace.callVerdictLifetimeMs) {
    throw new ValidationError(
      `the trace was prepared carrying call verdicts ${trace.callVerdictLifetimeMs} ms but is replayed with callVerdictLifetimeMs ${lifetimeMs}: prepare it with the replay's decision options`,
    );
  }
  const trips: ReplayTrip[] = [];
  for (const site of trace.sites) {
    const stopped = replaySite(site, settings, options.decision ?? {}, options.observer, trips);
    if (stopped) return { trips, stopped: true };
  }
  return { trips, stopped: false };
}

function replaySite(
  site: PreparedSite,
  settings: DecisionSettings,
  decision: DecisionOptions,
  observer: ReplayObserver | undefined,
  allTrips: ReplayTrip[],
): boolean {
  const trips: ReplayTrip[] = [];
  const deadlines = observer?.deadlines?.get(site.siteId) ?? [];
  let nextDeadline = 0;
  let state: SiteHealthState = initialSiteHealthState(site.siteId);
  let open: ReplayTrip | null = null;
  const { instants, rounds } = site;
  let stopped = false;
  for (let index = 0; index < instants.length && !stopped; index++) {
    const at = instants[index];
    while (nextDeadline < deadlines.length && deadlines[nextDeadline] < at && !stopped) {
      stopped = observer?.passed?.(site.siteId, deadlines[nextDeadline], trips) === false;
      nextDeadline++;
    }
    if (stopped) break;
    const result = absorbRounds(state, at, rounds[index], settings, decision);
    state = result.state;
    const transition = result.transition;
    if (transition === undefined) continue;
    if (transition.kind === 'tripped') {
      open = {
        siteId: site.siteId,
        trippedAt: transition.at,
        recoveredAt: null,
        regions: transition.regions,
        outageStartedAt: transition.outageStartedAt,
      };
      trips.push(open);
      stopped = observer?.transition?.(open) === false;
    } else if (open !== null) {
      open.recoveredAt = transition.at;
      stopped = observer?.transition?.(open) === false;
      open = null;
    }
  }
  while (!stopped && nextDeadline < deadlines.length) {
    stopped = observer?.passed?.(site.siteId, deadlines[nextDeadline], trips) === false;
    nextDeadline++;
  }
  allTrips.push(...trips);
  return stopped;
}

function judgedRound(
  cache: Map<string, readonly JudgedRound[]>,
  observation: TraceObservation,
  carried: CallsVerdict | undefined,
): readonly JudgedRound[] {
  // The carried verdict's time is in the round's reason, so it is part of the key.
  const carriedKey = carried === undefined ? '' : `${carried.at}\u0000${carried.reason}`;
  const key = `${observation.region}\u0000${observation.ok ? 1 : 0}\u0000${observation.control ?? ''}\u0000${observation.calls ?? ''}\u0000${carriedKey}`;
  let round = cache.get(key);
  if (round === undefined) {
    const verdict = judgeRound(toObservations(observation), carried);
    round = Object.freeze([{ region: observation.region, ...verdict }]);
    cache.set(key, round);
  }
  return round;
}

/**
 * A trace line as the probe would have stored its round (for feeding a SiteHealthTracker): the
 * site's observation, the control observation when the line has a control verdict, and the test
 * call's when it has a calls verdict.
 */
export function toObservations(observation: TraceObservation): Observation[] {
  const round = { siteId: observation.siteId, region: observation.region, at: observation.at };
  const site: Observation = {
    ...round,
    ok: observation.ok,
    endpoint: TRACE_ENDPOINT,
    ...(observation.latencyMs !== undefined ? { latencyMs: observation.latencyMs } : {}),
  };
  const observations = [site];
  if (observation.control !== undefined) {
    observations.push({ ...round, ok: observation.control, endpoint: controlEndpointId(TRACE_ENDPOINT) });
  }
  if (observation.calls !== undefined) {
    observations.push({ ...round, ok: observation.calls, endpoint: TRACE_CALL_ENDPOINT });
  }
  return observations;
}
