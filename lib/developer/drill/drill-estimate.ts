/**
 * The drill's dry run: before the kill, `carrier-failover failover --dry-run`'s estimate of the
 * failover (its routes read, every number's routing read the engine's way, the engine's request
 * plan), so the result can set each carrier's estimated requests beside the ones it then measures.
 */
import { routeCallsFromConfig } from '../../../lambdas/composition/failover-routes';
import { carrierLimitsFromConfig } from '../../../lambdas/composition/forward-run';
import { CARRIER_NAMES } from '../../../lambdas/contracts/config/config-constants';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import type { Config } from '../../../lambdas/contracts/config/schema';
import { failoverModeOf, siteRoutesOf } from '../../../lambdas/contracts/config/site-routes';
import { type CarrierEstimate, previewFailover } from '../../../lambdas/domain/practice/preview-failover';
import { estimateRouteShares } from '../../../lambdas/domain/routes/route-estimate';
import type { CarrierDirectory } from '../../../lambdas/ports/carriers';
import type { Clock } from '../../../lambdas/ports/clock';
import type { RoutingBaseline } from '../../../lambdas/ports/routing-baseline';

/** The dry run's estimate of a site's failover, per carrier, with the route notes. */
export interface DrillEstimate {
  byCarrier: CarrierEstimate[];
  routeNotes: string[];
}

/** Runs the dry run of a failover of `siteId` against the drill's carriers (reads only). */
export async function estimateDrillFailover(input: {
  config: Config;
  plan: readonly PlanEntry[];
  siteId: string;
  carriers: CarrierDirectory;
  baseline: RoutingBaseline;
  clock: Clock;
}): Promise<DrillEstimate> {
  const { config, siteId, clock } = input;
  const site = config.sites.find((candidate) => candidate.id === siteId);
  const entries = input.plan.filter((entry) => entry.siteId === siteId);
  const routes = await estimateRouteShares({
    routes: site ? siteRoutesOf(site) : [],
    entries,
    carriers: input.carriers,
    routeCall: routeCallsFromConfig(config.carriers, clock),
    clock,
  });
  const preview = await previewFailover({
    entries,
    carriers: input.carriers,
    routes: routes.shares,
    baseline: input.baseline,
    perNumberCarriers: site
      ? CARRIER_NAMES.filter((carrier) => failoverModeOf(site, carrier) === 'per-number')
      : [],
    clock,
    random: Math.random,
    limits: carrierLimitsFromConfig(config.carriers),
  });
  return { byCarrier: preview.byCarrier, routeNotes: routes.notes };
}
