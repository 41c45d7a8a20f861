/**
 * The ports: the small interfaces through which the domain (lambdas/domain) reaches the outside
 * world. Adapters (lambdas/adapters) implement them for AWS, for carriers and for local runs; the
 * domain imports only this file and lib/config/schema types, never an AWS SDK.
 */
import type { CarrierName } from '../lib/config/schema';

/** Time, injected so tests and replays control it. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Waits `ms` milliseconds (a fake clock advances instead). */
  sleep(ms: number): Promise<void>;
}

/** Randomness, injected so jitter and simulations are repeatable. Returns a float in [0, 1). */
export type Random = () => number;

// ---------------------------------------------------------------------------------------------
// Forwarding plan and carriers
// ---------------------------------------------------------------------------------------------

/** One row of the forwarding plan: where a number goes when its site is down. */
export interface PlanEntry {
  /** E.164 number, e.g. +14155550100. */
  number: string;
  carrier: CarrierName;
  siteId: string;
  /** E.164 number or sip: URI the calls are forwarded to. */
  forwardTo: string;
  label?: string;
}

/** `always` forwards every call; `on-failure` only calls the primary route cannot take (pre-armed). */
export type ForwardMode = 'always' | 'on-failure';

/**
 * A number's routing at the carrier, exactly as needed to put it back. `settings` is the
 * carrier-specific part (JSON-serialisable) that `restore` accepts; `forwardsTo`/`mode` are the
 * carrier-neutral reading of it, used for audits and to recognise an already-forwarded number.
 */
export interface RoutingSnapshot {
  carrier: CarrierName;
  number: string;
  settings: Record<string, unknown>;
  /** Where calls are forwarded now, or null when they are not. */
  forwardsTo: string | null;
  mode: ForwardMode | null;
}

export interface ForwardRequest {
  number: string;
  destination: string;
  mode: ForwardMode;
}

/** The result of one number inside a bulk call. */
export interface BulkItemOutcome {
  number: string;
  ok: boolean;
  /** Set when `ok` is false; a CarrierError from lambdas/domain/errors. */
  error?: Error;
}

/**
 * One upstream carrier. Every method throws CarrierError (retryable or not) or CarrierAuthError.
 * Each call is one logical request; rate limiting and retries are the engine's job, not the adapter's.
 */
export interface Carrier {
  readonly name: CarrierName;
  /**
   * The forwarding modes this carrier can set. Without `on-failure` there is no carrier-native
   * fallback to pre-arm: such numbers are forwarded only during an incident.
   */
  readonly forwardModes: readonly ForwardMode[];
  readRouting(number: string): Promise<RoutingSnapshot>;
  forward(request: ForwardRequest): Promise<void>;
  restore(snapshot: RoutingSnapshot): Promise<void>;
  /**
   * Optional: readies the adapter to address many numbers in fewer requests than one lookup each
   * (Telnyx learns their phone number ids from its number list, 250 a page). Sends every request
   * through `call`, which holds it to the run's rate and concurrency. Best effort: a number it did
   * not learn about is looked up as before, and a failure here only costs those lookups.
   */
  prepareNumbers?(numbers: readonly string[], call: CarrierCall): Promise<void>;
  /** Most numbers one bulk call takes; undefined when the carrier has no bulk API. */
  readonly bulkLimit?: number;
  /** Forwards many numbers in one asynchronous carrier job and waits for it to finish. */
  forwardMany?(requests: ForwardRequest[]): Promise<BulkItemOutcome[]>;
  /** Moves every number of a trunk/connection to its backup route in one call (Twilio trunk, Telnyx connection). */
  switchToBackupRoute?(): Promise<void>;
  /** Undoes switchToBackupRoute. */
  switchToPrimaryRoute?(): Promise<void>;
}

/** Runs one carrier request under the run's limits (the engine's CarrierLane.call). */
export type CarrierCall = <T>(request: () => Promise<T>) => Promise<T>;

/** Builds the carrier adapters for a deployment (credentials already resolved). */
export type CarrierDirectory = Partial<Record<CarrierName, Carrier>>;

// ---------------------------------------------------------------------------------------------
// Per-number forwarding state (lives in the incident table)
// ---------------------------------------------------------------------------------------------

export type NumberStatus =
  | 'pending'
  | 'snapshotted'
  | 'forwarded'
  | 'failed'
  | 'restoring'
  | 'restored'
  | 'restore-failed';

export interface NumberState {
  incidentId: string;
  number: string;
  carrier: CarrierName;
  siteId: string;
  forwardTo: string;
  status: NumberStatus;
  /** The pre-outage routing, written once and never overwritten. */
  snapshot?: RoutingSnapshot;
  /** Carrier write attempts made so far (forward + restore). */
  attempts: number;
  /** Writes the carrier accepted for this number (a second accepted forward is a double apply). */
  appliedWrites: number;
  lastError?: string;
  /** Failback wave that restored (or is restoring) this number. */
  wave?: number;
  updatedAt: number;
  forwardedAt?: number;
  restoredAt?: number;
  /** The run allowed to write this number at the carrier (a lease, so two runs never both apply it). */
  claimedBy?: string;
  /** Epoch ms after which another run may take the number over (the claimer died). */
  claimExpiresAt?: number;
  /** Optimistic-lock version, incremented by every update. */
  version: number;
}

/** Where the forwarding engine keeps per-number progress so a stopped run can resume. */
export interface ForwardingStateStore {
  /** Creates a pending row for each entry that has none; existing rows are left untouched. */
  ensureNumbers(incidentId: string, entries: PlanEntry[]): Promise<void>;
  list(incidentId: string): Promise<NumberState[]>;
  get(incidentId: string, number: string): Promise<NumberState | undefined>;
  /**
   * Moves a number from one state to the next if its version is still `expectedVersion`; throws
   * ConcurrentModificationError otherwise. A snapshot already stored is never replaced. A key set to
   * `undefined` in `changes` removes that attribute (e.g. releasing a claim).
   */
  update(
    incidentId: string,
    number: string,
    expectedVersion: number,
    changes: Partial<Omit<NumberState, 'incidentId' | 'number' | 'version'>>,
  ): Promise<NumberState>;
}

// ---------------------------------------------------------------------------------------------
// Detection
// ---------------------------------------------------------------------------------------------

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

export interface ObservationStore {
  record(observations: Observation[]): Promise<void>;
  /** Observations of one site from one region in [fromMs, toMs), oldest first. */
  list(siteId: string, region: string, fromMs: number, toMs: number): Promise<Observation[]>;
}

// ---------------------------------------------------------------------------------------------
// Alerts
// ---------------------------------------------------------------------------------------------

export type AlertSeverity = 'critical' | 'high' | 'warning' | 'info';

export interface Alert {
  /** Plain text, at most 100 characters (SNS subject limit). */
  subject: string;
  /** Plain text readable in email (and in SMS, where no `sms` text is given). */
  body: string;
  /** A short text for SMS (one message, at most 160 characters). */
  sms?: string;
  severity: AlertSeverity;
  /** Which state change this alert reports: detected, forwarding-started, forwarded, ... */
  kind: string;
  siteId: string;
  incidentId?: string;
  /**
   * `<incident id>#<n>`: the same on every copy of one alert, so a subscriber can drop a repeat (an
   * alert is published at least once; see {@link IncidentAlert}).
   */
  alertId?: string;
}

export interface Notifier {
  publish(alert: Alert): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Incidents (the incident log)
// ---------------------------------------------------------------------------------------------

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
  /** Optimistic-lock version. */
  version: number;
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
