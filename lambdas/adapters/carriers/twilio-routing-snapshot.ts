/**
 * How a Twilio IncomingPhoneNumber record reads as a RoutingSnapshot, in one place so that
 * `readRouting` (a fetch) and the routing pages (a list) produce the same snapshot for the same
 * record: the list's items are the same resource (spec, ListIncomingPhoneNumber:
 * `incoming_phone_numbers` of `api.v2010.account.incoming_phone_number`).
 */
import type { ForwardMode } from '../../contracts/config/plan-entry';
import type { RoutingSnapshot } from '../../ports/carriers';
import type { TwilioRecord } from './twilio-api';
import type { TwilioDialTwiml } from './twilio-dial-twiml';

/** The carrier-specific part of a Twilio RoutingSnapshot, in Twilio's own field names. */
export interface TwilioRoutingSettings {
  /** IncomingPhoneNumber SID (PN...). */
  sid: string;
  voice_url: string | null;
  voice_method: string | null;
  voice_fallback_url: string | null;
  voice_fallback_method: string | null;
  trunk_sid: string | null;
  voice_application_sid: string | null;
}

/** The record fields the adapter reads: its routing, and the number they belong to. */
const RECORD_FIELDS = [
  'sid',
  'phone_number',
  'voice_url',
  'voice_method',
  'voice_fallback_url',
  'voice_fallback_method',
  'trunk_sid',
  'voice_application_sid',
] as const;

/**
 * The number's snapshot from its record. On a trunk or application number a dial URL of ours in
 * a voice URL is reported as none: Twilio ignores it there, and it is what a restore leaves behind
 * when the voice URL was empty before (the API cannot empty it again).
 */
export function twilioRoutingSnapshot(
  number: string,
  sid: string,
  record: TwilioRecord,
  dial: TwilioDialTwiml,
): RoutingSnapshot {
  const field = (name: string) => (typeof record[name] === 'string' ? (record[name] as string) : null);
  const answeredElsewhere = !!field('trunk_sid') || !!field('voice_application_sid');
  const voiceField = (name: string) =>
    answeredElsewhere && dial.targetOf(field(name)) !== null ? null : field(name);
  const settings: TwilioRoutingSettings = {
    sid,
    voice_url: voiceField('voice_url'),
    voice_method: field('voice_method'),
    voice_fallback_url: voiceField('voice_fallback_url'),
    voice_fallback_method: field('voice_fallback_method'),
    trunk_sid: field('trunk_sid'),
    voice_application_sid: field('voice_application_sid'),
  };
  const { forwardsTo, mode } = readForwarding(settings, dial);
  return { carrier: 'twilio', number, settings: { ...settings }, forwardsTo, mode };
}

/**
 * Only the fields the adapter reads, for its cache of known numbers: a full record is about 40
 * fields, and a large account's pages would otherwise keep all of them for every plan number.
 */
export function routingRecordOf(record: TwilioRecord): TwilioRecord {
  return Object.fromEntries(
    RECORD_FIELDS.filter((name) => name in record).map((name) => [name, record[name]]),
  );
}

function readForwarding(
  settings: TwilioRoutingSettings,
  dial: TwilioDialTwiml,
): { forwardsTo: string | null; mode: ForwardMode | null } {
  // A trunk or an application takes the call before any voice URL is consulted.
  if (settings.trunk_sid || settings.voice_application_sid) {
    return { forwardsTo: null, mode: null };
  }
  const always = dial.targetOf(settings.voice_url);
  if (always) {
    return { forwardsTo: always, mode: 'always' };
  }
  const onFailure = dial.targetOf(settings.voice_fallback_url);
  return onFailure ? { forwardsTo: onFailure, mode: 'on-failure' } : { forwardsTo: null, mode: null };
}
