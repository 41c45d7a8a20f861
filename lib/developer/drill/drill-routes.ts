/**
 * The drill's `carrier-failover arm`: before the outage, each route of the played site in native or
 * switch mode is armed (native) and read back at the fakes, and the read-backs are kept in the
 * incident table, as an operator's `arm` does, so the failover knows which numbers each carries.
 */

import { routeCallsFromConfig } from '../../../lambdas/composition/failover-routes';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import type { Config } from '../../../lambdas/contracts/config/schema';
import { siteRoutesOf } from '../../../lambdas/contracts/config/site-routes';
import { type RouteReport, readSiteRoutes } from '../../../lambdas/domain/routes/read-site-routes';
import type { CarrierDirectory } from '../../../lambdas/ports/carriers';
import type { Clock } from '../../../lambdas/ports/clock';
import type { RouteReadBackStore } from '../../../lambdas/ports/route-read-backs';
import { systemClock } from '../../../lambdas/runtime/system-clock';

/** Arms and reads back every route of `config`'s sites and keeps the read-backs; throws when one cannot be read. */
export async function armDrillRoutes(
  config: Config,
  plan: readonly PlanEntry[],
  carriers: CarrierDirectory,
  readBacks: RouteReadBackStore,
  clock: Clock = systemClock,
): Promise<RouteReport[]> {
  const reports = await readSiteRoutes(config.sites.flatMap(siteRoutesOf), plan, 'arm', {
    carrierRoutes: (carrier) => carriers[carrier]?.routes,
    routeCall: routeCallsFromConfig(config.carriers, clock),
    clock,
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
