/**
 * The decision's entry points over raw observations: the streaming tracker a replay feeds a month
 * through, and evaluateSiteHealth, the same tracker fed from the table by each probe run.
 */
import { ValidationError } from '../../contracts/errors';
import type { CallsVerdict, Observation, SiteHealthState, SiteHealthTransition } from '../../ports/detection';
import {
  absorbRounds,
  callVerdictLifetimeMs,
  type DecisionOptions,
  type DecisionSettings,
  settleWindowMs,
} from './decide-site-health';
import { judgeRound } from './judge-round';

/** The result of absorbing observations. */
export interface SiteHealthEvaluation {
  state: SiteHealthState;
  /** In event-time order; more than one only when a long stretch was absorbed at once. */
  transitions: SiteHealthTransition[];
  /** Observations at or after this were left for a later evaluation. */
  horizonMs: number;
}

/**
 * The streaming form: push observations one at a time in time order (a month of them for a
 * replay), O(1) work per observation. Observations sharing an `at` are held until a later `at`
 * (or `advanceTo`) closes their rounds, which are then judged and absorbed as one instant.
 * `evaluateSiteHealth`, which the probe runs, is this same tracker fed from the table.
 */
export class SiteHealthTracker {
  private current: SiteHealthState;
  private pendingAt: number | null = null;
  private pending = new Map<string, Observation[]>();

  constructor(
    initial: SiteHealthState,
    private readonly settings: DecisionSettings,
    private readonly options: DecisionOptions = {},
  ) {
    this.current = initial;
  }

  /** The state after every closed round (observations still pending are not in it yet). */
  get state(): SiteHealthState {
    return this.current;
  }

  /**
   * Adds one observation. Returns the transitions of the rounds it closed. Observations older
   * than `processedUpTo` were absorbed before and are ignored, so overlapping replays are harmless.
   * @throws ValidationError when the observation is of another site or goes back in time.
   */
  push(observation: Observation): SiteHealthTransition[] {
    if (observation.siteId !== this.current.siteId) {
      throw new ValidationError(
        `observation of site "${observation.siteId}" pushed into the tracker of site "${this.current.siteId}"`,
      );
    }
    if (this.current.processedUpTo !== null && observation.at < this.current.processedUpTo) {
      return [];
    }
    const transitions: SiteHealthTransition[] = [];
    if (this.pendingAt !== null && observation.at < this.pendingAt) {
      throw new ValidationError(
        `observations must come in time order: got ${observation.at} after ${this.pendingAt} (site "${observation.siteId}", region "${observation.region}")`,
      );
    }
    if (this.pendingAt !== null && observation.at > this.pendingAt) {
      transitions.push(...this.closePendingRounds());
    }
    this.pendingAt = observation.at;
    const round = this.pending.get(observation.region);
    if (round) round.push(observation);
    else this.pending.set(observation.region, [observation]);
    return transitions;
  }

  /**
   * Declares every observation before `horizonMs` delivered: closes pending rounds older than it
   * and moves `processedUpTo` there, so a later evaluation skips what this one saw.
   */
  advanceTo(horizonMs: number): SiteHealthTransition[] {
    const transitions =
      this.pendingAt !== null && this.pendingAt < horizonMs ? this.closePendingRounds() : [];
    if (this.pendingAt === null && (this.current.processedUpTo ?? -Infinity) < horizonMs) {
      this.current = { ...this.current, processedUpTo: horizonMs };
    }
    return transitions;
  }

  /** The region's latest test-call verdict while it may still stand for rounds without calls. */
  private carriedCalls(region: string, at: number): CallsVerdict | undefined {
    const lastCalls = this.current.regions[region]?.lastCalls;
    return lastCalls && at - lastCalls.at <= callVerdictLifetimeMs(this.options) ? lastCalls : undefined;
  }

  private closePendingRounds(): SiteHealthTransition[] {
    const at = this.pendingAt as number;
    const rounds = [...this.pending.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([region, observations]) => ({
        region,
        ...judgeRound(observations, this.carriedCalls(region, at)),
      }));
    const result = absorbRounds(this.current, at, rounds, this.settings, this.options);
    this.current = { ...result.state, processedUpTo: at + 1 };
    this.pending.clear();
    this.pendingAt = null;
    return result.transition ? [result.transition] : [];
  }
}

/**
 * Absorbs every observation (of all regions, of this one site) that `previous` has not seen and
 * that is older than `nowMs - settleMs`, and returns the new state with the transitions it found.
 * Observations outside that window are ignored, so callers may pass an overlapping read.
 */
export function evaluateSiteHealth(
  previous: SiteHealthState,
  observationsByRegion: Readonly<Record<string, readonly Observation[]>>,
  settings: DecisionSettings,
  nowMs: number,
  options: DecisionOptions = {},
): SiteHealthEvaluation {
  const horizonMs = nowMs - settleWindowMs(settings, options);
  const from = previous.processedUpTo ?? -Infinity;
  const observations = Object.values(observationsByRegion)
    .flat()
    .filter((o) => o.siteId === previous.siteId && o.at >= from && o.at < horizonMs)
    .sort(byTimeThenRegion);
  const tracker = new SiteHealthTracker(previous, settings, options);
  const transitions = observations.flatMap((o) => tracker.push(o));
  transitions.push(...tracker.advanceTo(horizonMs));
  return { state: tracker.state, transitions, horizonMs };
}

function byTimeThenRegion(a: Observation, b: Observation): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.region !== b.region) return a.region < b.region ? -1 : 1;
  return a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0;
}
