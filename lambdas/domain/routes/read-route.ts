/** Reads (or arms, then reads) one route at its carrier, and keeps the read-back for the failover. */
import type { PlanEntry } from '../../contracts/config/plan-entry';
import { routeKey, type SiteRoute } from '../../contracts/config/site-routes';
import type { CarrierRoutes, RouteCall } from '../../ports/carrier-routes';
import type { Clock } from '../../ports/clock';
import type { RouteReadBackStore, StoredRouteReadBack } from '../../ports/route-read-backs';
import { numberSetKey } from './route-coverage';

/** What reading a route needs. */
export interface ReadRouteDependencies {
  routes: CarrierRoutes;
  call: RouteCall;
  clock: Clock;
}

/** The plan's numbers of the route's site at its carrier. */
export function routeNumbers(route: SiteRoute, plan: readonly PlanEntry[]): string[] {
  return plan
    .filter((entry) => entry.siteId === route.siteId && entry.carrier === route.carrier)
    .map((entry) => entry.number);
}

/**
 * `arm` sets the carrier's own failover and reads it back (in switch mode too: it puts the backup
 * target on the route, which the switch then moves calls to); `audit` and `failover` only read. The
 * result is what the carrier reported, ready to keep.
 */
export async function takeReadBack(
  route: SiteRoute,
  numbers: readonly string[],
  by: StoredRouteReadBack['by'],
  deps: ReadRouteDependencies,
): Promise<StoredRouteReadBack> {
  const readBack =
    by === 'arm'
      ? await deps.routes.armNative(route, numbers, deps.call)
      : await deps.routes.audit(route, numbers, deps.call);
  return {
    ...readBack,
    siteId: route.siteId,
    carrier: route.carrier,
    routeKey: routeKey(route),
    readAt: deps.clock.now(),
    by,
    checked: numbers.length,
    numbersKey: numberSetKey(numbers),
  };
}

/** Takes the read-back and keeps it, so the next failover knows which numbers the route carries. */
export async function readRoute(
  route: SiteRoute,
  numbers: readonly string[],
  by: StoredRouteReadBack['by'],
  deps: ReadRouteDependencies & { readBacks: RouteReadBackStore },
): Promise<StoredRouteReadBack> {
  const stored = await takeReadBack(route, numbers, by, deps);
  await deps.readBacks.put(stored);
  return stored;
}
