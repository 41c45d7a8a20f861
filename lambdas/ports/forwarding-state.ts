import type { PlanEntry } from '../contracts/config/plan-entry';
import type { CarrierName } from '../contracts/config/schema';
import type { RoutingSnapshot } from './carriers';

/** Each number's forwarding state (in the incident table), and the engine runs the orchestrator and failback call. */
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

/**
 * Which run holds a number and until when: the lease fields of NumberState, which a store must
 * round-trip (without them two runs could both write a number at the carrier).
 */
export interface NumberClaim {
  /** `runId` of the run allowed to write this number to the carrier. */
  claimedBy?: string;
  /** Epoch ms after which another run may take the number over (its holder is presumed dead). */
  claimExpiresAt?: number;
}

/** A number's row as the engines read it: NumberState plus its claim. */
export type ClaimedNumberState = NumberState & NumberClaim;

/**
 * Changes passed to ForwardingStateStore.update. A key present with the value `undefined` removes
 * the attribute (used to clear `lastError` and a claim).
 */
export type NumberStateChanges = Partial<Omit<NumberState, 'incidentId' | 'number' | 'version'>> &
  NumberClaim;

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

/** What one forwarding run over a site's numbers achieved (the engine's summary, as the orchestrator needs it). */
export interface ForwardingRunSummary {
  total: number;
  forwarded: number;
  failed: { number: string; reason: string }[];
  /** Numbers left for a continuation because the deadline came. */
  pending: number;
}

/** Runs the forwarding engine for an incident until `deadlineMs`. */
export type ForwardRun = (
  incidentId: string,
  entries: PlanEntry[],
  deadlineMs: number,
  options?: { retryFailed?: boolean },
) => Promise<ForwardingRunSummary>;

/** What one restore run over a wave's numbers achieved. */
export interface RestoreRunSummary {
  restored: number;
  failed: { number: string; reason: string }[];
  pending: number;
}

/** Restores the saved routing of `numbers` for an incident until `deadlineMs`. */
export type RestoreRun = (
  incidentId: string,
  numbers: string[],
  wave: number,
  deadlineMs: number,
) => Promise<RestoreRunSummary>;
