/** What a failover and a failback need to work a site's routes, besides the incident's store, log and clock. */
import type { CarrierName, FailoverMode } from '../../contracts/config/config-constants';
import type { SiteRoute } from '../../contracts/config/site-routes';
import type { CarryRoutesDependencies } from './carry-routes';

/** The site's routes and the means to work them. */
export interface FailoverRoutes
  extends Pick<CarryRoutesDependencies, 'readBacks' | 'carrierRoutes' | 'routeCall'> {
  /** The site's routes in native or switch mode. */
  of(siteId: string): SiteRoute[];
  /** The mode of the numbers no route carries: bulk or per-number. */
  slowModeOf(siteId: string, carrier: CarrierName): FailoverMode;
}
