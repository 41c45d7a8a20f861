/**
 * The domain side of one probe invocation in one watchdog region: probe every site every
 * `probeIntervalSeconds` until a deadline, record the observations in the shared table, fold every
 * region's observations into this region's copy of each site's health, and announce each trip
 * (and recovery) once.
 *
 * Every region runs this on its own; none waits for another. They agree because the decision is a
 * deterministic fold over the shared observations (see decide-site-health.ts), so each region that
 * trips reports the same idempotency key, and the orchestrator opens one incident for all of them.
 */

import { longestProbeMs } from '../../contracts/config/round-duration';
import type { DetectionSettings, Site } from '../../contracts/config/schema';
import {
  ConcurrentModificationError,
  isReplicationError,
  ReplicatedWriteConflictError,
  type ReplicationError,
} from '../../contracts/errors';
import type { Clock, Random } from '../../ports/clock';
import type {
  Observation,
  ObservationStore,
  PendingAnnouncement,
  ProbeSiteFn,
  SiteHealthState,
  SiteHealthStore,
  SiteHealthTransition,
  SiteRecovery,
  SiteTrip,
} from '../../ports/detection';
import {
  type DecisionOptions,
  freshnessWindowMs,
  initialSiteHealthState,
  settleWindowMs,
} from './decide-site-health';
import { evaluateSiteHealth } from './site-health-tracker';

/** Times a region re-reads and re-decides a site when a concurrent run of its own wrote first. */
const MAX_DECISION_ATTEMPTS = 3;

/**
 * Tries of one read-decide-write of a site when the strongly consistent table reports a replicated
 * write conflict (retry-safe: nothing was written), and the first backoff ceiling between them. Full
 * jitter, doubling: at most 50 + 100 ms of waiting, small against a 10 s probe interval.
 */
export const REPLICATION_CONFLICT_ATTEMPTS = 3;
const REPLICATION_CONFLICT_BASE_DELAY_MS = 50;

/** What a probe cycle needs, wired by the handler (Lambda), the drill or a test. */
export interface ProbeCycleDependencies {
  sites: readonly Site[];
  probeSite: ProbeSiteFn;
  observations: ObservationStore;
  siteHealth: SiteHealthStore;
  clock: Clock;
  settings: DetectionSettings;
  /** Every watchdog region, this one included: whose observations are read. */
  regions: readonly string[];
  /** This region: where probes run and whose decision state is kept. */
  region: string;
  /** Called once per trip this region decides (other regions call theirs with the same key). */
  onTrip(trip: SiteTrip, site: Site): Promise<void>;
  /** Called once per recovery this region decides. */
  onRecovered?(recovery: SiteRecovery, site: Site): Promise<void>;
  /** Decision knobs (freshness, settle time); defaults suit the deployed probe. */
  decision?: DecisionOptions;
  /**
   * The longest a round may take, test calls and their teardown included.
   * @default longestProbeMs of the sites (contracts/config/round-duration.ts)
   */
  roundMs?: number;
  /** Jitter of the replicated-write-conflict backoff, in [0, 1). @default Math.random */
  random?: Random;
}

/**
 * Why a site's round was an abstention of this region: its replica of the strongly consistent table
 * could not reach the other replicas (isolated, or outvoted by another region's writes of the same
 * item every time it tried), so it recorded no decision and announced nothing. Like a round whose
 * control targets all failed, it neither passes nor fails the site; unlike one, not even this
 * region's decision state moved, so the next round takes up where the last stored one left off.
 */
export interface ReplicationAbstention {
  /** `conflict`: replicated write conflicts outlasted the retries; `isolated`: no quorum reachable. */
  kind: 'conflict' | 'isolated';
  /** The typed error, for the log line. */
  error: ReplicationError;
}

/** What happened to one site in one round. */
export interface SiteRoundOutcome {
  siteId: string;
  observations: Observation[];
  /** Status after the round, as this region decided it; undefined when the decision failed. */
  status?: SiteHealthState['status'];
  transitions: SiteHealthTransition[];
  /** Probing, recording, deciding or announcing failed; the next round tries again. */
  error?: unknown;
  /** This region abstained from the site's round: its replica could not reach the others. */
  abstention?: ReplicationAbstention;
}

/** One round over every site. */
export interface ProbeRoundReport {
  at: number;
  sites: SiteRoundOutcome[];
}

/** Runs probe rounds in one region; see the module comment. */
export class ProbeCycle {
  /** The longest a round takes, test calls included. */
  private readonly roundMs: number;
  /** The decision's knobs, its settle window covering the longest round. */
  private readonly decision: DecisionOptions;

  constructor(private readonly deps: ProbeCycleDependencies) {
    this.roundMs = deps.roundMs ?? longestProbeMs(deps.settings, deps.sites);
    this.decision = { longestProbeMs: this.roundMs, ...deps.decision };
  }

  /**
   * Runs rounds on probe-interval boundaries until the next one could not finish (its longest
   * probe, a test call's answer window and teardown included) before `deadlineMs`, typically the end of the minute this invocation covers.
   */
  async run(deadlineMs: number): Promise<ProbeRoundReport[]> {
    const { clock, settings } = this.deps;
    const intervalMs = settings.probeIntervalSeconds * 1000;
    const reports: ProbeRoundReport[] = [];
    for (;;) {
      const startedAt = clock.now();
      if (startedAt + this.roundMs > deadlineMs) return reports;
      reports.push(await this.runRound());
      // Boundaries, not "interval after the last round", so the regions' rounds stay near each other.
      const next = (Math.floor(startedAt / intervalMs) + 1) * intervalMs;
      if (next + this.roundMs > deadlineMs) return reports;
      const wait = next - clock.now();
      if (wait > 0) await clock.sleep(wait);
    }
  }

  /** Probes every site once (in parallel), records the observations, then decides each site. */
  async runRound(): Promise<ProbeRoundReport> {
    const at = this.deps.clock.now();
    const sites = await Promise.all(
      this.deps.sites.map(async (site): Promise<SiteRoundOutcome> => {
        let observations: Observation[] = [];
        try {
          observations = await this.deps.probeSite(site, { region: this.deps.region, at });
          await this.deps.observations.record(observations);
          const decided = await this.decideSite(site);
          if (!isReplicationError(decided.error)) return { siteId: site.id, observations, ...decided };
          // Decided and stored, but acknowledging the announcement could not replicate: the next
          // round announces again (the orchestrator joins), so only the acknowledgement abstains.
          const { error, ...rest } = decided;
          return { siteId: site.id, observations, ...rest, abstention: abstentionOf(error) };
        } catch (error) {
          if (isReplicationError(error)) {
            return { siteId: site.id, observations, transitions: [], abstention: abstentionOf(error) };
          }
          return { siteId: site.id, observations, transitions: [], error };
        }
      }),
    );
    return { at, sites };
  }

  /**
   * Folds every region's new observations of the site into this region's stored state and
   * announces what changed. Safe to run concurrently with another run of this region: the
   * optimistic write lets one of them decide, and only the decider announces.
   */
  async decideSite(site: Site): Promise<Pick<SiteRoundOutcome, 'status' | 'transitions' | 'error'>> {
    for (let conflicts = 0; ; ) {
      try {
        return await this.decideSiteOnce(site);
      } catch (error) {
        // A replicated write conflict wrote nothing and is retry-safe: wait a jittered moment (so
        // regions do not collide again in lockstep), re-read and decide again. Isolation is not
        // retried: nothing in this run reconnects the replica.
        if (!(error instanceof ReplicatedWriteConflictError)) throw error;
        conflicts++;
        if (conflicts >= REPLICATION_CONFLICT_ATTEMPTS) throw error;
        const ceiling = REPLICATION_CONFLICT_BASE_DELAY_MS * 2 ** (conflicts - 1);
        await this.deps.clock.sleep(Math.floor((this.deps.random ?? Math.random)() * ceiling));
      }
    }
  }

  private async decideSiteOnce(
    site: Site,
  ): Promise<Pick<SiteRoundOutcome, 'status' | 'transitions' | 'error'>> {
    const { siteHealth, region } = this.deps;
    for (let attempt = 1; ; attempt++) {
      const stored = await siteHealth.get(site.id, region);
      const state = stored?.state ?? initialSiteHealthState(site.id);
      const now = this.deps.clock.now();
      const observationsByRegion = await this.readObservations(site.id, state, now);
      const evaluation = evaluateSiteHealth(
        state,
        observationsByRegion,
        this.deps.settings,
        now,
        this.decision,
      );
      const decided = evaluation.transitions.map((transition) => ({ transition, decidedAt: now }));
      const unannounced = [...(stored?.unannounced ?? []), ...decided];
      try {
        await siteHealth.put(site.id, region, { state: evaluation.state, unannounced }, stored?.version);
      } catch (error) {
        if (error instanceof ConcurrentModificationError && attempt < MAX_DECISION_ATTEMPTS) continue;
        throw error;
      }
      // Older entries are retried only once the run that decided them has had a round to announce
      // them itself; a run that lost the write race above finds them too young and leaves them.
      const graceMs = this.deps.settings.probeIntervalSeconds * 1000;
      const due = unannounced.filter((p) => decided.includes(p) || now - p.decidedAt >= graceMs);
      const error = await this.announce(site, due);
      return { status: evaluation.state.status, transitions: evaluation.transitions, error };
    }
  }

  private async readObservations(
    siteId: string,
    state: SiteHealthState,
    now: number,
  ): Promise<Record<string, Observation[]>> {
    const { settings, regions } = this.deps;
    const decision = this.decision;
    const horizon = now - settleWindowMs(settings, decision);
    const intervalMs = settings.probeIntervalSeconds * 1000;
    // A region deciding a site for the first time needs enough rounds for a failure run and its
    // freshness; a region that fell far behind catches up over at most a recovery hold and then some.
    const firstLookbackMs =
      2 * Math.max(freshnessWindowMs(settings, decision), settings.failuresToTrip * intervalMs);
    const maxCatchUpMs = settings.recoveryHoldMinutes * 60_000 + 30 * 60_000;
    const from = Math.max(state.processedUpTo ?? horizon - firstLookbackMs, horizon - maxCatchUpMs);
    const lists = await Promise.all(
      regions.map(
        async (name) => [name, await this.deps.observations.list(siteId, name, from, horizon)] as const,
      ),
    );
    return Object.fromEntries(lists);
  }

  /**
   * Calls the callbacks for `due`, then removes the ones that succeeded from the stored record
   * (re-reading on a version conflict), so the next round retries only the failures.
   */
  private async announce(site: Site, due: PendingAnnouncement[]): Promise<unknown> {
    if (due.length === 0) return undefined;
    const announced: SiteHealthTransition[] = [];
    let firstError: unknown;
    for (const { transition } of due) {
      try {
        if (transition.kind === 'tripped') await this.deps.onTrip(transition, site);
        else await this.deps.onRecovered?.(transition, site);
        announced.push(transition);
      } catch (error) {
        firstError ??= error;
      }
    }
    if (announced.length === 0) return firstError;
    try {
      await this.acknowledge(site.id, announced);
    } catch (error) {
      firstError ??= error;
    }
    return firstError;
  }

  private async acknowledge(siteId: string, announced: SiteHealthTransition[]): Promise<void> {
    const { siteHealth, region } = this.deps;
    const isAnnounced = (p: PendingAnnouncement) =>
      announced.some(
        (t) =>
          t.kind === p.transition.kind &&
          t.at === p.transition.at &&
          t.idempotencyKey === p.transition.idempotencyKey,
      );
    for (let attempt = 1; ; attempt++) {
      const stored = await siteHealth.get(siteId, region);
      if (!stored?.unannounced.some(isAnnounced)) return;
      const unannounced = stored.unannounced.filter((p) => !isAnnounced(p));
      try {
        await siteHealth.put(siteId, region, { state: stored.state, unannounced }, stored.version);
        return;
      } catch (error) {
        if (!(error instanceof ConcurrentModificationError) || attempt >= MAX_DECISION_ATTEMPTS) throw error;
      }
    }
  }
}

function abstentionOf(error: ReplicationError): ReplicationAbstention {
  return { kind: error instanceof ReplicatedWriteConflictError ? 'conflict' : 'isolated', error };
}
