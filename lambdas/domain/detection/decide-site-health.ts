/**
 * The quorum decision: is a site down, and when is it up again? Pure and deterministic: the same
 * shared observations give the same answer in every region, in a test and in a month-long replay.
 *
 * The decision is a fold over probe rounds in event time (the time each round started), never over
 * the time a region happens to evaluate. That is what makes three regions, each folding the shared
 * observation table on its own, trip at the same round with the same `outageStartedAt` and hence
 * the same idempotency key:
 *
 * 1. **Round verdict.** A region's observations of a site with the same `at` form one round. The
 *    round fails when every SIP endpoint failed, or when every HTTP endpoint failed (each rule only
 *    when the site has endpoints of that kind). One dead SBC of two does not fail the round: the
 *    carrier already moves calls to its next route on 408/480/503/504 and transport errors, so the
 *    caller never notices, and forwarding every number away for it would be a false failover. A
 *    site whose every health URL fails is down even while its SBCs answer OPTIONS, because an SBC
 *    answers OPTIONS itself while the softswitch behind it is "out of sync" (incident 2022-08-12).
 *    A region also probes control targets outside every site (`detection.controlTargets`) each
 *    round; when every control target failed too, the fault is most likely the region's own network,
 *    so the round is an abstention: it neither fails nor passes, and it ends the region's failure run.
 *    Two regions losing their own networks at once then cannot outvote the third (a false failover
 *    the simulated month showed); a real outage leaves the control targets reachable.
 * 2. **Freshness.** A region counts only while its latest round is at most `freshnessMs`
 *    (3 × `probeIntervalSeconds` by default) older than the round being judged; a stale region
 *    votes neither down nor up. A gap longer than that also ends a failure run, so failures from
 *    before a probe outage are not glued to failures after it.
 * 3. **Trip.** A region votes down when its last `failuresToTrip` rounds failed. Rounds are
 *    absorbed instant by instant (all rounds starting at the same millisecond together, so region
 *    order never matters); the site trips at the first instant after which at least `quorum` fresh
 *    regions vote down.
 * 4. **Recovery.** A down site has a healthy quorum while at least `quorum` fresh regions' latest
 *    round passed and fewer than `quorum` vote down. It is declared up at the first instant that
 *    finds the healthy quorum unbroken for `recoveryHoldMinutes`; any instant that breaks it resets
 *    the hold. A trip and the next one are therefore at least a recovery hold apart.
 * 5. **Outage identity.** `outageStartedAt` is the earliest start among the failure runs of the
 *    regions that voted the trip. The idempotency key is the site id plus that time.
 *
 * Determinism needs every region to fold the same rounds: evaluation only absorbs rounds older than
 * `settleMs` (probe timeout plus write and replication time) so that no region judges a moment
 * another region is still writing. A round written later than that is a late arrival the regions
 * may disagree on; the orchestrator's per-site conditional write is the backstop.
 */
import type { DetectionSettings, SipEndpoint } from '../../contracts/config/schema';
import { ValidationError } from '../../contracts/errors';
import type { Observation } from '../../ports/detection';

/** How much older than the judged round a region's latest round may be, by default, in intervals. */
const FRESHNESS_INTERVALS = 3;

/** Extra time, besides the probe timeout, a round may take to be written and replicated. */
const WRITE_AND_REPLICATION_MARGIN_MS = 3000;

/** What one region last saw of a site. */
export interface RegionHealth {
  /** Start (epoch ms) of the latest round absorbed from this region. */
  lastRoundAt: number;
  lastRoundOk: boolean;
  /** The latest round was an abstention (every control target failed too): no vote either way. */
  abstaining?: boolean;
  /** Failed rounds in a row, ending with the latest. 0 when the latest passed. */
  consecutiveFailures: number;
  /** Start of the first failed round of the current failure run, or null when the latest passed. */
  failureRunStartedAt: number | null;
  /** Why the latest round passed or failed, for alerts. */
  lastReason: string | null;
}

/** The outage a down site is in. */
export interface OutageRecord {
  startedAt: number;
  trippedAt: number;
  /** Regions that voted the trip, sorted. */
  regions: string[];
  idempotencyKey: string;
}

/**
 * Everything the decision remembers about one site, JSON-serialisable so it can be stored per site
 * (and per deciding region) between probe runs and resumed by a replay.
 */
export interface SiteHealthState {
  siteId: string;
  status: 'up' | 'down';
  /** Every observation with `at` below this (epoch ms) has been absorbed; null before the first. */
  processedUpTo: number | null;
  /** Keyed by region name. */
  regions: Record<string, RegionHealth>;
  /** Set while the site is down. */
  outage: OutageRecord | null;
  /** While down: since when (round start) the healthy quorum has held unbroken. */
  healthySince: number | null;
}

/** The site was declared down. */
export interface SiteTrip {
  kind: 'tripped';
  siteId: string;
  /** Start of the round whose verdict completed the quorum. */
  at: number;
  /** Earliest start of the voting regions' failure runs. */
  outageStartedAt: number;
  /** Same in every region for the same outage: use it to open exactly one incident. */
  idempotencyKey: string;
  /** Regions that voted the site down, sorted. */
  regions: string[];
  /** Why each voting region's latest round failed. */
  reasons: Record<string, string>;
}

/** A down site was declared up again after the recovery hold. */
export interface SiteRecovery {
  kind: 'recovered';
  siteId: string;
  /** Start of the round that completed the recovery hold. */
  at: number;
  outageStartedAt: number;
  idempotencyKey: string;
  /** Regions whose latest round passed, sorted. */
  regions: string[];
}

/** A change of a site's status. */
export type SiteHealthTransition = SiteTrip | SiteRecovery;

/** Knobs of the decision that are not in the config; the defaults suit the deployed probe. */
export interface DecisionOptions {
  /**
   * How much older than the judged round a region's latest round may be and still count.
   * @default 3 × probeIntervalSeconds
   */
  freshnessMs?: number;
  /**
   * How long after a round starts before evaluation absorbs it, so every region has written it.
   * @default probeTimeoutMs + 3 s
   */
  settleMs?: number;
}

/** The detection settings the decision reads. */
export type DecisionSettings = Pick<
  DetectionSettings,
  'probeIntervalSeconds' | 'failuresToTrip' | 'quorum' | 'recoveryHoldMinutes' | 'probeTimeoutMs'
>;

/** The verdict of one region's probe round of one site. */
export interface RoundVerdict {
  ok: boolean;
  /** Every control target failed too: the region cannot tell, so it votes neither way. */
  abstain?: boolean;
  /** The failing endpoints and why, or the healthy summary. */
  reason: string;
}

/** One region's probe round, already judged (its start time is the instant it is absorbed at). */
export interface JudgedRound extends RoundVerdict {
  region: string;
}

/** The result of absorbing observations. */
export interface SiteHealthEvaluation {
  state: SiteHealthState;
  /** In event-time order; more than one only when a long stretch was absorbed at once. */
  transitions: SiteHealthTransition[];
  /** Observations at or after this were left for a later evaluation. */
  horizonMs: number;
}

/** The state of a site nobody has judged yet: up, no history. */
export function initialSiteHealthState(siteId: string): SiteHealthState {
  return { siteId, status: 'up', processedUpTo: null, regions: {}, outage: null, healthySince: null };
}

/** The observation endpoint id of a SIP endpoint, e.g. `sip:udp:sbc1.example.net:5060`. */
export function sipEndpointId(endpoint: Pick<SipEndpoint, 'transport' | 'host' | 'port'>): string {
  return `sip:${endpoint.transport}:${endpoint.host}:${endpoint.port}`;
}

/** Prefix of the observation endpoint id of a control target, e.g. `control:https://example.org/`. */
export const CONTROL_ENDPOINT_PREFIX = 'control:';

/** The observation endpoint id of a control target. */
export function controlEndpointId(url: string): string {
  return `${CONTROL_ENDPOINT_PREFIX}${url}`;
}

/**
 * Which rule of the round verdict an endpoint id falls under. HTTP endpoints are ids by their URL;
 * control targets are not the site's endpoints at all (see judgeRound).
 */
export function endpointKind(endpointId: string): 'sip' | 'http' | 'control' {
  if (endpointId.startsWith('sip:')) return 'sip';
  return endpointId.startsWith(CONTROL_ENDPOINT_PREFIX) ? 'control' : 'http';
}

/** The idempotency key of an outage: the same in every region that derives it. */
export function outageKey(siteId: string, outageStartedAt: number): string {
  return `${siteId}@${new Date(outageStartedAt).toISOString()}`;
}

/** How much older than the judged round a region's latest round may be and still count. */
export function freshnessWindowMs(settings: DecisionSettings, options: DecisionOptions = {}): number {
  return options.freshnessMs ?? FRESHNESS_INTERVALS * settings.probeIntervalSeconds * 1000;
}

/** How long after a round starts before evaluation absorbs it. */
export function settleWindowMs(settings: DecisionSettings, options: DecisionOptions = {}): number {
  return options.settleMs ?? settings.probeTimeoutMs + WRITE_AND_REPLICATION_MARGIN_MS;
}

/**
 * Collapses one region's observations of one round into a verdict: the round fails when every SIP
 * endpoint failed or every HTTP endpoint failed (see the module comment for why not "any"), and is
 * an abstention when it failed while every control target failed too.
 */
export function judgeRound(observations: readonly Observation[]): RoundVerdict {
  const sip: Observation[] = [];
  const http: Observation[] = [];
  const control: Observation[] = [];
  for (const observation of observations) {
    const kind = endpointKind(observation.endpoint);
    (kind === 'sip' ? sip : kind === 'http' ? http : control).push(observation);
  }
  const site = [...sip, ...http];
  const allFailed = (group: readonly Observation[]) => group.length > 0 && group.every((o) => !o.ok);
  const failing = site.filter((o) => !o.ok);
  const describe = (group: readonly Observation[]) =>
    group.map((o) => `${o.endpoint}: ${o.reason ?? (o.ok ? 'ok' : 'failed')}`).join('; ');
  if (allFailed(sip) || allFailed(http) || site.length === 0) {
    const reason = site.length === 0 ? 'no endpoint probed' : describe(failing);
    if (allFailed(control)) {
      return { ok: false, abstain: true, reason: `abstains, every control target failed too: ${reason}` };
    }
    return { ok: false, reason };
  }
  return {
    ok: true,
    reason: failing.length === 0 ? 'all endpoints healthy' : `degraded: ${describe(failing)}`,
  };
}

/**
 * Folds the judged rounds that started at one instant (one per region at most) into the state and
 * then decides once: the single step every other entry point goes through. Deciding after the
 * whole instant, not after each region, keeps the outcome independent of the regions' order.
 * Instants must come in time order. `processedUpTo` is the caller's to move (the tracker does).
 */
export function absorbRounds(
  state: SiteHealthState,
  at: number,
  rounds: readonly JudgedRound[],
  settings: DecisionSettings,
  options: DecisionOptions = {},
): { state: SiteHealthState; transition?: SiteHealthTransition } {
  const freshnessMs = freshnessWindowMs(settings, options);
  const regions = { ...state.regions };
  for (const round of rounds) {
    regions[round.region] = nextRegionHealth(regions[round.region], at, round, freshnessMs);
  }
  const votes = countVotes(regions, at, settings.failuresToTrip, freshnessMs);

  if (state.status === 'up') {
    if (votes.down.length < settings.quorum) {
      return { state: { ...state, regions } };
    }
    const outageStartedAt = Math.min(...votes.down.map((r) => regions[r].failureRunStartedAt ?? at));
    const idempotencyKey = outageKey(state.siteId, outageStartedAt);
    const trip: SiteTrip = {
      kind: 'tripped',
      siteId: state.siteId,
      at,
      outageStartedAt,
      idempotencyKey,
      regions: votes.down,
      reasons: Object.fromEntries(votes.down.map((r) => [r, regions[r].lastReason ?? 'failed'])),
    };
    const outage: OutageRecord = {
      startedAt: outageStartedAt,
      trippedAt: at,
      regions: votes.down,
      idempotencyKey,
    };
    return { state: { ...state, regions, status: 'down', outage, healthySince: null }, transition: trip };
  }

  const healthyQuorum = votes.up.length >= settings.quorum && votes.down.length < settings.quorum;
  if (!healthyQuorum) {
    return { state: { ...state, regions, healthySince: null } };
  }
  const healthySince = state.healthySince ?? at;
  if (at - healthySince < settings.recoveryHoldMinutes * 60_000 || state.outage === null) {
    return { state: { ...state, regions, healthySince } };
  }
  const recovery: SiteRecovery = {
    kind: 'recovered',
    siteId: state.siteId,
    at,
    outageStartedAt: state.outage.startedAt,
    idempotencyKey: state.outage.idempotencyKey,
    regions: votes.up,
  };
  return {
    state: { ...state, regions, status: 'up', outage: null, healthySince: null },
    transition: recovery,
  };
}

function nextRegionHealth(
  previous: RegionHealth | undefined,
  at: number,
  round: RoundVerdict,
  freshnessMs: number,
): RegionHealth {
  if (round.ok || round.abstain) {
    // An abstention ends a failure run like a pass does: failures on either side of a moment the
    // region could not see the site are not known to be one run.
    return {
      lastRoundAt: at,
      lastRoundOk: round.ok,
      ...(round.abstain ? { abstaining: true } : {}),
      consecutiveFailures: 0,
      failureRunStartedAt: null,
      lastReason: round.reason,
    };
  }
  const runContinues =
    previous !== undefined &&
    !previous.lastRoundOk &&
    previous.abstaining !== true &&
    at - previous.lastRoundAt <= freshnessMs;
  return {
    lastRoundAt: at,
    lastRoundOk: false,
    consecutiveFailures: runContinues ? previous.consecutiveFailures + 1 : 1,
    failureRunStartedAt: runContinues ? previous.failureRunStartedAt : at,
    lastReason: round.reason,
  };
}

function countVotes(
  regions: Record<string, RegionHealth>,
  at: number,
  failuresToTrip: number,
  freshnessMs: number,
): { down: string[]; up: string[] } {
  const down: string[] = [];
  const up: string[] = [];
  for (const name of Object.keys(regions).sort()) {
    const health = regions[name];
    if (at - health.lastRoundAt > freshnessMs || health.abstaining === true) continue;
    if (health.lastRoundOk) up.push(name);
    else if (health.consecutiveFailures >= failuresToTrip) down.push(name);
  }
  return { down, up };
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

  private closePendingRounds(): SiteHealthTransition[] {
    const at = this.pendingAt as number;
    const rounds = [...this.pending.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([region, observations]) => ({ region, ...judgeRound(observations) }));
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
