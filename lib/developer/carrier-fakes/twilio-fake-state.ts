/**
 * What the fake Twilio holds: IncomingPhoneNumbers and Elastic SIP trunks. A number's trunk is its
 * `trunk_sid`, as in Twilio, so the Trunking API's PhoneNumbers list of a trunk is derived from
 * the numbers, never stored twice.
 */

/** An IncomingPhoneNumber's routing fields, as Twilio returns them. */
export interface TwilioFakeNumberState {
  sid: string;
  phone_number: string;
  voice_url: string | null;
  voice_method: string;
  voice_fallback_url: string | null;
  voice_fallback_method: string;
  trunk_sid: string | null;
  voice_application_sid: string;
}

/** A number to seed; unset fields get defaults (answered by https://pbx.example.com/voice). */
export interface TwilioFakeNumber {
  phoneNumber: string;
  sid?: string;
  voiceUrl?: string | null;
  voiceMethod?: string;
  voiceFallbackUrl?: string | null;
  voiceFallbackMethod?: string;
  trunkSid?: string | null;
  voiceApplicationSid?: string;
}

/** An origination URL of a fake trunk. */
export interface TwilioFakeOriginationUrl {
  sid: string;
  sip_url: string;
  priority: number;
  weight: number;
  enabled: boolean;
  friendly_name: string;
}

/** A fake Elastic SIP trunk. */
export interface TwilioFakeTrunkState {
  sid: string;
  disaster_recovery_url: string | null;
  disaster_recovery_method: string;
  origination_urls: TwilioFakeOriginationUrl[];
}

/** The fake's numbers and trunks, with SIDs of Twilio's shape (prefix + 32 hex digits). */
export class TwilioFakeState {
  readonly numbers = new Map<string, TwilioFakeNumberState>();
  readonly trunks = new Map<string, TwilioFakeTrunkState>();
  private nextSid = 0;

  /** A new SID with Twilio's prefix for the resource (PN, OU, TK). */
  newSid(prefix: string): string {
    this.nextSid += 1;
    return `${prefix}${this.nextSid.toString(16).padStart(32, '0')}`;
  }

  /** The number with this IncomingPhoneNumber SID. */
  numberBySid(sid: string): TwilioFakeNumberState | undefined {
    return [...this.numbers.values()].find((candidate) => candidate.sid === sid);
  }

  /** Adds or replaces a number; a trunk it names is created (empty) when missing. */
  seedNumber(number: TwilioFakeNumber): void {
    const trunkSid = number.trunkSid ?? null;
    this.numbers.set(number.phoneNumber, {
      sid: number.sid ?? this.numbers.get(number.phoneNumber)?.sid ?? this.newSid('PN'),
      phone_number: number.phoneNumber,
      voice_url: number.voiceUrl === undefined ? 'https://pbx.example.com/voice' : number.voiceUrl,
      voice_method: number.voiceMethod ?? 'POST',
      voice_fallback_url: number.voiceFallbackUrl ?? null,
      voice_fallback_method: number.voiceFallbackMethod ?? 'POST',
      trunk_sid: trunkSid,
      voice_application_sid: number.voiceApplicationSid ?? '',
    });
    if (trunkSid && !this.trunks.has(trunkSid)) {
      this.seedTrunk(trunkSid, []);
    }
  }

  /** Adds or replaces a trunk. */
  seedTrunk(
    sid: string,
    originationUrls: { sipUrl: string; priority: number; enabled?: boolean; weight?: number }[],
    disasterRecoveryUrl: string | null = null,
  ): void {
    this.trunks.set(sid, {
      sid,
      disaster_recovery_url: disasterRecoveryUrl,
      disaster_recovery_method: 'POST',
      origination_urls: originationUrls.map((url) => ({
        sid: this.newSid('OU'),
        sip_url: url.sipUrl,
        priority: url.priority,
        weight: url.weight ?? 10,
        enabled: url.enabled ?? true,
        friendly_name: url.sipUrl,
      })),
    });
  }
}

/**
 * What decides where the number's calls go, for telling whether a write changed its routing:
 * Twilio ignores every voice URL of a number on a trunk, and those of a number with an application.
 */
export function effectiveRouting(state: TwilioFakeNumberState): string {
  if (state.trunk_sid) return `trunk ${state.trunk_sid}`;
  if (state.voice_application_sid) return `application ${state.voice_application_sid}`;
  return JSON.stringify([
    state.voice_url,
    state.voice_method,
    state.voice_fallback_url,
    state.voice_fallback_method,
  ]);
}
