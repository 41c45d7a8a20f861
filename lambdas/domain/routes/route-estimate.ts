/**
 * The dry run's view of a site's routes: each route read at its carrier (audit, changing nothing),
 * its coverage decided the way the failover decides it, and the requests the route step would send
 * during the outage (native none; a switch its plan's reads and its writes).
 */
import type { PlanEntry } from '../../contracts/config/plan-entry';
import type { CarrierName } from '../../contracts/config/schema';
import { routeKey, type SiteRoute } from '../../contracts/config/site-routes';
import type { RouteCall } from '../../ports/carrier-routes';
import type { CarrierDirectory } from '../../ports/carriers';
import type { Clock } from '../../ports/clock';
import { decideRouteCoverage, numberSetKey } from './route-coverage';
import { retryingRouteCall, withRouteRetries } from './route-retries';

/** The part of a carrier's numbers its route carries in this outage (native or switch). */
export interface RouteShare {
  mode: 'native' | 'switch';
  /** Numbers the route carries: the engine does not write them. */
  carried: ReadonlySet<string>;
  /** Requests the route step sends during the outage (native 0; a switch its plan and writes). */
  requests: number;
}

/** Input of estimateRouteShares. */
export interface RouteEstimateInput {
  routes: readonly SiteRoute[];
  /** The site's plan rows. */
  entries: readonly PlanEntry[];
  carriers: CarrierDirectory;
  routeCall: (carrier: CarrierName) => RouteCall;
  clock: Clock;
  /** The outage to estimate for. @default site-unreachable */
  failureKind?: string;
}

/** What each route would carry, and one note a route (what it carries, or why it carries none). */
export interface RouteEstimate {
  shares: Partial<Record<CarrierName, RouteShare>>;
  notes: string[];
}

/**
 * Reads every route (reads only) and says which numbers it would carry and at what cost. A route
 * that cannot be read carries nothing here, as it would carry nothing for a failover that cannot
 * read it.
 */
export async function estimateRouteShares(input: RouteEstimateInput): Promise<RouteEstimate> {
  const shares: RouteEstimate['shares'] = {};
  const notes: string[] = [];
  for (const route of input.routes) {
    const operations = input.carriers[route.carrier]?.routes;
    if (!operations) continue;
    const numbers = input.entries.filter((entry) => entry.carrier === route.carrier).map((e) => e.number);
    // Retried as the failover retries them; only the requests that succeed count, as in a run
    // without faults.
    let requests = 0;
    const base = input.routeCall(route.carrier);
    const counted = retryingRouteCall(async (request) => {
      const value = await base(request);
      requests += 1;
      return value;
    }, input.clock);
    try {
      const readBack = await withRouteRetries(input.clock, () => operations.audit(route, numbers, counted));
      const coverage = decideRouteCoverage(
        route,
        numbers,
        {
          ...readBack,
          siteId: route.siteId,
          carrier: route.carrier,
          routeKey: routeKey(route),
          readAt: input.clock.now(),
          by: 'audit',
          checked: numbers.length,
          numbersKey: numberSetKey(numbers),
        },
        input.failureKind ?? 'site-unreachable',
      );
      if (coverage.kind !== 'covers') {
        notes.push(
          `${route.carrier}: the ${route.mode} route carries none: ${coverage.kind === 'not-covering' ? coverage.reason : coverage.why}`,
        );
        continue;
      }
      const uncovered = new Set(coverage.uncovered);
      const carried = new Set(numbers.filter((number) => !uncovered.has(number)));
      let switchCost = 0;
      if (coverage.mode === 'switch') {
        // The switch's plan is read during the outage too; count only its reads from here.
        requests = 0;
        const record = await withRouteRetries(input.clock, () => operations.planSwitch(route, counted));
        switchCost = requests + (operations.switchRequests?.(record) ?? 1);
      }
      shares[route.carrier] = { mode: coverage.mode, carried, requests: switchCost };
      notes.push(
        `${route.carrier}: the ${coverage.mode} route carries ${carried.size} of ${numbers.length} numbers${coverage.mode === 'switch' ? ` in ${switchCost} requests` : ' with no request'}${uncovered.size > 0 ? `; ${uncovered.size} go to the engine` : ''}`,
      );
    } catch (error) {
      notes.push(`${route.carrier}: the ${route.mode} route could not be read: ${(error as Error).message}`);
    }
  }
  return { shares, notes };
}
