/**
 * What the fake Bandwidth keeps: telephone numbers (their SIP peer, CallForward and own route
 * plan) and SIP peers (their route plan and settings), with the route-plan rules the spec states
 * and the XML the fake answers with.
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import type { FakeResponse } from './fake-carrier-server';

/** One route of an origination route plan. */
export interface BandwidthFakeRoute {
  /** A 10-digit TN, a SIP URI, an IPv4 address or an FQDN. */
  endpoint: string;
  priority: number;
  weight?: number;
}

/** A telephone number's state at the fake Bandwidth. */
export interface BandwidthFakeNumberState {
  /** 10 digits. */
  tn: string;
  siteId: string;
  sipPeerId: string;
  /** 10-digit forward target, or null. */
  callForward: string | null;
  /** The TN's own route plan, or null when it follows its SIP peer's. */
  originationRoutePlan: BandwidthFakeRoute[] | null;
}

/** A SIP peer's state at the fake Bandwidth. */
export interface BandwidthFakeSipPeerState {
  siteId: string;
  sipPeerId: string;
  peerName: string;
  /** Other elements of the last update (Description, CallingName...), answered back as sent. */
  settings: Record<string, unknown>;
  originationRoutePlan: BandwidthFakeRoute[] | null;
}

/** Everything the fake keeps. */
export interface BandwidthFakeModel {
  readonly accountId: string;
  readonly numbers: Map<string, BandwidthFakeNumberState>;
  readonly peers: Map<string, BandwidthFakeSipPeerState>;
}

/** A route plan change as an update or order asks it. */
export type RoutePlanChange =
  | { action: 'unchanged' }
  | { action: 'off' }
  | { action: 'asSpecified'; routes: BandwidthFakeRoute[] };

const DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';
const REPEATED = new Set(['TnOptionGroup', 'TelephoneNumber', 'Route']);
const builder = new XMLBuilder({});

/** The request body parser: repeated elements always arrays (movetns' FullNumber list too). */
export const requestParser = new XMLParser({
  parseTagValue: false,
  isArray: (name, jpath) =>
    REPEATED.has(name) || (name === 'FullNumber' && String(jpath).startsWith('SipPeerTelephoneNumbers.')),
});

/** The key of a SIP peer in the model. */
export function peerKey(siteId: string, sipPeerId: string): string {
  return `${siteId}/${sipPeerId}`;
}

/** The change an `OriginationRoutePlan` element asks (absent: unchanged; no Action: as specified). */
export function routePlanChange(element: unknown): RoutePlanChange {
  if (typeof element !== 'object' || element === null) {
    return { action: 'unchanged' };
  }
  const plan = element as { Action?: string; Route?: Record<string, string>[] };
  if (plan.Action === 'unchanged') return { action: 'unchanged' };
  if (plan.Action === 'off') return { action: 'off' };
  const routes = (plan.Route ?? []).map((route) => ({
    endpoint: route.Endpoint,
    priority: Number(route.Priority),
    ...(route.Weight === undefined ? {} : { weight: Number(route.Weight) }),
  }));
  return { action: 'asSpecified', routes };
}

/** The route plan after `change`. */
export function applyRoutePlan(
  current: BandwidthFakeRoute[] | null,
  change: RoutePlanChange,
): BandwidthFakeRoute[] | null {
  if (change.action === 'unchanged') return current;
  if (change.action === 'off') return null;
  return change.routes.length === 0 ? null : change.routes;
}

/** The spec's error for routes it refuses (priority gaps 5223, private addresses 5218/5220). */
export function routePlanProblem(
  routes: readonly BandwidthFakeRoute[],
): { code: string; description: string } | undefined {
  const priorities = new Set(routes.map((route) => route.priority));
  for (let priority = 1; priority <= priorities.size; priority++) {
    if (!priorities.has(priority)) {
      return {
        code: '5223',
        description: `Origination route priority should be a contiguous sequence of numbers starting with 1. Priority ${priority} is missing.`,
      };
    }
  }
  for (const route of routes) {
    const host = hostOf(route.endpoint);
    if (host !== undefined && isPrivateIpv4(host)) {
      return endpointTypeOf(route.endpoint) === 'SIP'
        ? {
            code: '5220',
            description: `Origination route sip endpoint ${route.endpoint} cannot have private ipv4 ${host} as sip host`,
          }
        : {
            code: '5218',
            description: `Origination route cannot have private IP endpoint: ${route.endpoint}`,
          };
    }
  }
  return undefined;
}

/** A route plan as the fake answers it (with an Id and each route's EndpointType), or '' when none. */
export function routePlanView(
  routes: readonly BandwidthFakeRoute[] | null,
  id: string,
): Record<string, unknown> | string {
  if (routes === null) return '';
  return {
    Id: id,
    Route: routes.map((route) => ({
      Endpoint: route.endpoint,
      Priority: String(route.priority),
      ...(route.weight === undefined ? {} : { Weight: String(route.weight) }),
      EndpointType: endpointTypeOf(route.endpoint),
    })),
  };
}

/** The kind of endpoint: TN, SIP, IPv4 or FQDN. */
export function endpointTypeOf(endpoint: string): 'TN' | 'SIP' | 'IPv4' | 'FQDN' {
  if (/^\d{10}$/.test(endpoint)) return 'TN';
  if (/^sips?:/i.test(endpoint)) return 'SIP';
  if (/^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/.test(endpoint)) return 'IPv4';
  return 'FQDN';
}

/** The host of an endpoint (none for a TN). */
export function hostOf(endpoint: string): string | undefined {
  switch (endpointTypeOf(endpoint)) {
    case 'TN':
      return undefined;
    case 'SIP':
      return endpoint
        .replace(/^sips?:/i, '')
        .replace(/^[^@]*@/, '')
        .split(/[:;]/)[0];
    default:
      return endpoint.split('/')[0];
  }
}

function isPrivateIpv4(host: string): boolean {
  const octets = host.split('.').map(Number);
  if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet))) return false;
  const [a, b] = octets;
  return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/** An XML document with the declaration. */
export function build(document: Record<string, unknown>): string {
  return `${DECLARATION}${builder.build(document)}`;
}

/** An XML answer. */
export function xml(status: number, body: string): FakeResponse {
  return { status, headers: { 'Content-Type': 'application/xml' }, body };
}

/** `<root><ResponseStatus><ErrorCode/><Description/></ResponseStatus></root>`. */
export function responseStatus(root: string, code: string | undefined, description: string): string {
  return build({
    [root]: { ResponseStatus: { ...(code ? { ErrorCode: code } : {}), Description: description } },
  });
}
