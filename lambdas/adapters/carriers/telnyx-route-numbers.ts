/**
 * Which of a site's numbers a Telnyx connection's failover would not carry: numbers not on the
 * connection, and numbers whose own `call_forwarding` (enabled, `always`, with a target) sends
 * every call away before the connection is tried. A number forwarding `on-failure` still follows
 * the connection (Telnyx forwards it only when no target answers), so it is not named.
 *
 * The voice settings come from ListPhoneNumbersWithVoiceSettings, 250 a page. It filters by
 * connection name (contains, three characters or more), not by connection id, so the pages
 * carry every number of connections whose names contain this one's and the connection id of
 * each decides. A connection named with fewer than three characters falls back to
 * ListPhoneNumbers filtered by connection id (which shows no forwarding target) and one
 * GetPhoneNumberVoiceSettings for each asked number on it whose forwarding is enabled.
 */
import type { IgnoredNumber } from '../../ports/carrier-routes';
import { telnyxData, telnyxListAll } from './telnyx-route-api';
import type { TelnyxJobContext } from './telnyx-update-job';
import type { TelnyxCallForwarding } from './telnyx-voice-settings';

/** A number's voice settings as the voice listing returns them. */
interface VoiceRecord {
  id?: string;
  phone_number?: string;
  connection_id?: string | null;
  call_forwarding?: TelnyxCallForwarding | null;
  call_forwarding_enabled?: boolean;
}

/** What the listing found for the asked numbers. */
export interface RouteNumbers {
  /** Asked numbers whose calls would not follow the connection, each with Telnyx's reason. */
  ignored: IgnoredNumber[];
  /** Asked numbers on the connection. */
  onConnection: number;
}

/** Reads which of `numbers` the connection carries (no request when `numbers` is empty). */
export async function readRouteNumbers(
  context: TelnyxJobContext,
  connection: { id: string; name?: string },
  numbers: readonly string[],
): Promise<RouteNumbers> {
  if (numbers.length === 0) {
    return { ignored: [], onConnection: 0 };
  }
  const records = await voiceRecords(context, connection, numbers);
  const ignored: IgnoredNumber[] = [];
  let onConnection = 0;
  for (const number of numbers) {
    const record = records.get(number);
    if (record?.connection_id === connection.id) onConnection += 1;
    const reason = ignoredBecause(record, connection.id);
    if (reason) ignored.push({ number, reason });
  }
  return { ignored, onConnection };
}

function ignoredBecause(record: VoiceRecord | undefined, connectionId: string): string | undefined {
  if (!record) {
    return `not on connection ${connectionId}: Telnyx routes its calls by its own connection, not this one`;
  }
  if (record.connection_id !== connectionId) {
    return `on connection ${record.connection_id ?? 'none'}, not ${connectionId}: Telnyx routes its calls by that connection`;
  }
  const forwarding = record.call_forwarding;
  // Telnyx: forwarding is enabled (the default) "if forwards_to and forwarding_type are filled in".
  if (
    forwarding &&
    forwarding.call_forwarding_enabled !== false &&
    forwarding.forwards_to &&
    forwarding.forwarding_type === 'always'
  ) {
    return `call_forwarding always to ${forwarding.forwards_to}: Telnyx forwards every call before trying the connection`;
  }
  return undefined;
}

async function voiceRecords(
  context: TelnyxJobContext,
  connection: { id: string; name?: string },
  numbers: readonly string[],
): Promise<Map<string, VoiceRecord>> {
  const asked = new Set(numbers);
  const keep = (records: VoiceRecord[]) =>
    new Map(
      records
        .filter((record) => record.phone_number && asked.has(record.phone_number))
        // A number listed by a name match of another connection is still worth its connection id.
        .map((record) => [record.phone_number!, record]),
    );
  if (connection.name && connection.name.length >= 3) {
    const listed = await telnyxListAll<VoiceRecord>(context, {
      operation: 'ListPhoneNumbersWithVoiceSettings',
      subject: `numbers of connection ${connection.id}`,
      path: '/phone_numbers/voice',
      query: { 'filter[connection_name][contains]': connection.name },
    });
    return keep(listed);
  }
  const onConnection = keep(
    await telnyxListAll<VoiceRecord>(context, {
      operation: 'ListPhoneNumbers',
      subject: `numbers of connection ${connection.id}`,
      path: '/phone_numbers',
      query: { 'filter[connection_id]': connection.id },
    }),
  );
  const toRead = [...onConnection.values()].filter(
    (record) => record.id && record.call_forwarding_enabled !== false,
  );
  const read = await Promise.all(
    toRead.map((record) =>
      telnyxData<VoiceRecord>(context, {
        operation: 'GetPhoneNumberVoiceSettings',
        subject: record.phone_number!,
        method: 'GET',
        path: `/phone_numbers/${encodeURIComponent(record.id!)}/voice`,
      }),
    ),
  );
  for (const record of read) {
    if (record.phone_number) {
      onConnection.set(record.phone_number, {
        ...record,
        connection_id: record.connection_id ?? connection.id,
      });
    }
  }
  return onConnection;
}
