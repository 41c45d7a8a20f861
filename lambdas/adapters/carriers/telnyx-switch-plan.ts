/**
 * What a Telnyx switch of a site's connection will change, read before it (planSwitch) and kept
 * on the incident, and the check of a stored record before it is applied or undone. Two kinds:
 * - `filter` (telnyx-filter-move.ts), when the backup connection has no numbers of its own: one
 *   filter job each way and a record of a few bytes, whatever the site's size;
 * - `connection-move` (telnyx-connection-move.ts), when it has: the record lists the site's
 *   numbers (so the way back leaves the backup's own numbers where they are), and a site of more
 *   than MAX_LISTED_SWITCH_NUMBERS is refused, since the incident item holding the record could
 *   not be stored.
 */
import { CarrierError } from '../../contracts/errors';
import type { RouteSwitchRecord } from '../../ports/carrier-routes';
import { numbersOn, type TelnyxListedSwitchRecord } from './telnyx-connection-move';
import { countNumbersOn, type TelnyxFilterSwitchRecord } from './telnyx-filter-move';
import { readConnectionTargets } from './telnyx-fqdn-connection';
import type { TelnyxJobContext } from './telnyx-update-job';

export type { TelnyxFilterSwitchRecord, TelnyxListedSwitchRecord };

/** What a Telnyx switch changes, either kind. */
export type TelnyxSwitchRecord = TelnyxFilterSwitchRecord | TelnyxListedSwitchRecord;

/**
 * Most numbers a listed record may name. The record is stored on the incident's DynamoDB item,
 * which holds at most 400 KB; at about 15 bytes a number, 20,000 numbers take about 300 KB and
 * leave room for the rest of the incident.
 */
export const MAX_LISTED_SWITCH_NUMBERS = 20_000;

/**
 * Reads what the switch will change, changing nothing. Refuses (not retryable) when the backup
 * connection would leave calls nowhere (not an FQDN connection Telnyx knows, inactive, or
 * without FQDNs), and when a listed record would be too large to store.
 */
export async function planTelnyxSwitch(
  context: TelnyxJobContext,
  from: string,
  to: string,
): Promise<TelnyxSwitchRecord> {
  if (from === to) {
    throw refusal(
      `connectionId and backupConnectionId are both ${from}; set backupConnectionId to the backup site's connection`,
    );
  }
  const backup = await readConnectionTargets(context, to);
  if (!backup) {
    throw refusal(
      `backup connection ${to} is not an FQDN connection at Telnyx (RetrieveFqdnConnection: 404); the switch checks the backup's targets before moving calls there`,
    );
  }
  if (backup.connection.active === false || backup.fqdns.length === 0) {
    throw refusal(
      `backup connection ${to} is ${backup.connection.active === false ? 'inactive' : 'without FQDNs'}: calls moved there would reach nobody; fix it at Telnyx first`,
    );
  }
  if ((await countNumbersOn(context, to)) === 0) {
    return { carrier: 'telnyx', kind: 'filter', from, to };
  }
  const onSite = await countNumbersOn(context, from);
  if (onSite > MAX_LISTED_SWITCH_NUMBERS) {
    throw refusal(
      `connection ${from} has ${onSite} numbers and backup connection ${to} has numbers of its own, so the switch would have to list them all in its record, more than the ${MAX_LISTED_SWITCH_NUMBERS} an incident can store (DynamoDB's 400 KB item limit): give the site a backup connection with no numbers of its own (sites[].failover.telnyx.backupConnectionId), which the switch moves with one filter job`,
    );
  }
  const numbers = await numbersOn(context, from);
  return { carrier: 'telnyx', kind: 'connection-move', from, to, numbers: numbers.sort() };
}

/** Checks a stored record's shape before acting on it. */
export function asTelnyxSwitchRecord(record: RouteSwitchRecord): TelnyxSwitchRecord {
  const candidate = record as Partial<Omit<TelnyxListedSwitchRecord, 'kind'>> & { kind?: unknown };
  const common =
    candidate.carrier === 'telnyx' && typeof candidate.from === 'string' && typeof candidate.to === 'string';
  if (common && candidate.kind === 'filter') {
    return record as TelnyxFilterSwitchRecord;
  }
  if (
    common &&
    candidate.kind === 'connection-move' &&
    Array.isArray(candidate.numbers) &&
    candidate.numbers.every((number) => typeof number === 'string')
  ) {
    return record as TelnyxListedSwitchRecord;
  }
  throw refusal(
    'the switch record is not a Telnyx switch (carrier telnyx, kind filter with from and to, or kind connection-move with from, to and numbers); apply it with the adapter that planned it',
  );
}

function refusal(message: string): CarrierError {
  return new CarrierError('telnyx', message, { retryable: false });
}
