/**
 * Failback's route step: undoes every switch the incident recorded, exactly once across regions,
 * retries and crashes (`switching-back` is recorded before the carrier is touched, and switching
 * back is idempotent), and puts back exactly the values the switch's record holds. A native route
 * needs nothing: the carrier's own failover sends calls to the primary again as soon as it answers.
 */
import type { SiteRoute } from '../../contracts/config/site-routes';
import { CarrierError } from '../../contracts/errors';
import type { Incident, IncidentRoute } from '../../ports/incidents';
import { describeFailure } from '../forwarding/retry-policy';
import { TIMELINE } from '../incidents/timeline';
import type { CarryRoutesDependencies } from './carry-routes';
import { putIncidentRoute } from './incident-routes';
import { runRouteOperation } from './route-retries';

/** A route whose switch failback must undo: it holds a record and is not back yet. */
export function owesSwitchBack(route: IncidentRoute): boolean {
  return route.record !== undefined && route.state !== 'switched-back';
}

/** What switching back did: the incident after it, and the routes that could not be switched back. */
export interface SwitchedBack {
  incident: Incident;
  failed: { carrier: string; reason: string }[];
}

/** Switches back every route of the incident that owes it (`routes`: the site's configured routes). */
export async function switchRoutesBack(
  start: Incident,
  routes: readonly SiteRoute[],
  deps: CarryRoutesDependencies,
): Promise<SwitchedBack> {
  let incident = start;
  const failed: SwitchedBack['failed'] = [];
  for (const item of start.routes ?? []) {
    if (!owesSwitchBack(item)) continue;
    const route = routes.find((candidate) => candidate.carrier === item.carrier);
    const operations = deps.carrierRoutes(item.carrier);
    if (!route || !operations) {
      failed.push({
        carrier: item.carrier,
        reason: `no ${item.carrier} route is configured for this site any more`,
      });
      continue;
    }
    if (item.state !== 'switching-back') {
      incident = await putIncidentRoute(
        incident,
        { ...item, state: 'switching-back', at: deps.clock.now() },
        deps,
      );
    }
    try {
      await runRouteOperation(deps, item.carrier, (call) =>
        operations.switchBack(route, item.record ?? {}, call),
      );
    } catch (error) {
      if (!(error instanceof CarrierError)) throw error;
      failed.push({ carrier: item.carrier, reason: describeFailure(error) });
      continue;
    }
    incident = await putIncidentRoute(
      incident,
      { ...item, state: 'switched-back', at: deps.clock.now() },
      deps,
    );
    await deps.log.record(
      incident,
      TIMELINE.routeSwitchedBack,
      `${item.carrier}: route switched back to the primary for ${item.covered} numbers`,
      { carrier: item.carrier, covered: item.covered },
    );
  }
  return { incident, failed };
}

/**
 * Numbers the routes carried that are home again: switched back, or carried by the native failover.
 * A route whose switch failed carried none (`covered` 0): its numbers come home by their own restores.
 */
export function routedNumbersHome(incident: Incident): number {
  return (incident.routes ?? [])
    .filter((item) => item.state === 'covered' || item.state === 'switched-back')
    .reduce((sum, item) => sum + item.covered, 0);
}
