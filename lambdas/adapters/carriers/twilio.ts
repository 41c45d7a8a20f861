/**
 * Twilio adapter: IncomingPhoneNumbers (REST 2010-04-01) for per-number forwarding, Elastic SIP
 * Trunking for the site routes (`routes`, in twilio-routes.ts).
 *
 * How a number is forwarded: Twilio has no "forward to" field. A number runs the TwiML its
 * `VoiceUrl` returns, so forwarding points `VoiceUrl` (or `VoiceFallbackUrl` for on-failure) at a
 * URL whose TwiML dials the destination (twilio-dial-twiml.ts: the Echo Twimlet by default, or
 * the provider's own TwiML Bins with `dialTwimlUrl` / `dialSipTwimlUrl`).
 *
 * Twilio's precedence (spec, UpdateIncomingPhoneNumber): "If a `trunk_sid` is present, we ignore
 * all of the voice urls and voice applications"; "If a `voice_application_sid` is present, we
 * ignore all of the voice urls". Every field the spec defines takes a pattern or a URI, so nothing
 * is ever cleared by posting it empty. Instead:
 * - a trunk number is taken off its trunk with the Trunking API (DeletePhoneNumber) after its
 *   VoiceUrl is set, and put back (CreatePhoneNumber) on restore;
 * - a number with a VoiceApplicationSid is refused: the only documented way to clear one is to set
 *   a TrunkSid, which would hand its calls to a trunk.
 */

import { CarrierError } from '../../contracts/errors';
import type { Carrier, ForwardRequest, RoutingSnapshot } from '../../ports/carriers';
import { TwilioApi, type TwilioApiOptions, type TwilioRecord } from './twilio-api';
import { TwilioDialTwiml, type TwilioDialTwimlOptions } from './twilio-dial-twiml';
import { refusalToForward, restoreTwilioNumber } from './twilio-number-writes';
import { TwilioRoutes, type TwilioRoutesOptions } from './twilio-routes';
import { TwilioRoutingPages } from './twilio-routing-pages';
import { type TwilioRoutingSettings, twilioRoutingSnapshot } from './twilio-routing-snapshot';

export { TWILIO_ECHO_TWIMLET_URL } from './twilio-dial-twiml';
export type { TwilioRoutingSettings } from './twilio-routing-snapshot';

/** How to reach Twilio, where dial TwiML comes from, and how routes are armed. */
export interface TwilioCarrierOptions extends TwilioApiOptions, TwilioDialTwimlOptions, TwilioRoutesOptions {}

/** Twilio implementation of the Carrier port. */
export class TwilioCarrier implements Carrier {
  readonly name = 'twilio' as const;
  readonly forwardModes = ['always', 'on-failure'] as const;
  /** Elastic SIP trunk routes: native failover (origination URL priorities, DisasterRecoveryUrl) and the switch. */
  readonly routes: TwilioRoutes;
  /** The account's number list, 1,000 a page, read as complete snapshots (twilio-routing-pages.ts). */
  readonly routingPages: TwilioRoutingPages;
  /**
   * One UpdateIncomingPhoneNumber once the SID is known. A number on an Elastic SIP trunk costs 2
   * in `always` mode: the update, then the Trunking DeletePhoneNumber. Twilio has no bulk API for
   * numbers, so `bulkLimit` and `forwardMany` stay unset.
   */
  readonly requestsPerForward = 1;
  /** One FetchIncomingPhoneNumber once the SID is known (a ListIncomingPhoneNumber by number first otherwise). */
  readonly requestsPerRead = 1;

  private readonly api: TwilioApi;
  private readonly dial: TwilioDialTwiml;
  /** The last record seen of each number (its sid never changes; the rest only guides refusals). */
  private readonly known = new Map<string, TwilioRecord>();

  constructor(options: TwilioCarrierOptions) {
    this.api = new TwilioApi(options);
    this.dial = new TwilioDialTwiml(options);
    this.routes = new TwilioRoutes(this.api, this.dial, options);
    this.routingPages = new TwilioRoutingPages(this.api, this.dial, this.known);
  }

  /**
   * Fetches the IncomingPhoneNumber; forwardsTo/mode are read back from our own dial URLs
   * (twilio-routing-snapshot.ts, shared with the routing pages).
   */
  async readRouting(number: string): Promise<RoutingSnapshot> {
    const sid = await this.sidOf(number);
    const body = await this.api.fetchNumber(sid, number);
    this.known.set(number, body);
    return twilioRoutingSnapshot(number, sid, body, this.dial);
  }

  /**
   * `always`: VoiceUrl → a dial of the destination (VoiceMethod GET); a trunk number is then taken
   * off its trunk (Trunking DeletePhoneNumber), since Twilio ignores the voice URLs of trunk numbers.
   *
   * `on-failure`: VoiceFallbackUrl → the same dial. Twilio calls the fallback "when an error occurs
   * retrieving or executing the TwiML requested by" the VoiceUrl, not when a `<Dial>` from that
   * TwiML finds the far end dead: it only helps numbers answered by a VoiceUrl whose web server is
   * down. Trunk numbers (use the trunk's native failover: `routes.armNative`) and numbers without
   * a VoiceUrl are refused.
   *
   * Numbers with a VoiceApplicationSid are refused in both modes (non-retryable): see the file
   * comment.
   */
  async forward(request: ForwardRequest): Promise<void> {
    const { number } = request;
    const known = await this.recordOf(number);
    const refusal = refusalToForward(number, request.mode, known);
    if (refusal) {
      throw refusal;
    }
    const sid = String(known.sid);
    const url = this.dial.urlFor(request.destination);
    if (request.mode === 'on-failure') {
      this.known.set(
        number,
        await this.api.updateNumber(sid, number, { VoiceFallbackUrl: url, VoiceFallbackMethod: 'GET' }),
      );
      return;
    }
    // VoiceUrl first (ignored while on the trunk), then off the trunk: calls move in one step.
    const updated = await this.api.updateNumber(sid, number, { VoiceUrl: url, VoiceMethod: 'GET' });
    this.known.set(number, updated);
    if (typeof updated.voice_application_sid === 'string' && updated.voice_application_sid !== '') {
      // Given an application since we last read it: the VoiceUrl just written is ignored.
      throw refusalToForward(number, 'always', updated)!;
    }
    if (typeof updated.trunk_sid === 'string' && updated.trunk_sid !== '') {
      await this.api.removeFromTrunk(updated.trunk_sid, sid, number);
      this.known.set(number, { ...updated, trunk_sid: null });
    }
  }

  /**
   * Puts back exactly the snapshot's routing, writing only what differs from the number as
   * fetched now: its trunk first (CreatePhoneNumber), then the voice fields that had a value.
   * A voice URL that was empty cannot be emptied again (the spec takes only a URI): on a trunk or
   * application number Twilio ignores it, so it is left; elsewhere restore fails (non-retryable)
   * naming it, after putting back everything else.
   */
  async restore(snapshot: RoutingSnapshot): Promise<void> {
    const settings = snapshot.settings as Partial<TwilioRoutingSettings>;
    if (snapshot.carrier !== 'twilio' || typeof settings.sid !== 'string') {
      throw new CarrierError(
        'twilio',
        `restore for ${snapshot.number} got a ${snapshot.carrier} snapshot without an IncomingPhoneNumber sid; restore it with the adapter that took it`,
        { retryable: false },
      );
    }
    this.known.set(
      snapshot.number,
      await restoreTwilioNumber(this.api, this.dial, snapshot.number, settings as TwilioRoutingSettings),
    );
  }

  private async sidOf(number: string): Promise<string> {
    return String((await this.recordOf(number)).sid);
  }

  private async recordOf(number: string): Promise<TwilioRecord> {
    const cached = this.known.get(number);
    if (cached) {
      return cached;
    }
    const [match] = await this.api.findNumbers(number);
    if (typeof match?.sid !== 'string') {
      throw new CarrierError(
        'twilio',
        `ListIncomingPhoneNumber for ${number} found no such number on this Twilio account; check the forwarding plan and the account SID`,
        { retryable: false, status: 404 },
      );
    }
    this.known.set(number, match);
    return match;
  }
}
