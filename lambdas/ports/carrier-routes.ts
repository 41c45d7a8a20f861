/**
 * A site's route at a carrier, as the failover and the `arm`/`audit` commands see it: the trunk,
 * connection or SIP peer the site's numbers arrive on, the carrier's own per-call failover armed on
 * it ahead of an outage (`native`), and the one-or-few-call switch of the whole route (`switch`).
 */
import type { FailoverMode } from '../contracts/config/config-constants';
import type { SiteRoute } from '../contracts/config/site-routes';

export type { FailoverMode, SiteRoute };

/** A number whose routing the carrier takes from somewhere the route does not control. */
export interface IgnoredNumber {
  number: string;
  /** Why, in the carrier's terms, e.g. "has a VoiceApplicationSid: Twilio ignores the trunk". */
  reason: string;
}

/** What the carrier reports about a route after `arm` or during `audit`: never assumed, always read back. */
export interface RouteReadBack {
  /** True when the read-back shows the failover in place (native) or the route usable (switch). */
  armed: boolean;
  /** What was read, one line each, in the carrier's terms (shown by `audit`, kept on the timeline). */
  details: string[];
  /** Numbers of the asked list the route would not carry, each with why. */
  ignored: IgnoredNumber[];
}

/**
 * What a switch will change and how to put it back, read before the switch and kept on the incident
 * first (JSON-serialisable, carrier-specific): a run that dies mid-switch leaves the record, and
 * the next run applies the same record again, so failback undoes exactly what was there before.
 */
export type RouteSwitchRecord = Record<string, unknown>;

/**
 * A carrier's route-wide operations. Every method throws CarrierError (retryable or not) or
 * CarrierAuthError, and sends each request through `call` (the run's rate and concurrency).
 */
export interface CarrierRoutes {
  /** Sets up the carrier's per-call failover of the route (idempotent), then reads it back. */
  armNative(route: SiteRoute, numbers: readonly string[], call: RouteCall): Promise<RouteReadBack>;
  /** Reads the route's failover and which of `numbers` it carries, changing nothing. */
  audit(route: SiteRoute, numbers: readonly string[], call: RouteCall): Promise<RouteReadBack>;
  /**
   * Reads the route (changing nothing) and returns what `switchToBackup` will change and its
   * current values. Refuses (non-retryable) when the switch would leave calls nowhere, e.g. no
   * backup target on the route.
   */
  planSwitch(route: SiteRoute, call: RouteCall): Promise<RouteSwitchRecord>;
  /**
   * Moves the whole route's calls to the backup in one or a few requests, changing exactly what
   * `record` lists (idempotent: applying the same record twice changes nothing more). `resumed`:
   * an earlier run may have applied part of the record already, so an adapter that writes without
   * reading reads the route first and writes only what is still to change.
   */
  switchToBackup(
    route: SiteRoute,
    record: RouteSwitchRecord,
    call: RouteCall,
    options?: { resumed?: boolean },
  ): Promise<void>;
  /** Puts back exactly the values `record` holds (idempotent). */
  switchBack(route: SiteRoute, record: RouteSwitchRecord, call: RouteCall): Promise<void>;
  /**
   * Requests `switchToBackup` sends for `record` when nothing fails (the dry run's estimate);
   * undefined when the adapter cannot tell ahead.
   */
  switchRequests?(record: RouteSwitchRecord): number;
}

/** Runs one carrier request under the run's limits. */
export type RouteCall = <T>(request: () => Promise<T>) => Promise<T>;
