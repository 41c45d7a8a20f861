/** The last read-back of each site's routes, taken by `arm` and `audit` ahead of an outage. */
import type { CarrierName } from '../contracts/config/config-constants';
import type { RouteReadBack } from './carrier-routes';

/** A read-back as kept: what the carrier reported about a route, when, and for which route. */
export interface StoredRouteReadBack extends RouteReadBack {
  siteId: string;
  carrier: CarrierName;
  /** routeKey() of the route it read: a read-back of other ids or another mode is stale. */
  routeKey: string;
  /** Epoch ms of the read. */
  readAt: number;
  /** Who read it: `arm`, `audit`, or a failover that found none. */
  by: 'arm' | 'audit' | 'failover';
  /** How many numbers it checked (the plan's numbers of the site at the carrier). */
  checked: number;
  /** numberSetKey() of those numbers: a read-back of another set is stale. */
  numbersKey: string;
}

/** Where the read-backs are kept (the incident table, so every region reads the same). */
export interface RouteReadBackStore {
  get(siteId: string, carrier: CarrierName): Promise<StoredRouteReadBack | undefined>;
  put(readBack: StoredRouteReadBack): Promise<void>;
}
