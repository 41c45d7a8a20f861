/**
 * The routes' part of `arm` and `audit`: each selected site's routes in native or switch mode read
 * back at the carrier (armed first by `arm`), kept in the incident table for the failover, and shown.
 */
import { DynamoDbRouteReadBackStore } from '../../../../lambdas/adapters/dynamodb/route-read-back-store';
import { routeCallsFromConfig } from '../../../../lambdas/composition/failover-routes';
import type { PlanEntry } from '../../../../lambdas/contracts/config/plan-entry';
import type { Config } from '../../../../lambdas/contracts/config/schema';
import { siteRoutesOf } from '../../../../lambdas/contracts/config/site-routes';
import { CarrierAuthError } from '../../../../lambdas/contracts/errors';
import { type RouteReport, readSiteRoutes } from '../../../../lambdas/domain/routes/read-site-routes';
import { systemClock } from '../../../../lambdas/runtime/system-clock';
import type { CarrierSession } from './carrier-session';
import type { CommandContext } from './command-context';
import { formatTable } from './output';

/** The routes' outcome, as `--json` shows it. */
export interface RouteResults {
  routes: {
    siteId: string;
    carrier: string;
    mode: string;
    armed: boolean;
    details: string[];
    ignored: { number: string; reason: string }[];
    error?: string;
  }[];
  /** Whether the read-backs were kept in the incident table (a failover then reads no route first). */
  stored: boolean;
  storeError?: string;
}

/** What reading the routes found, with what the command needs to decide its exit code. */
export interface RouteReading {
  results: RouteResults;
  reports: RouteReport[];
  /** Plan rows the armed native routes carry: `arm` need not arm them one by one. */
  carriedByNative: Set<string>;
  /** The first credential rejection among the routes' requests. */
  authFailure?: CarrierAuthError;
  /** Routes not read, not armed, or read-backs not kept. */
  unsuccessful: number;
}

/** Reads (or arms) the routes of the selected sites and keeps the read-backs. */
export async function readRoutesForCommand(
  config: Config,
  plan: readonly PlanEntry[],
  siteId: string | undefined,
  by: 'arm' | 'audit',
  session: CarrierSession,
  context: CommandContext,
): Promise<RouteReading> {
  const routes = config.sites
    .filter((site) => siteId === undefined || site.id === siteId)
    .flatMap(siteRoutesOf)
    .filter((route) => session.carriers[route.carrier]);
  const empty: RouteResults = { routes: [], stored: true };
  if (routes.length === 0)
    return { results: empty, reports: [], carriedByNative: new Set(), unsuccessful: 0 };
  context.out.info(`${by === 'arm' ? 'Arming and reading back' : 'Reading back'} ${routes.length} routes...`);
  const reports = await readSiteRoutes(routes, plan, by, {
    carrierRoutes: (carrier) => session.carriers[carrier]?.routes,
    routeCall: routeCallsFromConfig(config.carriers, systemClock),
    clock: systemClock,
  });
  const readBacks = reports.flatMap((report) => (report.ok ? [report.readBack] : []));
  let stored = true;
  let storeError: string | undefined;
  if (readBacks.length > 0) {
    try {
      const aws = await context.aws();
      await aws.dynamo(async ({ documentClient, tableName }) => {
        const store = new DynamoDbRouteReadBackStore(documentClient, tableName);
        for (const readBack of readBacks) await store.put(readBack);
      });
    } catch (error) {
      stored = false;
      storeError = error instanceof Error ? error.message : String(error);
    }
  }
  const carriedByNative = new Set<string>();
  for (const report of reports) {
    if (!report.ok || !report.readBack.armed || report.mode !== 'native') continue;
    const ignored = new Set(report.readBack.ignored.map((item) => item.number));
    for (const entry of plan) {
      if (entry.siteId === report.siteId && entry.carrier === report.carrier && !ignored.has(entry.number)) {
        carriedByNative.add(`${entry.siteId}|${entry.number}`);
      }
    }
  }
  const results: RouteResults = {
    routes: reports.map((report) =>
      report.ok
        ? {
            siteId: report.siteId,
            carrier: report.carrier,
            mode: report.mode,
            armed: report.readBack.armed,
            details: report.readBack.details,
            ignored: report.readBack.ignored,
          }
        : {
            siteId: report.siteId,
            carrier: report.carrier,
            mode: report.mode,
            armed: false,
            details: [],
            ignored: [],
            error: report.error,
          },
    ),
    stored,
    ...(storeError ? { storeError } : {}),
  };
  const authFailure = reports
    .map((report) => (report.ok ? undefined : report.cause))
    .find((cause): cause is CarrierAuthError => cause instanceof CarrierAuthError);
  const unsuccessful =
    results.routes.filter((route) => !route.armed).length + (stored ? 0 : readBacks.length);
  return { results, reports, carriedByNative, authFailure, unsuccessful };
}

/** The routes' lines of the human output: a table, the ignored numbers, and a storage warning. */
export function renderRouteResults(results: RouteResults): string[] {
  if (results.routes.length === 0) return [];
  const lines = [
    formatTable(
      ['SITE', 'CARRIER', 'MODE', 'READ BACK', 'IGNORED NUMBERS'],
      results.routes.map((route) => [
        route.siteId,
        route.carrier,
        route.mode,
        route.error ? `not read: ${route.error}` : route.armed ? 'ready' : 'NOT READY',
        String(route.ignored.length),
      ]),
    ),
  ];
  for (const route of results.routes) {
    if (route.details.length > 0 && !route.armed) {
      lines.push('', `${route.siteId} ${route.carrier}:`, ...route.details.map((line) => `  ${line}`));
    }
  }
  const ignored = results.routes.flatMap((route) =>
    route.ignored.map((item) => [item.number, route.carrier, route.siteId, item.reason]),
  );
  if (ignored.length > 0) {
    lines.push(
      '',
      "Numbers the carrier would not route by the site's route (a failover forwards them one by one):",
      formatTable(['NUMBER', 'CARRIER', 'SITE', 'WHY'], ignored),
    );
  }
  if (!results.stored) {
    lines.push(
      '',
      `The read-backs could not be kept in the incident table (${results.storeError}); a failover will read the routes first, which costs requests during the outage. Fix AWS access and run this again.`,
    );
  }
  return lines;
}
