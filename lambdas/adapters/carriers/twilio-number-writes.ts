/**
 * What the Twilio adapter refuses to forward, and how it restores a number, kept apart from the
 * adapter class so each rule sits next to the part of Twilio's spec it follows.
 */
import type { ForwardMode } from '../../contracts/config/plan-entry';
import { CarrierError } from '../../contracts/errors';
import type { TwilioApi, TwilioForm, TwilioRecord } from './twilio-api';
import type { TwilioDialTwiml } from './twilio-dial-twiml';
import type { TwilioRoutingSettings } from './twilio-routing-snapshot';

/**
 * Why `number` (as last read) cannot be forwarded in `mode` through documented parameters, as a
 * non-retryable CarrierError, or undefined when it can.
 */
export function refusalToForward(
  number: string,
  mode: ForwardMode,
  record: TwilioRecord,
): CarrierError | undefined {
  const text = (name: string) => (typeof record[name] === 'string' ? (record[name] as string) : '');
  const refuse = (why: string) =>
    new CarrierError('twilio', `cannot forward ${number} (${mode}): ${why}`, { retryable: false });
  const application = text('voice_application_sid');
  if (application) {
    return refuse(
      `it has VoiceApplicationSid ${application}, so Twilio ignores its voice URLs, and the API documents no way to clear a VoiceApplicationSid other than setting a TrunkSid (which hands its calls to a trunk); point the number at a VoiceUrl or a trunk in Twilio, or forward inside the application`,
    );
  }
  const trunk = text('trunk_sid');
  if (mode === 'on-failure' && trunk) {
    return refuse(
      `it is on trunk ${trunk}, and Twilio ignores the voice URLs of trunk numbers, the fallback included; arm the trunk's own failover instead (sites[].failover.twilio, mode native)`,
    );
  }
  if (!trunk && !text('voice_url')) {
    return refuse(
      mode === 'on-failure'
        ? 'it has no VoiceUrl, and Twilio calls the VoiceFallbackUrl only when the VoiceUrl fails'
        : 'it has no VoiceUrl, TrunkSid or VoiceApplicationSid, and a VoiceUrl cannot be emptied again (the API takes only a URI), so the forwarding would outlive the incident; give the number a VoiceUrl or put it on a trunk first',
    );
  }
  return undefined;
}

/**
 * Restores one number to `settings`, writing only what differs from the number as fetched now,
 * and returns the number as Twilio then has it. Order: back on the trunk first (its calls move
 * there in that one step; the voice fields written after it are ignored while it is on the trunk),
 * or the voice fields first and then off a trunk it was not on before.
 */
export async function restoreTwilioNumber(
  api: TwilioApi,
  dial: TwilioDialTwiml,
  number: string,
  settings: TwilioRoutingSettings,
): Promise<TwilioRecord> {
  const { sid } = settings;
  let current = await api.fetchNumber(sid, number);
  const text = (record: TwilioRecord, name: string) =>
    typeof record[name] === 'string' && record[name] !== '' ? (record[name] as string) : null;
  if (settings.trunk_sid && text(current, 'trunk_sid') !== settings.trunk_sid) {
    await api.addToTrunk(settings.trunk_sid, sid, number);
    current = { ...current, trunk_sid: settings.trunk_sid, voice_application_sid: '' };
  }
  const form: TwilioForm = {};
  const put = (param: string, field: keyof TwilioRoutingSettings) => {
    const wanted = settings[field];
    if (wanted && wanted !== text(current, field)) {
      form[param] = wanted;
    }
  };
  put('VoiceUrl', 'voice_url');
  put('VoiceMethod', 'voice_method');
  put('VoiceFallbackUrl', 'voice_fallback_url');
  put('VoiceFallbackMethod', 'voice_fallback_method');
  put('VoiceApplicationSid', 'voice_application_sid');
  if (Object.keys(form).length > 0) {
    current = await api.updateNumber(sid, number, form);
  }
  const strayTrunk = text(current, 'trunk_sid');
  if (!settings.trunk_sid && !settings.voice_application_sid && strayTrunk) {
    await api.removeFromTrunk(strayTrunk, sid, number);
    current = { ...current, trunk_sid: null };
  }
  const answeredElsewhere = !!settings.trunk_sid || !!settings.voice_application_sid;
  const leftOver = (['voice_url', 'voice_fallback_url'] as const).filter(
    (field) => !settings[field] && text(current, field) !== null,
  );
  // On a trunk or application number Twilio ignores the voice URLs; our own dial URL left there
  // is what emptying would have removed, and readRouting reports it as empty.
  const harmful = leftOver.filter(
    (field) => !answeredElsewhere || dial.targetOf(text(current, field)) === null,
  );
  if (harmful.length > 0) {
    throw new CarrierError(
      'twilio',
      `restored ${number} except ${harmful.map((field) => `${field} (now ${text(current, field)})`).join(' and ')}: it was empty before, and Twilio's API takes only a URI there, so it cannot be emptied again; clear it in the Twilio Console`,
      { retryable: false },
    );
  }
  return current;
}
