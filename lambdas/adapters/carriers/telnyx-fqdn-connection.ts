/**
 * Telnyx's own per-call failover, on an FQDN connection: the connection's FQDNs are its SIP
 * targets, `inbound.default_primary_fqdn_id`, `default_secondary_fqdn_id` and
 * `default_tertiary_fqdn_id` order them, and `inbound.default_routing_method: sequential` makes
 * Telnyx try them in that order for every call to a number on the connection. Armed means: the
 * site's FQDN primary, the backup site's FQDN secondary, routing sequential.
 *
 * Gaps in Telnyx's API docs (the spec says none of this; Telnyx's support articles do): that
 * sequential routing moves to the next FQDN when one answers 408, 480, 503 or 504 or cannot be
 * reached, and how long it waits before it does. `inbound.timeout_1xx_secs` ("time before aborting
 * if connection is not made", 1-120 s, Telnyx's default 3) is the documented knob closest to that
 * wait, so arming sets it to the route's `nativeFailoverSeconds` when configured, and the read-back
 * shows it (and calls the route not armed when it differs from the configured value).
 */
import { CarrierError } from '../../contracts/errors';
import type { SiteRoute } from '../../ports/carrier-routes';
import { telnyxData, telnyxListAll } from './telnyx-route-api';
import type { TelnyxJobContext } from './telnyx-update-job';

/** A SIP target as an FQDN record holds it; `port` null means an `srv` record (no port in the URI). */
export interface SipTarget {
  host: string;
  port: number | null;
}

/** An FQDN as ListFqdns returns it. */
export interface FqdnRecord {
  id: string;
  fqdn?: string;
  port?: number | null;
  dns_record_type?: string;
}

/** The parts of RetrieveFqdnConnection's answer the failover reads. */
export interface FqdnConnectionRecord {
  id: string;
  connection_name?: string;
  active?: boolean;
  inbound?: {
    default_routing_method?: string | null;
    default_primary_fqdn_id?: string | null;
    default_secondary_fqdn_id?: string | null;
    default_tertiary_fqdn_id?: string | null;
    timeout_1xx_secs?: number;
  };
}

/** A connection and its FQDNs, as read. */
export interface ConnectionTargets {
  connection: FqdnConnectionRecord;
  fqdns: FqdnRecord[];
}

const ORDER = ['default_primary_fqdn_id', 'default_secondary_fqdn_id', 'default_tertiary_fqdn_id'] as const;

/** `sip:[user@]host[:port][;params]` as an FQDN record's host and port. */
export function parseSipTarget(uri: string): SipTarget {
  const match = /^sips?:(?:[^@]+@)?([A-Za-z0-9.-]+)(?::(\d+))?(?:;.*)?$/.exec(uri);
  if (!match) {
    throw new CarrierError(
      'telnyx',
      `"${uri}" is not a SIP URI with a host name (sip:host:port); Telnyx FQDN connections route to host names: fix the site's SIP URI in the config`,
      { retryable: false },
    );
  }
  return { host: match[1].toLowerCase(), port: match[2] ? Number(match[2]) : null };
}

/** Whether the FQDN record is the target (a port-less target is an srv record). */
export function isTarget(fqdn: FqdnRecord, target: SipTarget): boolean {
  if (fqdn.fqdn?.toLowerCase() !== target.host) {
    return false;
  }
  return target.port === null
    ? fqdn.dns_record_type === 'srv' || fqdn.port == null
    : fqdn.dns_record_type !== 'srv' && (fqdn.port ?? 5060) === target.port;
}

/**
 * Reads the connection and its FQDNs; undefined when Telnyx has no FQDN connection of that id
 * (404: an IP or credential connection, or none at all).
 */
export async function readConnectionTargets(
  context: TelnyxJobContext,
  connectionId: string,
): Promise<ConnectionTargets | undefined> {
  let connection: FqdnConnectionRecord;
  try {
    connection = await telnyxData<FqdnConnectionRecord>(context, {
      operation: 'RetrieveFqdnConnection',
      subject: `connection ${connectionId}`,
      method: 'GET',
      path: `/fqdn_connections/${encodeURIComponent(connectionId)}`,
    });
  } catch (error) {
    if (error instanceof CarrierError && error.status === 404) {
      return undefined;
    }
    throw error;
  }
  const fqdns = await telnyxListAll<FqdnRecord>(context, {
    operation: 'ListFqdns',
    subject: `FQDNs of connection ${connectionId}`,
    path: '/fqdns',
    query: { 'filter[connection_id]': connectionId },
  });
  return { connection, fqdns };
}

/** The inbound fields that make the connection fail over from the site to the backup. */
export function armedInbound(
  primary: FqdnRecord,
  backup: FqdnRecord,
  timeout1xxSecs: number | undefined,
): Record<string, string | number> {
  return {
    default_routing_method: 'sequential',
    default_primary_fqdn_id: primary.id,
    default_secondary_fqdn_id: backup.id,
    ...(timeout1xxSecs === undefined ? {} : { timeout_1xx_secs: timeout1xxSecs }),
  };
}

/** The fields of `wanted` the connection does not have yet (nothing to send when empty). */
export function inboundChanges(
  connection: FqdnConnectionRecord,
  wanted: Record<string, string | number>,
): Record<string, string | number> {
  const current = (connection.inbound ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(wanted).filter(([field, value]) => current[field] !== value));
}

/** Creates the FQDN record of `target` on the connection. */
export async function createFqdn(
  context: TelnyxJobContext,
  connectionId: string,
  target: SipTarget,
): Promise<FqdnRecord> {
  return telnyxData<FqdnRecord>(context, {
    operation: 'CreateFqdn',
    subject: `${target.host} on connection ${connectionId}`,
    method: 'POST',
    path: '/fqdns',
    body: {
      connection_id: connectionId,
      fqdn: target.host,
      // Telnyx: a record without a port must be `srv`; with one, `a`.
      ...(target.port === null ? { dns_record_type: 'srv' } : { dns_record_type: 'a', port: target.port }),
    },
  });
}

/** Writes the inbound changes to the connection. */
export async function updateInbound(
  context: TelnyxJobContext,
  connectionId: string,
  inbound: Record<string, string | number>,
): Promise<void> {
  await telnyxData(context, {
    operation: 'UpdateFqdnConnection',
    subject: `connection ${connectionId}`,
    method: 'PATCH',
    path: `/fqdn_connections/${encodeURIComponent(connectionId)}`,
    body: { inbound },
  });
}

/** Whether the read connection fails over from the route's site to its backup, and what was read. */
export function describeFailover(
  targets: ConnectionTargets,
  route: SiteRoute,
): { armed: boolean; details: string[] } {
  const { connection, fqdns } = targets;
  const inbound = connection.inbound ?? {};
  const byId = new Map(fqdns.map((fqdn) => [fqdn.id, fqdn]));
  const show = (fqdn: FqdnRecord | undefined, id: string | null | undefined) =>
    !id
      ? 'none'
      : fqdn
        ? `${fqdn.fqdn}${fqdn.port == null ? ' (srv)' : `:${fqdn.port}`} (FQDN ${id})`
        : `FQDN ${id}, not on the connection`;
  const [primary, secondary] = ORDER.map((field) => byId.get(inbound[field] ?? ''));
  const method = inbound.default_routing_method ?? null;
  const problems = [
    connection.active === false ? 'the connection is not active' : undefined,
    method === 'sequential' ? undefined : `routing method is ${method ?? 'unset'}, not sequential`,
    primary && isTarget(primary, parseSipTarget(route.primarySipUri))
      ? undefined
      : `the primary FQDN is not the site's ${route.primarySipUri}`,
    secondary && isTarget(secondary, parseSipTarget(route.backupSipUri))
      ? undefined
      : `the secondary FQDN is not the backup's ${route.backupSipUri}`,
    route.nativeFailoverSeconds === undefined || inbound.timeout_1xx_secs === route.nativeFailoverSeconds
      ? undefined
      : `timeout_1xx_secs is ${inbound.timeout_1xx_secs ?? 'unset'}, not the configured nativeFailoverSeconds ${route.nativeFailoverSeconds}`,
  ].filter((problem): problem is string => problem !== undefined);
  const details = [
    `FQDN connection ${connection.id}${connection.connection_name ? ` "${connection.connection_name}"` : ''}: default_routing_method ${method ?? 'unset'}, timeout_1xx_secs ${inbound.timeout_1xx_secs ?? 'unset'}`,
    ...ORDER.map(
      (field, index) =>
        `${['primary', 'secondary', 'tertiary'][index]}: ${show(byId.get(inbound[field] ?? ''), inbound[field])}`,
    ),
    problems.length === 0
      ? 'armed: Telnyx tries the site first and the backup next on every call (failover on 408, 480, 503, 504 and transport errors per Telnyx support; the API spec is silent)'
      : `not armed: ${problems.join('; ')}`,
  ];
  return { armed: problems.length === 0, details };
}
