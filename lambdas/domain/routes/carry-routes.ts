/**
 * The route step of a failover, before any per-number write: for each of the site's routes in native
 * or switch mode, decide from the last read-back which numbers it carries, and apply a switch
 * exactly once across regions, retries and crashes. A switch is recorded on the incident
 * (`switching`, with the values to put back) before the carrier is touched; a run that finds it
 * `switching` applies the same record again (the switch is idempotent), so the carrier ends switched
 * once and failback knows exactly what to undo. The numbers no route carries are returned for the
 * forwarding engine. A carrier's refusal (or its failing after the retries) leaves the route's
 * numbers to the slower modes; anything else ends the run, as a dead function would.
 */
import type { CarrierName } from '../../contracts/config/config-constants';
import type { PlanEntry } from '../../contracts/config/plan-entry';
import type { SiteRoute } from '../../contracts/config/site-routes';
import { CarrierError } from '../../contracts/errors';
import type { CarrierRoutes, RouteCall } from '../../ports/carrier-routes';
import type { Clock } from '../../ports/clock';
import type { Incident, IncidentRoute, IncidentStore } from '../../ports/incidents';
import type { RouteReadBackStore } from '../../ports/route-read-backs';
import { describeFailure } from '../forwarding/retry-policy';
import type { IncidentLog } from '../incidents/incident-log';
import { TIMELINE } from '../incidents/timeline';
import { putIncidentRoute } from './incident-routes';
import { readRoute } from './read-route';
import { decideRouteCoverage } from './route-coverage';
import { runRouteOperation } from './route-retries';

/** What the route step needs. */
export interface CarryRoutesDependencies {
  store: IncidentStore;
  log: IncidentLog;
  clock: Clock;
  runId: string;
  readBacks: RouteReadBackStore;
  /** The carrier's route operations; undefined when it has none. */
  carrierRoutes(carrier: CarrierName): CarrierRoutes | undefined;
  /** Holds a route request to the carrier's rate and concurrency. */
  routeCall(carrier: CarrierName): RouteCall;
}

/** The incident after the step, and the plan rows left for per-number or bulk forwarding. */
export interface CarriedRoutes {
  incident: Incident;
  /** Rows no route carries. */
  remaining: PlanEntry[];
  /** Numbers the routes carry. */
  carried: number;
}

/** Runs the route step for `routes` (the site's routes in native or switch mode). */
export async function carryRoutes(
  start: Incident,
  entries: readonly PlanEntry[],
  routes: readonly SiteRoute[],
  deps: CarryRoutesDependencies,
): Promise<CarriedRoutes> {
  let incident = start;
  // One carrier after another: a handful of routes, and each keeps the lease's updates simple.
  for (const route of routes) {
    incident = await carryRoute(incident, route, entries, deps);
  }
  const byCarrier = new Map((incident.routes ?? []).map((route) => [route.carrier, route]));
  const remaining = entries.filter((entry) => {
    const route = byCarrier.get(entry.carrier);
    return !route || route.state === 'not-covering' || route.uncovered.includes(entry.number);
  });
  return { incident, remaining, carried: entries.length - remaining.length };
}

async function carryRoute(
  incident: Incident,
  route: SiteRoute,
  entries: readonly PlanEntry[],
  deps: CarryRoutesDependencies,
): Promise<Incident> {
  const existing = incident.routes?.find((item) => item.carrier === route.carrier);
  if (existing && existing.state !== 'switching') return incident;
  const routes = deps.carrierRoutes(route.carrier);
  const numbers = entries.filter((entry) => entry.carrier === route.carrier).map((entry) => entry.number);
  if (numbers.length === 0) return incident;
  if (!routes) {
    return settle(incident, route, numbers, deps, {
      state: 'not-covering',
      reason: `the ${route.carrier} adapter has no route operations`,
    });
  }
  if (existing?.state === 'switching') {
    return applySwitch(incident, route, numbers, existing, routes, deps, true);
  }

  let readBack = await deps.readBacks.get(route.siteId, route.carrier);
  let coverage = decideRouteCoverage(route, numbers, readBack, incident.failureKind);
  if (coverage.kind === 'read-first') {
    const why = coverage.why;
    try {
      readBack = await runRouteOperation(deps, route.carrier, (call) =>
        readRoute(route, numbers, 'failover', { ...deps, routes, call }),
      );
      coverage = decideRouteCoverage(route, numbers, readBack, incident.failureKind);
    } catch (error) {
      if (!(error instanceof CarrierError)) throw error;
      return settle(incident, route, numbers, deps, {
        state: 'not-covering',
        reason: `${why}, and reading the route failed: ${describeFailure(error)}`,
      });
    }
  }
  if (coverage.kind === 'read-first') {
    return settle(incident, route, numbers, deps, { state: 'not-covering', reason: coverage.why });
  }
  if (coverage.kind === 'not-covering') {
    return settle(incident, route, numbers, deps, { state: 'not-covering', reason: coverage.reason });
  }
  if (coverage.mode === 'native') {
    return settle(incident, route, numbers, deps, {
      state: 'covered',
      uncovered: coverage.uncovered,
      carriedAt: incident.outageStartedAt,
    });
  }
  let record: Record<string, unknown>;
  try {
    record = await runRouteOperation(deps, route.carrier, (call) => routes.planSwitch(route, call));
  } catch (error) {
    if (!(error instanceof CarrierError)) throw error;
    return settle(incident, route, numbers, deps, {
      state: 'not-covering',
      reason: `the switch could not be planned: ${describeFailure(error)}`,
    });
  }
  const switching = await settle(incident, route, numbers, deps, {
    state: 'switching',
    uncovered: coverage.uncovered,
    record,
    ...(coverage.note ? { reason: coverage.note } : {}),
  });
  const saved = switching.routes?.find((item) => item.carrier === route.carrier) as IncidentRoute;
  return applySwitch(switching, route, numbers, saved, routes, deps, false);
}

async function applySwitch(
  incident: Incident,
  route: SiteRoute,
  numbers: readonly string[],
  saved: IncidentRoute,
  routes: CarrierRoutes,
  deps: CarryRoutesDependencies,
  /** An earlier run saved the record `switching` and may have applied part of it. */
  resumed: boolean,
): Promise<Incident> {
  try {
    await runRouteOperation(deps, route.carrier, (call) =>
      routes.switchToBackup(route, saved.record ?? {}, call, { resumed }),
    );
  } catch (error) {
    // Anything but the carrier's answer (a bug, the function dying) ends the run: the next run
    // finds the record and applies it again.
    if (!(error instanceof CarrierError)) throw error;
    // Every number goes the slower way; the record stays, so failback undoes whatever part of the
    // switch landed (the numbers themselves come home by their own restores, not by the route).
    return settle(incident, route, numbers, deps, {
      state: 'not-covering',
      record: saved.record,
      reason: `the switch failed: ${describeFailure(error)}`,
    });
  }
  return settleRoute(
    incident,
    { ...saved, state: 'switched', carriedAt: deps.clock.now() },
    numbers.length,
    deps,
  );
}

type RouteOutcome = Pick<IncidentRoute, 'state'> & Partial<Omit<IncidentRoute, 'carrier' | 'mode' | 'state'>>;

function settle(
  incident: Incident,
  route: SiteRoute,
  numbers: readonly string[],
  deps: CarryRoutesDependencies,
  outcome: RouteOutcome,
): Promise<Incident> {
  const uncovered = outcome.state === 'not-covering' ? [...numbers] : (outcome.uncovered ?? []);
  const item: IncidentRoute = {
    carrier: route.carrier,
    mode: route.mode as 'native' | 'switch',
    ...outcome,
    covered: numbers.length - uncovered.length,
    uncovered,
    at: deps.clock.now(),
  };
  return settleRoute(incident, item, numbers.length, deps);
}

/** Replaces the carrier's route entry on the incident and puts the change on the timeline. */
async function settleRoute(
  incident: Incident,
  item: IncidentRoute,
  numbers: number,
  deps: CarryRoutesDependencies,
): Promise<Incident> {
  const updated = await putIncidentRoute(incident, item, deps);
  const type = item.state === 'switching' ? TIMELINE.routeSwitching : TIMELINE.routeCarried;
  await deps.log.record(updated, type, describeRoute(item, numbers), {
    carrier: item.carrier,
    mode: item.mode,
    state: item.state,
    covered: item.covered,
    uncovered: item.uncovered.length,
    ...(item.reason ? { reason: item.reason } : {}),
  });
  return updated;
}

/** One timeline line: what the route does for how many of the carrier's numbers. */
function describeRoute(item: IncidentRoute, numbers: number): string {
  const rest =
    item.uncovered.length > 0 ? `; ${item.uncovered.length} forwarded number by number or in bulk` : '';
  const why = item.reason ? ` (${item.reason})` : '';
  switch (item.state) {
    case 'covered':
      return `${item.carrier}: the carrier's own failover carries ${item.covered} of ${numbers} numbers, no request sent${rest}`;
    case 'switching':
      return `${item.carrier}: switching the route to the backup for ${item.covered} of ${numbers} numbers${why}`;
    case 'switched':
      return `${item.carrier}: route switched to the backup for ${item.covered} of ${numbers} numbers${rest}${why}`;
    case 'not-covering':
      return `${item.carrier}: the route carries none of the ${numbers} numbers${why}; forwarding them number by number or in bulk`;
    default:
      return `${item.carrier}: route ${item.state}${why}`;
  }
}
