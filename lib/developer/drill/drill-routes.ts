/**
 * The drill's `carrier-failover arm`: before the outage, each route of the played site in native or
 * switch mode is armed (native) and read back at the fakes, and the read-backs are kept in the
 * incident table, as an operator's `arm` does, so the failover knows which numbers each carries.
 */
import type { DynamoDbRouteReadBackStore } from '../../../lambdas/adapters/dynamodb/route-read-back-store';
import { carrierLimitsFromConfig } from '../../../lambdas/composition/forward-run';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import type { Config } from '../../../lambdas/contracts/config/schema';
import { siteRoutesOf } from '../../../lambdas/contracts/config/site-routes';
import { CarrierLanes } from '../../../lambdas/domain/forwarding/token-bucket';
import { type RouteReport, readSiteRoutes } from '../../../lambdas/domain/routes/read-site-routes';
import type { CarrierDirectory } from '../../../lambdas/ports/carriers';
import { systemClock } from '../../../lambdas/runtime/system-clock';

/** Arms and reads back every route of `config`'s sites; throws when one cannot be read. */
export async function armDrillRoutes(
  config: Config,
  plan: readonly PlanEntry[],
  carriers: CarrierDirectory,
  readBacks: DynamoDbRouteReadBackStore,
): Promise<RouteReport[]> {
  const lanes = new CarrierLanes(carrierLimitsFromConfig(config.carriers), systemClock);
  const reports = await readSiteRoutes(config.sites.flatMap(siteRoutesOf), plan, 'arm', {
    carrierRoutes: (carrier) => carriers[carrier]?.routes,
    routeCall: (carrier) => (request) => lanes.lane(carrier).call(request),
    clock: systemClock,
  });
  const failed = reports.filter((report) => !report.ok);
  if (failed.length > 0) {
    throw new Error(
      `arming the routes failed: ${failed.map((report) => `${report.carrier}: ${report.ok ? '' : report.error}`).join('; ')}`,
    );
  }
  for (const report of reports) if (report.ok) await readBacks.put(report.readBack);
  return reports;
}
