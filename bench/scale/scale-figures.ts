/**
 * One carrier's figures in one scale run, from its fake's request log (virtual timestamps) and its
 * modelled call routing: when the carrier's last number reached the backup after the kill, against
 * the bound its mode allows (issue 21, item 4), the requests it got, and what went wrong (numbers
 * lost, writes applied twice).
 */

import type { CarrierName, FailoverMode } from '../../lambdas/contracts/config/config-constants';
import type { DetectionSettings } from '../../lambdas/contracts/config/schema';
import { settleWindowMs } from '../../lambdas/domain/detection/decide-site-health';
import { writesOf } from '../../lambdas/domain/forwarding/request-plan';
import type { Carrier } from '../../lambdas/ports/carriers';
import type { IncidentRoute } from '../../lambdas/ports/incidents';
import type { RequestLogEntry } from '../../lib/developer/carrier-fakes/fake-carrier-server';

/** One `scale` row of the JSON (names as issue 21 gives them, plus `carrierNumbers`). */
export interface ScaleRow {
  /** The plan's size. */
  numbers: number;
  /** The carrier's share of it. */
  carrierNumbers: number;
  carrier: CarrierName;
  /** The mode that moved the carrier's numbers (the configured one, or what a route left over fell to). */
  mode: string;
  rateLimitPerSecond: number;
  /** Share of the carrier's requests its fake answered with a random fault (0-1). */
  carrierFaultRate: number;
  /** Site death to the carrier's last number's calls reaching the backup; null when none did. */
  killToReachableMs: number | null;
  boundMs: number;
  /** Requests the carrier's fake received from the kill to the end of the failover. */
  requests: number;
  /** The carrier's plan numbers whose calls reach no live target at the end. */
  lost: number;
  /** Numbers written twice during the failover, plus route writes beyond what the operation needs. */
  appliedTwice: number;
}

/**
 * Seconds a carrier's own failover waits for a silent target when the route sets none: Telnyx's
 * documented `inbound.timeout_1xx_secs` default; Twilio and Bandwidth document none, so RFC 3261
 * Timer B, the config schema's default for the bound (README, "Failover modes").
 */
export const DEFAULT_NATIVE_FAILOVER_SECONDS: Record<Exclude<CarrierName, 'webhook'>, number> = {
  telnyx: 3,
  twilio: 32,
  bandwidth: 32,
};

/**
 * The fewest requests each carrier's switch takes during the outage, and how many of them are
 * writes (README, "Failover modes"): Telnyx one filtered update job and its poll; Twilio the list
 * of the trunk's origination URLs and one update (the site has one); Bandwidth one SIP peer update.
 */
export const SWITCH_REQUESTS: Record<
  Exclude<CarrierName, 'webhook'>,
  { requests: number; writes: number }
> = {
  telnyx: { requests: 2, writes: 1 },
  twilio: { requests: 2, writes: 1 },
  bandwidth: { requests: 1, writes: 1 },
};

/** What one carrier's figures are computed from. */
export interface CarrierRunFacts {
  numbers: number;
  carrier: CarrierName;
  configuredMode: FailoverMode;
  /** What the carriers' numbers fell to where the route did not carry them. */
  slowMode: 'bulk' | 'per-number';
  route?: IncidentRoute;
  adapter: Carrier;
  rateLimitPerSecond: number;
  carrierFaultRate: number;
  settings: DetectionSettings;
  nativeFailoverSeconds?: number;
  /** The carrier's plan numbers. */
  carrierNumbers: readonly string[];
  /** How many of them each destination takes. */
  destinations: readonly number[];
  /** The fake's log from the kill to the end of the failover. */
  requests: readonly RequestLogEntry[];
  killAt: number;
  /** Numbers whose calls reached a live target at the kill (a native route armed ahead). */
  reachedAtKill: ReadonlySet<string>;
  /** Numbers whose calls reach no live target at the end. */
  lost: ReadonlySet<string>;
}

/** The detection bound: the failure run, the interval the kill lands in, and the settle window. */
export function detectionBoundMs(settings: DetectionSettings): number {
  const intervalMs = settings.probeIntervalSeconds * 1000;
  return intervalMs * settings.failuresToTrip + intervalMs + settleWindowMs(settings);
}

/** The carrier's per-call failover time in native mode, ms. */
export function perCallFailoverMs(carrier: CarrierName, nativeFailoverSeconds?: number): number {
  const fallback = carrier === 'webhook' ? 0 : DEFAULT_NATIVE_FAILOVER_SECONDS[carrier];
  return (nativeFailoverSeconds ?? fallback) * 1000;
}

/**
 * The fewest requests the carrier's API allows to move `numbers` in `mode`, as the adapter declares
 * its API (page size, bulk call size, one destination a bulk call or many): `destinations` counts
 * the numbers each destination takes, since a Telnyx update job sets one destination.
 */
export function fewestRequests(
  adapter: Carrier,
  mode: 'switch' | 'bulk' | 'per-number',
  numbers: number,
  destinations: readonly number[],
) {
  if (mode === 'switch' && adapter.name !== 'webhook') return SWITCH_REQUESTS[adapter.name].requests;
  const pages = adapter.routingPages;
  // Without a list the routing is read a number at a time.
  const reads = pages
    ? Math.ceil(numbers / pages.pageSize) * (1 + (pages.extraRequestsPerPage ?? 0))
    : numbers * (adapter.requestsPerRead ?? 1);
  const path = mode === 'bulk' && adapter.bulkLimit !== undefined ? 'bulk' : 'per-number';
  return reads + writesOf(adapter, path, numbers, destinations).requests;
}

/** The mode that moved the numbers: a route that carried only some (or none) hands the rest on. */
function actualMode(facts: CarrierRunFacts): { mode: string; slowPart: boolean } {
  const { configuredMode, route, slowMode } = facts;
  if (configuredMode !== 'native' && configuredMode !== 'switch')
    return { mode: configuredMode, slowPart: true };
  if (!route || route.state === 'not-covering' || route.covered === 0)
    return { mode: slowMode, slowPart: true };
  if (route.uncovered.length > 0) return { mode: `${configuredMode}+${slowMode}`, slowPart: true };
  return { mode: configuredMode, slowPart: false };
}

/** The carrier's row. */
export function carrierRow(facts: CarrierRunFacts): ScaleRow {
  const { carrier, adapter, requests, killAt, settings } = facts;
  const { mode, slowPart } = actualMode(facts);
  const native = mode === 'native';
  const routeMode = facts.configuredMode === 'native' || facts.configuredMode === 'switch';
  const perCallMs = perCallFailoverMs(carrier, facts.nativeFailoverSeconds);
  const planNumbers = new Set(facts.carrierNumbers);
  const lastApplied = new Map<string, number>();
  const writes = new Map<string, number>();
  for (const entry of requests) {
    for (const number of new Set(entry.applied)) {
      if (!planNumbers.has(number)) continue;
      lastApplied.set(number, entry.at);
      writes.set(number, (writes.get(number) ?? 0) + 1);
    }
  }
  // A route write changes a trunk, connection or SIP peer (its `applied` names no plan number);
  // one the carrier applied and then answered with a 500 (`accepted-then-500`) took effect too. A
  // reset connection (status 0) never reached the carrier.
  const routeWrites =
    routeMode && carrier !== 'webhook'
      ? requests.filter(
          (entry) =>
            entry.method !== 'GET' &&
            ((entry.status >= 200 && entry.status < 300) || entry.fault === 'accepted-then-500') &&
            !entry.applied.some((number) => planNumbers.has(number)),
        )
      : [];
  const lastRouteWriteAt =
    routeWrites.length > 0 ? Math.max(...routeWrites.map((entry) => entry.at)) : undefined;
  let latest: number | undefined;
  for (const number of facts.carrierNumbers) {
    if (facts.lost.has(number)) continue;
    const reachedAt =
      facts.configuredMode === 'native' && facts.reachedAtKill.has(number)
        ? killAt + perCallMs
        : (lastApplied.get(number) ?? (facts.configuredMode === 'switch' ? lastRouteWriteAt : undefined));
    if (reachedAt !== undefined) latest = Math.max(latest ?? reachedAt, reachedAt);
  }
  const neededRouteWrites =
    facts.configuredMode === 'switch' && carrier !== 'webhook' ? SWITCH_REQUESTS[carrier].writes : 0;
  const twice = [...writes.values()].filter((count) => count > 1).length;
  return {
    numbers: facts.numbers,
    carrierNumbers: facts.carrierNumbers.length,
    carrier,
    mode,
    rateLimitPerSecond: facts.rateLimitPerSecond,
    carrierFaultRate: facts.carrierFaultRate,
    killToReachableMs: latest === undefined ? null : Math.round(latest - killAt),
    boundMs: native
      ? perCallMs
      : Math.round(
          detectionBoundMs(settings) +
            (fewestRequests(
              adapter,
              boundMode(mode, slowPart, facts),
              facts.carrierNumbers.length,
              facts.destinations,
            ) *
              1000) /
              facts.rateLimitPerSecond,
        ),
    requests: requests.length,
    lost: facts.lost.size,
    appliedTwice: twice + Math.max(0, routeWrites.length - neededRouteWrites),
  };
}

function boundMode(
  mode: string,
  slowPart: boolean,
  facts: CarrierRunFacts,
): 'switch' | 'bulk' | 'per-number' {
  if (mode === 'switch') return 'switch';
  return slowPart ? facts.slowMode : 'per-number';
}
