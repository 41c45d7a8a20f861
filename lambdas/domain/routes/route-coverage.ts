/**
 * Which of a site's numbers a route carries in this outage, decided from the last read-back alone
 * (no carrier request): the numbers it carries need no per-number write, the rest go the slower way.
 */
import { canSwitch, routeKey, type SiteRoute } from '../../contracts/config/site-routes';
import type { StoredRouteReadBack } from '../../ports/route-read-backs';

/**
 * The failure kinds the carriers' own failover answers: the site does not answer, or answers
 * 408/480/503/504. A site that answers calls with other errors ("up but out of sync") keeps its
 * calls at every carrier, so native alone does not cover it.
 */
const NATIVE_COVERS: readonly string[] = ['site-unreachable'];

/** What the route does for the outage. */
export type RouteCoverage =
  /** No usable read-back (none, another route's, or another set of numbers): read the route now. */
  | { kind: 'read-first'; why: string }
  /** The route carries the numbers but those in `uncovered`; `mode` is how (native: no request). */
  | { kind: 'covers'; mode: 'native' | 'switch'; uncovered: string[]; note?: string }
  /** The route carries none of them; every number goes the slower way. */
  | { kind: 'not-covering'; reason: string };

/** A key of a set of numbers: a read-back of another set (numbers added or removed since) is stale. */
export function numberSetKey(numbers: readonly string[]): string {
  let hash = 0x811c9dc5;
  for (const number of [...numbers].sort()) {
    for (let index = 0; index < number.length; index++) {
      hash ^= number.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    hash = Math.imul(hash ^ 0x2c, 0x01000193) >>> 0;
  }
  return `${numbers.length}:${hash.toString(16).padStart(8, '0')}`;
}

/** Decides the route's part in the outage from its last read-back and the outage's failure kind. */
export function decideRouteCoverage(
  route: SiteRoute,
  numbers: readonly string[],
  readBack: StoredRouteReadBack | undefined,
  failureKind: string,
): RouteCoverage {
  if (!readBack) return { kind: 'read-first', why: 'no read-back yet (run carrier-failover arm or audit)' };
  if (readBack.routeKey !== routeKey(route)) {
    return { kind: 'read-first', why: 'the last read-back is of other route settings' };
  }
  if (readBack.numbersKey !== numberSetKey(numbers)) {
    return { kind: 'read-first', why: 'the plan has changed since the last read-back' };
  }
  // A switch needs no failover armed (planSwitch refuses one that would leave calls nowhere); the
  // read-back still names the numbers the route does not carry.
  if (!readBack.armed && route.mode === 'native') {
    return {
      kind: 'not-covering',
      reason: `the read-back of ${new Date(readBack.readAt).toISOString()} found the route not ready: ${readBack.details.join('; ')}`,
    };
  }
  const asked = new Set(numbers);
  const uncovered = readBack.ignored.map((item) => item.number).filter((number) => asked.has(number));
  if (route.mode === 'switch') return { kind: 'covers', mode: 'switch', uncovered };
  if (NATIVE_COVERS.includes(failureKind)) return { kind: 'covers', mode: 'native', uncovered };
  if (canSwitch(route)) {
    return {
      kind: 'covers',
      mode: 'switch',
      uncovered,
      note: `the carrier's own failover does not answer ${failureKind}: switching the route instead`,
    };
  }
  return {
    kind: 'not-covering',
    reason: `the carrier's own failover does not answer ${failureKind} and the route has no switch configured`,
  };
}
