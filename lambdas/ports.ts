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
  readRouting(number: string): Promise<RoutingSnapshot>;
  forward(request: ForwardRequest): Promise<void>;
  restore(snapshot: RoutingSnapshot): Promise<void>;
  /** Most numbers one bulk call takes; undefined when the carrier has no bulk API. */
  readonly bulkLimit?: number;
  /** Forwards many numbers in one asynchronous carrier job and waits for it to finish. */
  forwardMany?(requests: ForwardRequest[]): Promise<BulkItemOutcome[]>;
  /** Moves every number of a trunk/connection to its backup route in one call (Twilio trunk, Telnyx connection). */
  switchToBackupRoute?(): Promise<void>;
  /** Undoes switchToBackupRoute. */
  switchToPrimaryRoute?(): Promise<void>;
}

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
   * ConcurrentModificationError otherwise. A snapshot already stored is never replaced.
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
  /** Plain text readable in email and SMS. */
  body: string;
  severity: AlertSeverity;
  /** Which state change this alert reports: detected, forwarding-started, forwarded, ... */
  kind: string;
  siteId: string;
  incidentId?: string;
}

export interface Notifier {
  publish(alert: Alert): Promise<void>;
}
