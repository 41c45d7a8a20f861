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

/** A number's routing as one page of the carrier's number list shows it. */
export interface PageReading {
  snapshot: RoutingSnapshot;
  /**
   * True when the page holds everything `restore` needs (the snapshot is as good as readRouting's);
   * false when it shows only part of it: then `confirms` says whether a stored baseline still holds,
   * and a number it does not confirm is read on its own.
   */
  complete: boolean;
}

/**
 * Reading many numbers' routing in the carrier's own list pages: a request a page instead of one or
 * two a number. Used ahead of an outage (the routing baseline) and at its start (the check).
 */
export interface RoutingPages {
  /** Most numbers one page lists (the request plan counts pages with it). */
  readonly pageSize: number;
  /**
   * Reads the routing of `numbers`, each page one request through `call` (which paces and retries
   * it), handing each page's readings of plan numbers to `onPage` as the page arrives, so the work
   * on them starts at once. Resolves with the numbers no page showed (not listed, or their page
   * failed for good): those are read one by one. Rejects only when nothing could be read at all.
   */
  read(
    numbers: readonly string[],
    call: CarrierCall,
    onPage: (readings: PageReading[]) => void,
  ): Promise<{ unseen: string[] }>;
  /**
   * True when an incomplete `reading` shows the same routing as the complete `baseline` snapshot
   * taken earlier (so the baseline is still what to restore).
   */
  confirms(reading: RoutingSnapshot, baseline: RoutingSnapshot): boolean;
  /**
   * Optional: reads the part of an incomplete page reading the page could not show, each request
   * through `call`, giving a snapshot as good as readRouting's in fewer requests (Bandwidth: the
   * TN's details alone, the page having shown its CallForward). Rejects as readRouting does.
   */
  completeReading?(reading: RoutingSnapshot, call: CarrierCall): Promise<RoutingSnapshot>;
  /** Requests each request-plan page costs besides the page itself (0 unless the adapter must look up more). */
  readonly extraRequestsPerPage?: number;
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
   * Most bulk calls (jobs, orders) the engine keeps in flight at once for this carrier: the
   * carrier's documented pending limit, or the adapter's configurable setting where none is
   * documented. @default 1
   */
  readonly bulkInFlight?: number;
  /**
   * True when one bulk call sets one destination for all its numbers (Telnyx's update jobs take one
   * voice setting): the engine gathers numbers by destination, and a destination with a single
   * number left is forwarded alone (`forward`). False: one call carries many destinations. @default false
   */
  readonly bulkCallPerDestination?: boolean;
  /** Requests one bulk call costs when its job is done at the first poll: creation + polls. @default 2 */
  readonly requestsPerBulkCall?: number;
  /** Requests one `forward` costs once the number's id is known. @default 1 */
  readonly requestsPerForward?: number;
  /** Requests one `readRouting` costs once the number's id is known. @default 1 */
  readonly requestsPerRead?: number;
  /** Reads routing in the carrier's list pages; undefined when it has no such list. */
  readonly routingPages?: RoutingPages;
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
