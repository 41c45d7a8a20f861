/** Failback's part in the routes: when to undo the switches, and undoing them once the site is ready. */
import type { Incident } from '../../ports/incidents';
import type { FailoverRoutes } from '../routes/failover-routes';
import { owesSwitchBack, switchRoutesBack } from '../routes/switch-routes-back';
import { judgeFailbackReadiness } from './failback-readiness';
import type { FailbackDependencies } from './run-failback';

/** Whether failback undoes the route switches now: before the first wave, or after the last (config). */
export function owesRouteSwitchBack(
  incident: Incident,
  deps: FailbackDependencies,
  lastStep: boolean,
): boolean {
  if (!deps.routes || !(incident.routes ?? []).some(owesSwitchBack)) return false;
  return lastStep || deps.failback.switchBack === 'before-first-wave';
}

/**
 * Checks the site's health afresh, as before a wave, then switches the routes back; `halt` says why
 * failback must stop instead (the site degraded, or a switch could not be undone).
 */
export async function switchBackRoutes(
  incident: Incident,
  deps: FailbackDependencies,
): Promise<{ incident: Incident } | { incident: Incident; halt: string }> {
  const readiness = judgeFailbackReadiness(
    await deps.readSiteHealth(incident.siteId),
    deps.detection,
    deps.clock.now(),
  );
  if (!readiness.ready) return { incident, halt: readiness.reason };
  const routes = deps.routes as FailoverRoutes;
  const back = await switchRoutesBack(incident, routes.of(incident.siteId), { ...routes, ...deps });
  if (back.failed.length === 0) return { incident: back.incident };
  const reason = `the route switch could not be undone (${back.failed
    .map((item) => `${item.carrier}: ${item.reason}`)
    .join('; ')})`;
  return { incident: back.incident, halt: reason };
}
