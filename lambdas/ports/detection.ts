/** Detection's outside world: observations, each region's decision state, and the orchestrator a trip notifies. */
import type { Site } from '../contracts/config/schema';

/** One probe result of one endpoint of a site, from one region. */
export interface Observation {
  siteId: string;
  region: string;
  /** Epoch milliseconds when the probe started. */
  at: number;
  ok: boolean;
  latencyMs?: number;
  /** e.g. `sip:udp:sbc1.example.net:5060` or `https://portal.example.com/health`. */
  endpoint: string;
  reason?: string;
}

/** The verdict of one region's latest test calls of a site, kept until its next calls. */
export interface CallsVerdict {
  /** Start (epoch ms) of the round that placed them. */
  at: number;
  ok: boolean;
  /** The failing calls and why, or `test calls answered`. */
  reason: string;
}

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
  /** The latest test calls' verdict, absent while the site has none (rounds without calls carry it). */
  lastCalls?: CallsVerdict;
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

export interface ObservationStore {
  record(observations: Observation[]): Promise<void>;
  /** Observations of one site from one region in [fromMs, toMs), oldest first. */
  list(siteId: string, region: string, fromMs: number, toMs: number): Promise<Observation[]>;
}

/** A transition decided and stored but not yet announced. */
export interface PendingAnnouncement {
  transition: SiteHealthTransition;
  /** Clock time (epoch ms) of the run that decided it. */
  decidedAt: number;
}

/** A region's stored decision state of one site, with the transitions still to announce. */
export interface StoredSiteHealth {
  state: SiteHealthState;
  /**
   * Transitions decided but not yet announced: written with the state that produced them and
   * removed once `onTrip`/`onRecovered` succeeded, so a crash in between announces them again
   * rather than never.
   */
  unannounced: PendingAnnouncement[];
  /** Optimistic-lock version: 1 after the first write. */
  version: number;
}

/**
 * Where each region keeps its decision state of each site (`SITE#<site>` / `HEALTH#<region>`).
 * Writes are optimistic: two overlapping runs of one region cannot both advance a site.
 */
export interface SiteHealthStore {
  get(siteId: string, region: string): Promise<StoredSiteHealth | undefined>;
  /**
   * Writes the record if the stored version is still `expectedVersion` (or, when it is undefined,
   * if there is no record yet). Returns the new version.
   * @throws ConcurrentModificationError when someone else wrote first.
   * @throws ReplicatedWriteConflictError when another region was writing the item (nothing written).
   * @throws ReplicaIsolatedError when this region's replica cannot reach the others (nothing written).
   */
  put(
    siteId: string,
    region: string,
    record: Omit<StoredSiteHealth, 'version'>,
    expectedVersion: number | undefined,
  ): Promise<number>;
}

/** Probes every endpoint of a site once; every observation carries the round's region and `at`. */
export type ProbeSiteFn = (site: Site, round: { region: string; at: number }) => Promise<Observation[]>;

/** Who is told when this region decides that a site tripped: the orchestrator in Lambda, a recorder in the drill. */
export interface TripNotifier {
  /** Resolves once the trip is handed over; a rejection makes the probe announce it again next round. */
  notifyTrip(trip: SiteTrip, site: Site): Promise<void>;
}
