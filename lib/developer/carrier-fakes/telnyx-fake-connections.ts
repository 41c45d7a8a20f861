/**
 * The fake Telnyx's FQDN connections and their FQDNs (RetrieveFqdnConnection,
 * UpdateFqdnConnection, ListFqdns, CreateFqdn): the SIP targets a connection sends its numbers'
 * calls to, ordered by `inbound.default_primary/secondary/tertiary_fqdn_id`, and how it picks
 * among them (`inbound.default_routing_method`).
 */
import { type FakeResponse, jsonResponse } from './fake-carrier-server';
import {
  listPage,
  notFound,
  type TelnyxFakeAccount,
  type TelnyxFakeConnection,
  type TelnyxFakeFqdn,
  type TelnyxFakeInbound,
  unprocessable,
} from './telnyx-fake-state';

const ORDER_FIELDS = [
  'default_primary_fqdn_id',
  'default_secondary_fqdn_id',
  'default_tertiary_fqdn_id',
] as const;

/** RetrieveFqdnConnection. */
export function retrieveConnection(account: TelnyxFakeAccount, id: string): FakeResponse {
  const connection = account.connections.get(id);
  return connection ? jsonResponse(200, { data: connectionView(connection) }) : notFound();
}

/** UpdateFqdnConnection, its body already checked against the contract. */
export function updateConnection(
  account: TelnyxFakeAccount,
  id: string,
  body: Record<string, unknown>,
): FakeResponse {
  const connection = account.connections.get(id);
  if (!connection) {
    return notFound();
  }
  const inbound = (body.inbound ?? {}) as Partial<TelnyxFakeInbound>;
  for (const field of ORDER_FIELDS) {
    const fqdnId = inbound[field];
    // Telnyx: the "value must be the ID of an FQDN set on the connection".
    if (typeof fqdnId === 'string' && account.fqdns.get(fqdnId)?.connection_id !== id) {
      return unprocessable(`inbound.${field}: ${fqdnId} is not an FQDN of connection ${id}`);
    }
  }
  connection.inbound = { ...connection.inbound, ...inbound };
  if (typeof body.connection_name === 'string') connection.connection_name = body.connection_name;
  if (typeof body.active === 'boolean') connection.active = body.active;
  const affected = [...account.numbers.values()].filter((state) => state.connection_id === id);
  return jsonResponse(
    200,
    { data: connectionView(connection) },
    { applied: affected.map((state) => state.phone_number) },
  );
}

/** ListFqdns, filtered as asked, in creation order. */
export function listFqdns(account: TelnyxFakeAccount, query: Record<string, string>): FakeResponse {
  const matches = [...account.fqdns.values()].filter(
    (fqdn) =>
      (query['filter[connection_id]'] === undefined ||
        fqdn.connection_id === query['filter[connection_id]']) &&
      (query['filter[fqdn]'] === undefined || fqdn.fqdn === query['filter[fqdn]']) &&
      (query['filter[port]'] === undefined || String(fqdn.port) === query['filter[port]']) &&
      (query['filter[dns_record_type]'] === undefined ||
        fqdn.dns_record_type === query['filter[dns_record_type]']),
  );
  return listPage(matches, query, fqdnView, 250);
}

/** CreateFqdn, its body already checked against the contract. */
export function createFqdn(account: TelnyxFakeAccount, body: Record<string, unknown>): FakeResponse {
  const connectionId = body.connection_id as string;
  if (!account.connections.has(connectionId)) {
    return unprocessable(`connection_id: ${connectionId} is not an FQDN connection of this account`);
  }
  const type = body.dns_record_type as TelnyxFakeFqdn['dns_record_type'];
  const fqdn = addFqdn(account, {
    connection_id: connectionId,
    fqdn: body.fqdn as string,
    dns_record_type: type,
    // Telnyx: an `a` record without a port uses 5060.
    port: type === 'srv' ? null : ((body.port as number | null | undefined) ?? 5060),
  });
  return jsonResponse(201, { data: fqdnView(fqdn) });
}

/** Adds an FQDN to the account with a new id. */
export function addFqdn(account: TelnyxFakeAccount, fields: Omit<TelnyxFakeFqdn, 'id'>): TelnyxFakeFqdn {
  const fqdn = { id: account.newId(), ...fields };
  account.fqdns.set(fqdn.id, fqdn);
  return fqdn;
}

/**
 * The connection's SIP targets in the order Telnyx tries them: its primary, secondary and tertiary
 * FQDNs where set. Where none is set, every FQDN of the connection in creation order: Telnyx does
 * not document which it uses then.
 */
export function orderedFqdns(account: TelnyxFakeAccount, connection: TelnyxFakeConnection): TelnyxFakeFqdn[] {
  const chosen = ORDER_FIELDS.flatMap((field) => {
    const fqdn = connection.inbound[field] ? account.fqdns.get(connection.inbound[field]!) : undefined;
    return fqdn && fqdn.connection_id === connection.id ? [fqdn] : [];
  });
  return chosen.length > 0
    ? chosen
    : [...account.fqdns.values()].filter((fqdn) => fqdn.connection_id === connection.id);
}

function connectionView(connection: TelnyxFakeConnection): Record<string, unknown> {
  return {
    id: connection.id,
    record_type: 'fqdn_connection',
    connection_name: connection.connection_name,
    active: connection.active,
    transport_protocol: 'UDP',
    inbound: { ...connection.inbound },
  };
}

function fqdnView(fqdn: TelnyxFakeFqdn): Record<string, unknown> {
  return { record_type: 'fqdn', ...fqdn };
}
