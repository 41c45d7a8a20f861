/**
 * Bandwidth origination route plans: the prioritized, weighted routes a TN or a SIP peer sends
 * its calls to. Bandwidth tries the lowest priority first, spreads calls over same-priority routes
 * by weight, and fails over to the next priority when a route does not take the call.
 *
 * Docs gaps, both assumed here: the spec does not say what makes Bandwidth move on to the next
 * priority (which SIP answers, which timeout) nor how long it takes; nor whether a SIP endpoint may
 * leave out the user part (`sip:host:port`), which is how a site's SIP URI is sent so that its
 * port is kept.
 */
import { CarrierError } from '../../contracts/errors';
import { textOf, type XmlDocument } from './bandwidth-api';

/** One route, as Bandwidth keeps it. */
export interface BandwidthRoute {
  /** A 10-digit TN, a SIP URI, an IPv4 address or an FQDN. */
  endpoint: string;
  /** 1 is tried first; priorities run 1, 2, 3... without gaps. */
  priority: number;
  /** Share of the calls among routes of the same priority, when set. */
  weight?: number;
}

/** The weight given to routes this adapter adds (Bandwidth's examples use 100 for a lone route). */
const WEIGHT = 100;

/** The routes of a parsed `OriginationRoutePlan` element, by priority; null when it has none. */
export function parseRoutePlan(element: unknown): BandwidthRoute[] | null {
  if (typeof element !== 'object' || element === null) {
    return null;
  }
  const routes = (((element as XmlDocument).Route as unknown[] | undefined) ?? []).flatMap((route) => {
    const endpoint = textOf(route, 'Endpoint');
    const priority = Number(textOf(route, 'Priority') ?? Number.NaN);
    if (endpoint === undefined || !Number.isInteger(priority)) {
      return [];
    }
    const weight = textOf(route, 'Weight');
    return [{ endpoint, priority, ...(weight === undefined ? {} : { weight: Number(weight) }) }];
  });
  return routes.length === 0 ? null : byPriority(routes);
}

/** The `OriginationRoutePlan` element that sets exactly these routes (`off` removes the plan). */
export function routePlanElement(routes: readonly BandwidthRoute[] | null): XmlDocument {
  if (routes === null || routes.length === 0) {
    // `off` takes an empty route list.
    return { Action: 'off' };
  }
  return {
    Route: byPriority(routes).map((route) => ({
      Endpoint: route.endpoint,
      Priority: String(route.priority),
      ...(route.weight === undefined ? {} : { Weight: String(route.weight) }),
    })),
    Action: 'asSpecified',
  };
}

/** The route endpoint for a site's SIP URI (`sip:host[:port]`), kept whole so its port is kept. */
export function sipEndpoint(sipUri: string, what: string): string {
  if (!/^sips?:[^\s]+$/i.test(sipUri)) {
    throw new CarrierError(
      'bandwidth',
      `${what}: "${sipUri}" is not a SIP URI (sip:host:port); fix the site's SIP URI in the config`,
      { retryable: false },
    );
  }
  return sipUri;
}

/** A route plan that sends calls to one number (how a TN with a route plan is forwarded). */
export function numberPlan(tenDigitNumber: string): BandwidthRoute[] {
  return [{ endpoint: tenDigitNumber, priority: 1, weight: WEIGHT }];
}

/** The one number a plan sends every call to, when it is such a plan (see numberPlan). */
export function forwardedNumberOf(routes: readonly BandwidthRoute[] | null): string | null {
  return routes?.length === 1 && /^\d{10}$/.test(routes[0].endpoint) ? routes[0].endpoint : null;
}

/**
 * True when the plan tries `primary` first and fails over to `backup` after it: the primary alone
 * at the first priority, the backup at a later one.
 */
export function failsOverTo(
  routes: readonly BandwidthRoute[] | null,
  primary: string,
  backup: string,
): boolean {
  const next = routes?.find((route) => same(route.endpoint, backup));
  return leadsWith(routes, primary) && next !== undefined && next.priority > 1;
}

/**
 * The plan armed with the backup: the primary alone first, every other route it had after it, and
 * the backup at a priority of its own after them all.
 */
export function withBackupLast(
  routes: readonly BandwidthRoute[] | null,
  primary: string,
  backup: string,
): BandwidthRoute[] {
  const others = (routes ?? []).filter(
    (route) => !same(route.endpoint, backup) && !same(route.endpoint, primary),
  );
  const numbered = renumber([{ endpoint: primary, priority: 0, weight: WEIGHT }, ...others]);
  const last = Math.max(...numbered.map((route) => route.priority));
  return [...numbered, { endpoint: backup, priority: last + 1, weight: WEIGHT }];
}

/** True when `endpoint` alone takes the first priority. */
export function leadsWith(routes: readonly BandwidthRoute[] | null, endpoint: string): boolean {
  const first = (routes ?? []).filter((route) => route.priority === 1);
  return first.length === 1 && same(first[0].endpoint, endpoint);
}

/** The plan switched to the backup: the backup alone first, then every other route it had. */
export function withBackupFirst(routes: readonly BandwidthRoute[] | null, backup: string): BandwidthRoute[] {
  const rest = (routes ?? []).filter((route) => !same(route.endpoint, backup));
  return renumber([{ endpoint: backup, priority: 0, weight: WEIGHT }, ...rest]);
}

/** True when both plans have the same routes (order of same-priority routes aside). */
export function samePlan(a: readonly BandwidthRoute[] | null, b: readonly BandwidthRoute[] | null): boolean {
  const key = (routes: readonly BandwidthRoute[] | null) =>
    JSON.stringify(
      (routes ?? [])
        .map((route) => [route.endpoint.toLowerCase(), route.priority, route.weight ?? null])
        .sort(),
    );
  return key(a) === key(b);
}

/** One line for `details`: `1 sip:a:5060 (100), 2 sip:b:5060 (100)`, or `none`. */
export function describePlan(routes: readonly BandwidthRoute[] | null): string {
  if (routes === null || routes.length === 0) {
    return 'none';
  }
  return byPriority(routes)
    .map(
      (route) =>
        `${route.priority} ${route.endpoint}${route.weight === undefined ? '' : ` (${route.weight})`}`,
    )
    .join(', ');
}

function byPriority<T extends BandwidthRoute>(routes: readonly T[]): T[] {
  return [...routes].sort((a, b) => a.priority - b.priority);
}

/** Priorities as 1, 2, 3... in the same order (Bandwidth rejects gaps, error 5223). */
function renumber(routes: readonly BandwidthRoute[]): BandwidthRoute[] {
  const sorted = byPriority(routes);
  const distinct = [...new Set(sorted.map((route) => route.priority))];
  return sorted.map((route) => ({ ...route, priority: distinct.indexOf(route.priority) + 1 }));
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
