/** The carriers, as the forwarding engine sees them: read, forward and restore a number's routing. */
import type { ForwardMode } from '../contracts/config/plan-entry';
import type { CarrierName } from '../contracts/config/schema';
import type { CarrierRoutes } from './carrier-routes';

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
  /** Set when `ok` is false; a CarrierError from lambdas/contracts/errors. */
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
  /**
   * The route-wide operations (native failover armed ahead, the switch of a whole trunk,
   * connection or SIP peer); undefined when the carrier has none (the webhook).
   */
  readonly routes?: CarrierRoutes;
}

/** Runs one carrier request under the run's limits (the engine's CarrierLane.call). */
export type CarrierCall = <T>(request: () => Promise<T>) => Promise<T>;

/** Builds the carrier adapters for a deployment (credentials already resolved). */
export type CarrierDirectory = Partial<Record<CarrierName, Carrier>>;
