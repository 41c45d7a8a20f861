import type { CarrierName } from '../contracts/config/config-constants';
import type { CarriersConfig, Config } from '../contracts/config/schema';
import { siteRoutesOf, slowModeOf } from '../contracts/config/site-routes';
import { CarrierLanes } from '../domain/forwarding/token-bucket';
import type { FailoverRoutes } from '../domain/routes/failover-routes';
import type { RouteCall } from '../ports/carrier-routes';
import type { CarrierDirectory } from '../ports/carriers';
import type { Clock } from '../ports/clock';
import type { RouteReadBackStore } from '../ports/route-read-backs';
import { carrierLimitsFromConfig } from './forward-run';

/**
 * The route step as a run uses it: the config's routes, the carriers' route operations, and each
 * route request held to its carrier's configured rate and concurrency.
 */
export function createFailoverRoutes(
  config: Pick<Config, 'sites' | 'carriers'>,
  carriers: CarrierDirectory,
  readBacks: RouteReadBackStore,
  clock: Clock,
): FailoverRoutes {
  const siteOf = (siteId: string) => config.sites.find((site) => site.id === siteId);
  return {
    of: (siteId) => {
      const site = siteOf(siteId);
      return site ? siteRoutesOf(site) : [];
    },
    slowModeOf: (siteId, carrier: CarrierName) => {
      const site = siteOf(siteId);
      return site ? slowModeOf(site, carrier) : 'per-number';
    },
    readBacks,
    carrierRoutes: (carrier) => carriers[carrier]?.routes,
    routeCall: routeCallsFromConfig(config.carriers, clock),
  };
}

/**
 * Each carrier's route requests held to its configured rate and concurrency (one lane a carrier,
 * shared by every route request of the run): what the failover, failback, `arm` and the drill use.
 */
export function routeCallsFromConfig(
  carriers: CarriersConfig,
  clock: Clock,
): (carrier: CarrierName) => RouteCall {
  const lanes = new CarrierLanes(carrierLimitsFromConfig(carriers), clock);
  return (carrier) => (request) => lanes.lane(carrier).call(request);
}
