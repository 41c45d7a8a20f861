/**
 * What the fake Telnyx stores (numbers with their voice settings, FQDN connections and their
 * FQDNs) and how it shows it, in Telnyx's own field names. Shared by the fake's request handlers.
 */
import { type FakeResponse, jsonResponse } from './fake-carrier-server';

/** Telnyx's call forwarding settings as the fake stores them. */
export interface TelnyxFakeCallForwarding {
  call_forwarding_enabled: boolean;
  forwards_to: string | null;
  forwarding_type: 'always' | 'on-failure';
}

/** A number's state at the fake Telnyx. */
export interface TelnyxFakeNumberState {
  id: string;
  phone_number: string;
  connection_id: string;
  call_forwarding: TelnyxFakeCallForwarding;
}

/** How a connection spreads a number's calls over its FQDNs (`inbound.default_routing_method`). */
export type TelnyxRoutingMethod = 'sequential' | 'round-robin' | null;

/** An FQDN of an FQDN connection: one SIP target Telnyx sends the connection's calls to. */
export interface TelnyxFakeFqdn {
  id: string;
  connection_id: string;
  fqdn: string;
  /** Null for an `srv` record, which takes its port from DNS. */
  port: number | null;
  dns_record_type: 'a' | 'srv';
}

/** The inbound settings of an FQDN connection the fake models. */
export interface TelnyxFakeInbound {
  default_routing_method: TelnyxRoutingMethod;
  default_primary_fqdn_id: string | null;
  default_secondary_fqdn_id: string | null;
  default_tertiary_fqdn_id: string | null;
  timeout_1xx_secs: number;
  timeout_2xx_secs: number;
}

/** An FQDN connection at the fake Telnyx. */
export interface TelnyxFakeConnection {
  id: string;
  connection_name: string;
  active: boolean;
  inbound: TelnyxFakeInbound;
}

/** The fake's whole account: what its handlers read and change. */
export interface TelnyxFakeAccount {
  readonly numbers: Map<string, TelnyxFakeNumberState>;
  readonly connections: Map<string, TelnyxFakeConnection>;
  /** In creation order, which is also the order ListFqdns returns them in. */
  readonly fqdns: Map<string, TelnyxFakeFqdn>;
  /** Next id for anything the fake creates (Telnyx ids are int64 strings). */
  newId(): string;
}

/** Telnyx's error body. */
export function telnyxErrors(code: string, title: string, detail: string): Record<string, unknown> {
  return {
    errors: [
      { code, title, detail, meta: { url: `https://developers.telnyx.com/docs/overview/errors/${code}` } },
    ],
  };
}

/** Telnyx's 404. */
export function notFound(): FakeResponse {
  return jsonResponse(
    404,
    telnyxErrors('10005', 'Resource not found', 'The requested resource or URL could not be found.'),
  );
}

/** Telnyx's 422 for a request it understood but refuses. */
export function unprocessable(detail: string): FakeResponse {
  return jsonResponse(422, telnyxErrors('10015', 'Bad Request', detail));
}

/** The SIP URI an FQDN stands for, as routeCall names targets: `sip:host:port`, or `sip:host` for srv. */
export function sipTargetOf(fqdn: TelnyxFakeFqdn): string {
  return fqdn.port === null ? `sip:${fqdn.fqdn}` : `sip:${fqdn.fqdn}:${fqdn.port}`;
}

/** Applies a `call_forwarding` update the way Telnyx does (absent fields stay as they were). */
export function applyCallForwarding(
  state: TelnyxFakeNumberState,
  update: Partial<TelnyxFakeCallForwarding>,
): void {
  const next = { ...state.call_forwarding };
  if (update.call_forwarding_enabled !== undefined)
    next.call_forwarding_enabled = update.call_forwarding_enabled;
  // A blank forwards_to means "not forwarded"; Telnyx reads it back as null.
  if (update.forwards_to !== undefined)
    next.forwards_to = update.forwards_to === '' ? null : update.forwards_to;
  if (update.forwarding_type !== undefined) next.forwarding_type = update.forwarding_type;
  state.call_forwarding = next;
}

/** A number as GetPhoneNumberVoiceSettings and ListPhoneNumbersWithVoiceSettings show it. */
export function voiceView(state: TelnyxFakeNumberState): Record<string, unknown> {
  return {
    id: state.id,
    record_type: 'voice_settings',
    phone_number: state.phone_number,
    connection_id: state.connection_id,
    call_forwarding: { ...state.call_forwarding },
    tech_prefix_enabled: false,
    translated_number: '',
    usage_payment_method: 'pay-per-minute',
  };
}

/** One page of `items` in Telnyx's list shape (`data` and `meta`), `page[size]` defaulting to `defaultSize`. */
export function listPage<T>(
  items: T[],
  query: Record<string, string>,
  view: (item: T) => unknown,
  defaultSize: number,
): FakeResponse {
  const size = Number(query['page[size]'] ?? defaultSize);
  const page = Number(query['page[number]'] ?? 1);
  const totalPages = Math.max(1, Math.ceil(items.length / size));
  return jsonResponse(200, {
    data: items.slice((page - 1) * size, page * size).map(view),
    meta: { page_number: page, page_size: size, total_pages: totalPages, total_results: items.length },
  });
}

/** Telnyx's phone number filter: digits only, matching part of the number ("no values" otherwise). */
export function matchesDigits(state: TelnyxFakeNumberState, digits: string | undefined): boolean {
  return (
    digits === undefined || (/^\d+$/.test(digits) && state.phone_number.replace(/\D/g, '').includes(digits))
  );
}
