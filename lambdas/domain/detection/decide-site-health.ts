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
 *    For the same reason the round fails when every test call through the site failed (an INVITE
 *    to a test number: the only probe that sees calls failing behind a healthy SBC and portal).
 *    Test calls may be placed every few rounds; a round between them carries the region's latest
 *    call verdict: a failing one keeps the region failing (no healthy vote, so no recovery) without
 *    lengthening its failure run, so one failed call never counts as `failuresToTrip` failures.
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
import { MAX_CALL_INTERVAL_SECONDS } from '../../contracts/config/config-constants';
import type { DetectionSettings } from '../../contracts/config/schema';
import type {
  OutageRecord,
  RegionHealth,
  SiteHealthState,
  SiteHealthTransition,
  SiteRecovery,
  SiteTrip,
} from '../../ports/detection';
import type { JudgedRound, RoundVerdict } from './judge-round';

/** How much older than the judged round a region's latest round may be, by default, in intervals. */
const FRESHNESS_INTERVALS = 3;

/** Extra time, besides the probe timeout, a round may take to be written and replicated. */
const WRITE_AND_REPLICATION_MARGIN_MS = 3000;

/** Knobs of the decision that are not in the config; the defaults suit the deployed probe. */
export interface DecisionOptions {
  /**
   * How much older than the judged round a region's latest round may be and still count.
   * @default 3 × probeIntervalSeconds
   */
  freshnessMs?: number;
  /**
   * How long after a round starts before evaluation absorbs it, so every region has written it.
   * @default longestProbeMs + 3 s
   */
  settleMs?: number;
  /**
   * The longest a round's probes take (test calls may outlast the probe timeout; see
   * contracts/config/round-duration.ts). @default probeTimeoutMs
   */
  longestProbeMs?: number;
  /**
   * How long a region's latest test-call verdict is carried into its rounds without calls; beyond
   * that (calls no longer placed) it is dropped.
   * @default twice the longest call interval the config allows
   */
  callVerdictLifetimeMs?: number;
}

/** How long a region's latest test-call verdict is carried into its rounds without calls. */
export function callVerdictLifetimeMs(options: DecisionOptions = {}): number {
  return options.callVerdictLifetimeMs ?? 2 * MAX_CALL_INTERVAL_SECONDS * 1000;
}

/** The detection settings the decision reads. */
export type DecisionSettings = Pick<
  DetectionSettings,
  'probeIntervalSeconds' | 'failuresToTrip' | 'quorum' | 'recoveryHoldMinutes' | 'probeTimeoutMs'
>;

/** The state of a site nobody has judged yet: up, no history. */
export function initialSiteHealthState(siteId: string): SiteHealthState {
  return { siteId, status: 'up', processedUpTo: null, regions: {}, outage: null, healthySince: null };
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
  return (
    options.settleMs ?? (options.longestProbeMs ?? settings.probeTimeoutMs) + WRITE_AND_REPLICATION_MARGIN_MS
  );
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

/** The region's latest test-call verdict after this round: its own calls, else the carried one. */
function lastCallsAfter(previous: RegionHealth | undefined, at: number, round: RoundVerdict) {
  const lastCalls = round.calls ? { at, ...round.calls } : previous?.lastCalls;
  return lastCalls ? { lastCalls } : {};
}

function nextRegionHealth(
  previous: RegionHealth | undefined,
  at: number,
  round: RoundVerdict,
  freshnessMs: number,
): RegionHealth {
  const calls = lastCallsAfter(previous, at, round);
  if (round.carried && !round.abstain) {
    // Failing only by the last calls: still failing, the run neither grows nor restarts.
    const runContinues =
      previous !== undefined &&
      previous.failureRunStartedAt !== null &&
      at - previous.lastRoundAt <= freshnessMs;
    return {
      lastRoundAt: at,
      lastRoundOk: false,
      consecutiveFailures: runContinues ? previous.consecutiveFailures : 0,
      failureRunStartedAt: runContinues ? previous.failureRunStartedAt : null,
      lastReason: round.reason,
      ...calls,
    };
  }
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
      ...calls,
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
    ...calls,
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
