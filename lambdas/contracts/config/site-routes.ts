/**
 * The routes a config sets up: for each site and carrier, the failover mode and the carrier's ids
 * (`sites[].failover`), as the engine, `arm`, `audit` and the drill read them. Zod-free, so a Lambda
 * can use it.
 */
import {
  CARRIER_NAMES,
  type CarrierName,
  DEFAULT_FAILOVER_MODES,
  type FailoverMode,
  ROUTE_ID_FIELDS,
} from './config-constants';
import type { Site } from './schema';

/** The route of one site at one carrier, from `sites[].failover.<carrier>`. */
export interface SiteRoute {
  siteId: string;
  carrier: CarrierName;
  mode: FailoverMode;
  /** Where the carrier's failover sends the site's calls: the backup site's SIP URI. */
  backupSipUri: string;
  /** The site's own SIP URI (its primary target at the carrier). */
  primarySipUri: string;
  /**
   * The carrier's ids for the route, as the config spells them: Telnyx `connectionId` and
   * `backupConnectionId`; Twilio `trunkSid`; Bandwidth `bandwidthSiteId`, `sipPeerId` and
   * optionally `backupSipPeerId`.
   */
  ids: Readonly<Record<string, string>>;
  /** Seconds the carrier's own failover waits for a silent target (configured only; see the schema). */
  nativeFailoverSeconds?: number;
}

/** The mode a site's numbers at `carrier` fail over in (the carrier's default when not configured). */
export function failoverModeOf(site: Site, carrier: CarrierName): FailoverMode {
  return (site.failover?.[carrier]?.mode as FailoverMode | undefined) ?? DEFAULT_FAILOVER_MODES[carrier];
}

/**
 * The mode of the numbers no route carries: the configured bulk or per-number, else the carrier's
 * default (bulk where its API has one).
 */
export function slowModeOf(site: Site, carrier: CarrierName): 'bulk' | 'per-number' {
  const mode = failoverModeOf(site, carrier);
  if (mode === 'bulk' || mode === 'per-number') return mode;
  return DEFAULT_FAILOVER_MODES[carrier] === 'bulk' ? 'bulk' : 'per-number';
}

/** The site's own SIP URI at the carriers: configured, or its first SIP endpoint. */
export function primarySipUriOf(site: Site): string | undefined {
  if (site.failover?.primarySipUri) return site.failover.primarySipUri;
  const first = site.sip[0];
  return first ? `sip:${first.host}:${first.port}` : undefined;
}

/** Seconds the carrier's own failover takes to give up on a silent target (configured or default). */
export function nativeFailoverSecondsOf(site: Site, carrier: CarrierName): number | undefined {
  const settings = site.failover?.[carrier] as { nativeFailoverSeconds?: number } | undefined;
  return settings?.nativeFailoverSeconds;
}

/** Every route of the site in native or switch mode, one per carrier. */
export function siteRoutesOf(site: Site): SiteRoute[] {
  const routes: SiteRoute[] = [];
  const backupSipUri = site.failover?.backupSipUri;
  const primarySipUri = primarySipUriOf(site);
  if (!backupSipUri || !primarySipUri) return routes;
  for (const carrier of CARRIER_NAMES) {
    const mode = failoverModeOf(site, carrier);
    if (mode !== 'native' && mode !== 'switch') continue;
    const settings = (site.failover?.[carrier] ?? {}) as Record<string, unknown>;
    const fields = ROUTE_ID_FIELDS[carrier];
    const ids: Record<string, string> = {};
    for (const field of new Set([...fields.native, ...fields.switch, ...fields.optional])) {
      if (typeof settings[field] === 'string') ids[field] = settings[field] as string;
    }
    const seconds = settings.nativeFailoverSeconds;
    routes.push({
      siteId: site.id,
      carrier,
      mode,
      backupSipUri,
      primarySipUri,
      ids,
      ...(typeof seconds === 'number' ? { nativeFailoverSeconds: seconds } : {}),
    });
  }
  return routes;
}

/** A stable key of what a route is: a stored read-back of another route (ids changed) is stale. */
export function routeKey(route: SiteRoute): string {
  const ids = Object.keys(route.ids)
    .sort()
    .map((field) => `${field}=${route.ids[field]}`);
  return [route.carrier, route.siteId, route.mode, route.primarySipUri, route.backupSipUri, ...ids].join('|');
}

/** Whether the route has the ids its carrier's switch needs (a native route may then switch too). */
export function canSwitch(route: SiteRoute): boolean {
  return ROUTE_ID_FIELDS[route.carrier].switch.every((field) => route.ids[field] !== undefined);
}
