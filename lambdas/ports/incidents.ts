import type { CarrierName } from '../contracts/config/schema';

/** The incident log: incidents, their timeline, alerts owed and the store that keeps them. */
export type IncidentStatus =
  | 'detected'
  | 'forwarding'
  | 'forwarded'
  | 'partially-forwarded'
  | 'recovering'
  | 'failing-back'
  | 'resolved';

/** `outage` is a real failover; `practice` a canary run that touched only test numbers. */
export type IncidentKind = 'outage' | 'practice';

/** Who or what started something: a region's probe, an operator, a scheduled practice run. */
export interface Actor {
  type: 'probe' | 'operator' | 'schedule' | 'system';
  /** Region the action ran in. */
  region: string;
  /** Operator name, function name, ... */
  name?: string;
}

export interface Incident {
  id: string;
  siteId: string;
  kind: IncidentKind;
  status: IncidentStatus;
  /** Epoch ms when the first failure of this outage was observed (or the operator's request). */
  outageStartedAt: number;
  /** Epoch ms when the incident was opened (quorum reached or operator request). */
  openedAt: number;
  /** Regions whose probes saw the outage. */
  regions: string[];
  openedBy: Actor;
  /** The failure kind (runbook key): site-unreachable, sip-errors, ... */
  failureKind: string;
  reason: string;
  numbers: { total: number; forwarded: number; failed: number; restored: number };
  recoveredAt?: number;
  resolvedAt?: number;
  /** Failback approval, when manual mode required one. */
  failbackApprovedAt?: number;
  failbackApprovedBy?: Actor;
  /** Progress of the failback waves, once failback has started. */
  failback?: FailbackProgress;
  /**
   * Who may run forwarding or failback for this incident right now, until when (epoch ms). A run
   * takes the lease when it is free or expired, so two regions never work the same incident at once.
   */
  lease?: { owner: string; until: number };
  /** What a practice run measured and found (kind `practice` only), written when it resolves. */
  practice?: PracticeRecord;
  /** Every alert this incident owed people, oldest first, each marked once it was published. */
  alerts?: IncidentAlert[];
  /**
   * The site's routes in native or switch mode and what each did in this incident (one per
   * carrier): the numbers they carried need no per-number write, and failback undoes the switches.
   */
  routes?: IncidentRoute[];
  /** Optimistic-lock version. */
  version: number;
}

/**
 * What one route did in an incident. A switch is recorded `switching` with its record before the
 * carrier is touched, so a run that dies mid-switch leaves the record for the next run to apply
 * again (the switch is idempotent), and failback puts back exactly what the record holds.
 */
export interface IncidentRoute {
  carrier: CarrierName;
  /** The mode the site configures for this carrier. */
  mode: 'native' | 'switch';
  /**
   * `covered`: the native failover carries the numbers, nothing sent; `switching`/`switched`: the
   * switch is being applied / was applied; `switching-back`/`switched-back`: failback's undo;
   * `not-covering`: the route carries none of the numbers in this incident (reason says why) and
   * they are forwarded one by one or in bulk.
   */
  state: 'covered' | 'switching' | 'switched' | 'switching-back' | 'switched-back' | 'not-covering';
  /** How many of the site's numbers at this carrier the route carries. */
  covered: number;
  /** The numbers it does not carry (named by the last read-back): forwarded one by one or in bulk. */
  uncovered: string[];
  /** Why the route carries fewer than all, or none, of the numbers. */
  reason?: string;
  /** The switch's record: what it changes and the values to put back (carrier-specific). */
  record?: Record<string, unknown>;
  /** Epoch ms of the last state change. */
  at: number;
  /** Epoch ms the route carried the numbers to the backup (the switch applied; native: detection). */
  carriedAt?: number;
}

/**
 * An alert an incident owes people. The same conditional update that changes the incident's state
 * records it, and it is marked `announcedAt` once published, so a failed publish or a run that dies
 * in between leaves it owed for the next run that holds the incident's lease
 * (lambdas/domain/incidents/alert-outbox.ts).
 */
export interface IncidentAlert {
  /** detected, forwarding-started, forwarded, ... */
  kind: string;
  /** What happened, one line. */
  headline: string;
  /** Further lines for the body. */
  details?: string[];
  /** The runbook to attach, when not the incident's failure kind's. */
  runbookKind?: string;
  /** Epoch ms the state change that owes it happened. */
  owedAt: number;
  /** Epoch ms it was published; absent while it is still owed. */
  announcedAt?: number;
}

/** The steps of a canary's practice failover, in order, each timed. */
export type PracticeStep = 'read' | 'forward' | 'verify-forward' | 'restore' | 'verify-restore';

/** A practice run's result as the incident log keeps it, so `incidents list` shows it week after week. */
export interface PracticeRecord {
  passed: boolean;
  /** One per carrier whose canary was exercised. */
  canaries: {
    carrier: CarrierName;
    number: string;
    passed: boolean;
    /** Milliseconds each step took; a step that never ran is absent. */
    durationsMs: Partial<Record<PracticeStep, number>>;
  }[];
  /** Every check: secrets, canaries, orchestrators, alert topics, drift. */
  checks: { name: string; passed: boolean; detail: string }[];
  /** What is broken, one line each (empty when passed). */
  problems: string[];
  /** The whole run, open to resolved. */
  durationMs: number;
}

/** Where failback stands: waves done, the one running, when the next may start, a halt. */
export interface FailbackProgress {
  startedAt: number;
  /** Waves finished (0 to the number of configured waves). */
  wavesDone: number;
  /** Index of the wave being restored now. */
  runningWave?: number;
  /** Epoch ms before which the next wave must not start (minutesBetweenWaves). */
  nextWaveAt?: number;
  /** Set when the site degraded between waves; cleared by a new approval or recovery. */
  halted?: { at: number; reason: string };
}

/** One append-only entry of an incident's timeline. */
export interface TimelineEvent {
  incidentId: string;
  /** Epoch ms. */
  at: number;
  type: string;
  actor: Actor;
  /** One human sentence. */
  message: string;
  details?: Record<string, unknown>;
}

/** The result of opening an incident: created by this call, or joined because it existed. */
/** What {@link IncidentStore.openOrJoin} found or made. */
export interface OpenIncidentResult {
  incident: Incident;
  /** True for exactly one caller per incident: the one whose write made the incident exist. */
  created: boolean;
}

export interface IncidentStore {
  /**
   * Opens the site's incident for this outage, or joins the one already open: a conditional write on
   * the site's active-incident pointer, so any number of concurrent triggers yield exactly one.
   * @throws ReplicatedWriteConflictError when another region wrote the same item at that moment.
   * @throws ReplicaIsolatedError when this region's replica cannot reach the others.
   */
  openOrJoin(incident: Omit<Incident, 'version' | 'status'>): Promise<OpenIncidentResult>;
  get(incidentId: string): Promise<Incident | undefined>;
  /** The site's open incident, if any. */
  getActive(siteId: string): Promise<Incident | undefined>;
  /** Newest first. */
  listBySite(siteId: string, limit?: number): Promise<Incident[]>;
  /**
   * Changes an incident if its version is still `expectedVersion`; throws ConcurrentModificationError
   * otherwise. Resolving clears the site's active-incident pointer.
   */
  update(
    incidentId: string,
    expectedVersion: number,
    changes: Partial<Omit<Incident, 'id' | 'siteId' | 'version'>>,
  ): Promise<Incident>;
  /** Appends an event; never overwrites one. */
  appendEvent(event: TimelineEvent): Promise<void>;
  /** Oldest first. */
  listEvents(incidentId: string): Promise<TimelineEvent[]>;
}
