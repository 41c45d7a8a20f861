/**
 * `arm` and `audit` for the routes: every route of the selected sites read back at its carrier
 * (armed first for `arm` in native mode), never reported armed without a read-back.
 */
import type { CarrierName } from '../../contracts/config/config-constants';
import type { PlanEntry } from '../../contracts/config/plan-entry';
import type { SiteRoute } from '../../contracts/config/site-routes';
import { CarrierError } from '../../contracts/errors';
import type { CarrierRoutes, RouteCall } from '../../ports/carrier-routes';
import type { Clock } from '../../ports/clock';
import type { StoredRouteReadBack } from '../../ports/route-read-backs';
import { describeFailure } from '../forwarding/retry-policy';
import { routeNumbers, takeReadBack } from './read-route';
import { runRouteOperation } from './route-retries';

/** One route's read-back, or why it could not be read. */
export type RouteReport =
  | { siteId: string; carrier: CarrierName; mode: SiteRoute['mode']; ok: true; readBack: StoredRouteReadBack }
  | {
      siteId: string;
      carrier: CarrierName;
      mode: SiteRoute['mode'];
      ok: false;
      error: string;
      cause: unknown;
    };

/** What reading the routes needs. */
export interface ReadSiteRoutesDependencies {
  carrierRoutes(carrier: CarrierName): CarrierRoutes | undefined;
  routeCall(carrier: CarrierName): RouteCall;
  clock: Clock;
}

/** Reads (or arms, then reads) each route, one carrier at a time per site, all sites at once. */
export async function readSiteRoutes(
  routes: readonly SiteRoute[],
  plan: readonly PlanEntry[],
  by: 'arm' | 'audit',
  deps: ReadSiteRoutesDependencies,
): Promise<RouteReport[]> {
  return Promise.all(
    routes.map(async (route): Promise<RouteReport> => {
      const base = { siteId: route.siteId, carrier: route.carrier, mode: route.mode };
      const operations = deps.carrierRoutes(route.carrier);
      if (!operations) {
        return {
          ...base,
          ok: false,
          error: `the ${route.carrier} adapter has no route operations`,
          cause: undefined,
        };
      }
      try {
        const readBack = await runRouteOperation(deps, route.carrier, (call) =>
          takeReadBack(route, routeNumbers(route, plan), by, { routes: operations, call, clock: deps.clock }),
        );
        return { ...base, ok: true, readBack };
      } catch (error) {
        if (!(error instanceof CarrierError)) throw error;
        return { ...base, ok: false, error: describeFailure(error), cause: error };
      }
    }),
  );
}
