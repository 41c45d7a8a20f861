/**
 * Replays a probe trace through the quorum decision the probe function runs
 * (lambdas/domain/detection/decide-site-health.ts), with no second implementation of it.
 *
 * How a trace meets the decision: each line is one region's probe round of one site, so it becomes
 * one observation with the endpoint `trace` whose `ok` is the line's; judgeRound's verdict of that
 * round is then the line's `ok` (a round of one endpoint fails exactly when that endpoint failed).
 * A line with a `control` verdict adds one control observation (`control:trace`) with that `ok`, so
 * judgeRound turns a failed round whose control failed too into the region's abstention, as live.
 * Lines starting at the same millisecond form one instant, as in SiteHealthTracker, and each
 * instant goes through absorbRounds, the single step the tracker (and so evaluateSiteHealth, and so
 * the probe) folds every instant with. Grouping once here instead of pushing through a tracker on
 * every replay lets the sweep replay the same prepared trace hundreds of times; a property test
 * (test/replay/replay-trace.test.ts) holds the two paths equal, trip for trip.
 *
 * The settle window plays no part: it only says when the live probe may judge a round, and a replay
 * judges a finished past. Freshness does (three intervals by default), so the interval must be the
 * trace's.
 */
import { controlEndpointId } from '../../../lambdas/contracts/endpoint-ids';
import {
  absorbRounds,
  type DecisionOptions,
  type DecisionSettings,
  initialSiteHealthState,
} from '../../../lambdas/domain/detection/decide-site-health';
import { type JudgedRound, judgeRound } from '../../../lambdas/domain/detection/judge-round';
import type { Observation, SiteHealthState } from '../../../lambdas/ports/detection';
import type { TraceObservation } from './trace-format';

/** The endpoint id every trace observation gets: one endpoint, so the round verdict is the line's `ok`. */
export const TRACE_ENDPOINT = 'trace';

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
 * instants the decision folds. Each distinct (region, ok) is judged once by judgeRound and shared,
 * judgeRound being pure.
 */
export function prepareTrace(observations: readonly TraceObservation[]): PreparedTrace {
  const sites = new Map<string, PreparedSite>();
  const regions = new Set<string>();
  const judged = new Map<string, readonly JudgedRound[]>();
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
    const round = judgedRound(judged, observation);
    const last = site.instants.length - 1;
    if (last >= 0 && site.instants[last] === observation.at) {
      site.rounds[last] = [...site.rounds[last], ...round];
    } else {
      site.instants.push(observation.at);
      site.rounds.push(round);
    }
    if (gaps.length < INTERVAL_SAMPLE) {
      const key = `${observation.siteId}\u0000${observation.region}`;
      const previous = lastAt.get(key);
      if (previous !== undefined) gaps.push(observation.at - previous);
      lastAt.set(key, observation.at);
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
  };
}

/**
 * Folds every site's instants through absorbRounds from the state of a site nobody has judged
 * (up, no history) and pairs each trip with the recovery that ends it.
 */
export function replayTrace(
  trace: PreparedTrace,
  settings: DecisionSettings,
  options: { decision?: DecisionOptions; observer?: ReplayObserver } = {},
): ReplayResult {
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
): readonly JudgedRound[] {
  const key = `${observation.region}\u0000${observation.ok ? 1 : 0}\u0000${observation.control ?? ''}`;
  let round = cache.get(key);
  if (round === undefined) {
    round = Object.freeze([{ region: observation.region, ...judgeRound(toObservations(observation)) }]);
    cache.set(key, round);
  }
  return round;
}

/**
 * A trace line as the probe would have stored its round (for feeding a SiteHealthTracker): the
 * site's observation, and the control observation when the line has a control verdict.
 */
export function toObservations(observation: TraceObservation): Observation[] {
  const round = { siteId: observation.siteId, region: observation.region, at: observation.at };
  const site: Observation = {
    ...round,
    ok: observation.ok,
    endpoint: TRACE_ENDPOINT,
    ...(observation.latencyMs !== undefined ? { latencyMs: observation.latencyMs } : {}),
  };
  if (observation.control === undefined) return [site];
  return [site, { ...round, ok: observation.control, endpoint: controlEndpointId(TRACE_ENDPOINT) }];
}
