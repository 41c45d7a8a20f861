/**
 * Twilio adapter: IncomingPhoneNumbers (REST 2010-04-01) for per-number forwarding, Elastic SIP
 * Trunking for the trunk-wide switch and the pre-armed disaster recovery URL.
 *
 * How a number is forwarded: Twilio has no "forward to" field. A number runs the TwiML its
 * `VoiceUrl` returns, so forwarding points `VoiceUrl` (or `VoiceFallbackUrl` for on-failure) at
 * Twilio's Echo Twimlet with a `<Dial>` of the destination in the URL. Chosen because it is hosted
 * by Twilio itself: it keeps working when everything of ours (and the provider's web servers) is
 * down, and it needs no TwiML Bin to be created first. `twimlEchoUrl` points it elsewhere.
 *
 * Twilio ignores `VoiceUrl` while `TrunkSid` or `VoiceApplicationSid` is set, so `always` clears
 * both; the snapshot keeps every field involved and restore writes them back.
 */

import { DEFAULT_BASE_URLS } from '../../contracts/config/config-constants';
import type { ForwardMode } from '../../contracts/config/plan-entry';
import { CarrierError } from '../../contracts/errors';
import type { Carrier, ForwardRequest, RoutingSnapshot } from '../../ports/carriers';
import { CarrierHttpClient, type CarrierHttpOptions, malformedResponse } from './carrier-http';

/** Twilio's Echo Twimlet: answers with the TwiML passed in its `Twiml` query parameter. */
export const TWILIO_ECHO_TWIMLET_URL = 'https://twimlets.com/echo';
const DEFAULT_TRUNKING_BASE_URL = 'https://trunking.twilio.com/v1';

/** How to reach Twilio and which optional features to enable. */
export interface TwilioCarrierOptions extends CarrierHttpOptions {
  readonly accountSid: string;
  readonly authToken: string;
  /** @default https://api.twilio.com */
  readonly baseUrl?: string;
  /** @default https://trunking.twilio.com/v1 */
  readonly trunkingBaseUrl?: string;
  /** Elastic SIP trunk for switchToBackupRoute / switchToPrimaryRoute / armDisasterRecovery. */
  readonly trunkSid?: string;
  /** URL that echoes the TwiML given in its `Twiml` query parameter. @default https://twimlets.com/echo */
  readonly twimlEchoUrl?: string;
}

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

interface OriginationUrl {
  sid: string;
  priority: number;
  enabled: boolean;
}

/** Twilio implementation of the Carrier port. */
export class TwilioCarrier implements Carrier {
  readonly name = 'twilio' as const;
  readonly forwardModes = ['always', 'on-failure'] as const;
  /**
   * Makes the trunk skip its preferred origination URLs: every URL with the lowest priority value
   * is disabled, so Twilio sends calls straight to the next priority (the backup site). Defined
   * only when trunkSid is configured.
   *
   * Enabled flags rather than priorities are changed because "disable the lowest-priority-value
   * group" gives the same result however often it runs and can be undone without remembering
   * anything; swapping priorities could not. Fails (not retryable) when no enabled URL with a
   * higher priority value exists, since disabling the preferred ones would then drop every call.
   */
  readonly switchToBackupRoute?: () => Promise<void>;
  /**
   * Re-enables the trunk's lowest-priority-value origination URLs. Note: one that was disabled
   * before the failover is enabled too. Defined only when trunkSid is configured.
   */
  readonly switchToPrimaryRoute?: () => Promise<void>;

  private readonly http: CarrierHttpClient;
  private readonly accountUrl: string;
  private readonly trunkUrl?: string;
  private readonly authorization: string;
  private readonly twimlEchoUrl: string;
  private readonly sids = new Map<string, string>();

  constructor(options: TwilioCarrierOptions) {
    this.http = new CarrierHttpClient('twilio', options);
    const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URLS.twilio).replace(/\/+$/, '');
    this.accountUrl = `${baseUrl}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}`;
    this.authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
    this.twimlEchoUrl = options.twimlEchoUrl ?? TWILIO_ECHO_TWIMLET_URL;
    if (options.trunkSid) {
      const trunkingBaseUrl = (options.trunkingBaseUrl ?? DEFAULT_TRUNKING_BASE_URL).replace(/\/+$/, '');
      this.trunkUrl = `${trunkingBaseUrl}/Trunks/${encodeURIComponent(options.trunkSid)}`;
      this.switchToBackupRoute = () => this.setPreferredOriginationEnabled(false);
      this.switchToPrimaryRoute = () => this.setPreferredOriginationEnabled(true);
    }
  }

  /** Fetches the IncomingPhoneNumber; forwardsTo/mode are read back from our own Echo TwiML URLs. */
  async readRouting(number: string): Promise<RoutingSnapshot> {
    const sid = await this.phoneNumberSid(number);
    const request = {
      operation: 'FetchIncomingPhoneNumber',
      subject: number,
      method: 'GET' as const,
      url: `${this.accountUrl}/IncomingPhoneNumbers/${encodeURIComponent(sid)}.json`,
      headers: this.headers(),
    };
    const body = await this.http.sendJson<Record<string, unknown>>(request);
    if (typeof body !== 'object' || body === null || typeof body.sid !== 'string') {
      throw malformedResponse('twilio', request, 'no IncomingPhoneNumber `sid`');
    }
    const field = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : null);
    const settings: TwilioRoutingSettings = {
      sid,
      voice_url: field('voice_url'),
      voice_method: field('voice_method'),
      voice_fallback_url: field('voice_fallback_url'),
      voice_fallback_method: field('voice_fallback_method'),
      trunk_sid: field('trunk_sid'),
      voice_application_sid: field('voice_application_sid'),
    };
    const { forwardsTo, mode } = this.readForwarding(settings);
    return { carrier: 'twilio', number, settings: { ...settings }, forwardsTo, mode };
  }

  /**
   * `always`: VoiceUrl → a `<Dial>` of the destination, clearing TrunkSid and VoiceApplicationSid.
   * `on-failure`: VoiceFallbackUrl → the same TwiML; it only takes effect for numbers answered by
   * a VoiceUrl (Twilio ignores fallbacks of trunk numbers: arm the trunk with armDisasterRecovery).
   */
  async forward(request: ForwardRequest): Promise<void> {
    const sid = await this.phoneNumberSid(request.number);
    const twimlUrl = this.dialUrl(request.destination);
    const form: Record<string, string> =
      request.mode === 'always'
        ? { VoiceUrl: twimlUrl, VoiceMethod: 'GET', TrunkSid: '', VoiceApplicationSid: '' }
        : { VoiceFallbackUrl: twimlUrl, VoiceFallbackMethod: 'GET' };
    await this.updateNumber(request.number, sid, form);
  }

  /** Writes back VoiceUrl, VoiceMethod, VoiceFallbackUrl/Method and the TrunkSid or VoiceApplicationSid. */
  async restore(snapshot: RoutingSnapshot): Promise<void> {
    const settings = snapshot.settings as Partial<TwilioRoutingSettings>;
    if (snapshot.carrier !== 'twilio' || typeof settings.sid !== 'string') {
      throw new CarrierError(
        'twilio',
        `restore for ${snapshot.number} got a ${snapshot.carrier} snapshot without an IncomingPhoneNumber sid; restore it with the adapter that took it`,
        { retryable: false },
      );
    }
    // Twilio clears a field posted empty. TrunkSid and VoiceApplicationSid exclude each other
    // (setting one deletes the other), so only the one that was set is written back.
    const form: Record<string, string> = {
      VoiceUrl: settings.voice_url ?? '',
      VoiceFallbackUrl: settings.voice_fallback_url ?? '',
    };
    if (settings.voice_method) {
      form.VoiceMethod = settings.voice_method;
    }
    if (settings.voice_fallback_method) {
      form.VoiceFallbackMethod = settings.voice_fallback_method;
    }
    if (settings.trunk_sid) {
      form.TrunkSid = settings.trunk_sid;
    } else if (settings.voice_application_sid) {
      form.VoiceApplicationSid = settings.voice_application_sid;
    } else {
      form.TrunkSid = '';
      form.VoiceApplicationSid = '';
    }
    await this.updateNumber(snapshot.number, settings.sid, form);
  }

  /**
   * Pre-arms the trunk's own failover: sets its DisasterRecoveryUrl to TwiML that dials
   * `destination`, which Twilio runs whenever no origination URL takes a call, even when nothing
   * of ours is running. Requires trunkSid.
   */
  async armDisasterRecovery(destination: string): Promise<void> {
    await this.http.sendJson({
      operation: 'UpdateTrunk',
      subject: 'DisasterRecoveryUrl',
      method: 'POST',
      url: this.requireTrunkUrl(),
      headers: this.headers(true),
      body: new URLSearchParams({
        DisasterRecoveryUrl: this.dialUrl(destination),
        DisasterRecoveryMethod: 'GET',
      }).toString(),
    });
  }

  private async setPreferredOriginationEnabled(enabled: boolean): Promise<void> {
    const trunkUrl = this.requireTrunkUrl();
    const request = {
      operation: 'ListOriginationUrl',
      subject: 'trunk',
      method: 'GET' as const,
      // One page of the maximum size: a trunk has a handful of origination URLs.
      url: `${trunkUrl}/OriginationUrls?PageSize=1000`,
      headers: this.headers(),
    };
    const body = await this.http.sendJson<{ origination_urls?: unknown }>(request);
    if (!Array.isArray(body?.origination_urls)) {
      throw malformedResponse('twilio', request, 'no `origination_urls` list');
    }
    const urls = (body.origination_urls as Record<string, unknown>[]).map(
      (url): OriginationUrl => ({
        sid: String(url.sid),
        priority: Number(url.priority),
        enabled: url.enabled === true,
      }),
    );
    if (urls.length === 0) {
      throw new CarrierError(
        'twilio',
        'the trunk has no origination URLs; add them in Twilio before failing over',
        {
          retryable: false,
        },
      );
    }
    const preferred = Math.min(...urls.map((url) => url.priority));
    if (!enabled && !urls.some((url) => url.priority > preferred && url.enabled)) {
      throw new CarrierError(
        'twilio',
        `the trunk has no enabled origination URL with a priority value above ${preferred}; add the backup site as one before switching, or forward numbers instead`,
        { retryable: false },
      );
    }
    for (const url of urls.filter(
      (candidate) => candidate.priority === preferred && candidate.enabled !== enabled,
    )) {
      await this.http.sendJson({
        operation: 'UpdateOriginationUrl',
        subject: url.sid,
        method: 'POST',
        url: `${trunkUrl}/OriginationUrls/${encodeURIComponent(url.sid)}`,
        headers: this.headers(true),
        body: new URLSearchParams({ Enabled: String(enabled) }).toString(),
      });
    }
  }

  private async updateNumber(number: string, sid: string, form: Record<string, string>): Promise<void> {
    await this.http.sendJson({
      operation: 'UpdateIncomingPhoneNumber',
      subject: number,
      method: 'POST',
      url: `${this.accountUrl}/IncomingPhoneNumbers/${encodeURIComponent(sid)}.json`,
      headers: this.headers(true),
      body: new URLSearchParams(form).toString(),
    });
  }

  private async phoneNumberSid(number: string): Promise<string> {
    const cached = this.sids.get(number);
    if (cached) {
      return cached;
    }
    const request = {
      operation: 'ListIncomingPhoneNumber',
      subject: number,
      method: 'GET' as const,
      url: `${this.accountUrl}/IncomingPhoneNumbers.json?${new URLSearchParams({ PhoneNumber: number, PageSize: '20' })}`,
      headers: this.headers(),
    };
    const body = await this.http.sendJson<{ incoming_phone_numbers?: unknown }>(request);
    if (!Array.isArray(body?.incoming_phone_numbers)) {
      throw malformedResponse('twilio', request, 'no `incoming_phone_numbers` list');
    }
    const match = (body.incoming_phone_numbers as Record<string, unknown>[]).find(
      (record) => record.phone_number === number,
    );
    if (typeof match?.sid !== 'string') {
      throw new CarrierError(
        'twilio',
        `ListIncomingPhoneNumber for ${number} found no such number on this Twilio account; check the forwarding plan and the account SID`,
        { retryable: false, status: 404 },
      );
    }
    this.sids.set(number, match.sid);
    return match.sid;
  }

  private readForwarding(settings: TwilioRoutingSettings): {
    forwardsTo: string | null;
    mode: ForwardMode | null;
  } {
    // A trunk or an application takes the call before any voice URL is consulted.
    if (settings.trunk_sid || settings.voice_application_sid) {
      return { forwardsTo: null, mode: null };
    }
    const always = this.dialTarget(settings.voice_url);
    if (always) {
      return { forwardsTo: always, mode: 'always' };
    }
    const onFailure = this.dialTarget(settings.voice_fallback_url);
    return onFailure ? { forwardsTo: onFailure, mode: 'on-failure' } : { forwardsTo: null, mode: null };
  }

  private dialUrl(destination: string): string {
    const target = escapeXml(destination);
    const dial = destination.startsWith('sip:') ? `<Sip>${target}</Sip>` : target;
    const twiml = `<Response><Dial>${dial}</Dial></Response>`;
    return `${this.twimlEchoUrl}?${new URLSearchParams({ Twiml: twiml })}`;
  }

  private dialTarget(url: string | null): string | null {
    if (!url?.startsWith(`${this.twimlEchoUrl}?`)) {
      return null;
    }
    const twiml = new URL(url).searchParams.get('Twiml') ?? '';
    const match = /<Dial>(?:<Sip>([^<]+)<\/Sip>|([^<]+))<\/Dial>/.exec(twiml);
    return match ? unescapeXml(match[1] ?? match[2]) : null;
  }

  private requireTrunkUrl(): string {
    if (!this.trunkUrl) {
      throw new CarrierError(
        'twilio',
        'no trunkSid is configured; set carriers.twilio.trunkSid to use the trunk',
        {
          retryable: false,
        },
      );
    }
    return this.trunkUrl;
  }

  private headers(withBody = false): Record<string, string> {
    return {
      Authorization: this.authorization,
      Accept: 'application/json',
      ...(withBody ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
    };
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function unescapeXml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&gt;/g, '>')
    .replace(/&lt;/g, '<')
    .replace(/&amp;/g, '&');
}
