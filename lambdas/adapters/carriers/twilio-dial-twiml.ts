/**
 * The URLs whose TwiML dials a forwarding destination: what a forwarded Twilio number's VoiceUrl
 * (or VoiceFallbackUrl, or a trunk's DisasterRecoveryUrl) points at, and how to read the
 * destination back out of one. Twilio has no "forward to" field: a number runs the TwiML its URL
 * returns, so the destination lives in the URL.
 *
 * Two kinds of URL, both answered by Twilio itself (nothing of ours has to be up):
 * - the Echo Twimlet (default), which answers with the TwiML passed in its `Twiml` parameter.
 *   Risk: twimlets.com is a Twilio Labs service with no support statement or SLA; if Twilio
 *   retires or breaks it, every forwarded call and the trunk's disaster recovery fail with it.
 * - a URL the provider hosts at Twilio, normally a TwiML Bin (`https://handler.twilio.com/twiml/EH...`),
 *   called with `?Destination=<E.164 or sip: URI>`. Twilio's `<Dial>` takes a phone number as its
 *   text and a SIP URI only inside `<Sip>`, so two Bins: `dialTwimlUrl` answering
 *   `<Response><Dial>{{Destination}}</Dial></Response>` for numbers, `dialSipTwimlUrl` answering
 *   `<Response><Dial><Sip>{{Destination}}</Sip></Dial></Response>` for SIP URIs (the disaster
 *   recovery URL always dials one). Each falls back to the Echo Twimlet when unset.
 */

/** Twilio's Echo Twimlet: answers with the TwiML passed in its `Twiml` query parameter. */
export const TWILIO_ECHO_TWIMLET_URL = 'https://twimlets.com/echo';

/** The query parameter a provider-hosted dial URL reads the destination from. */
export const DIAL_DESTINATION_PARAM = 'Destination';

/** Where dial TwiML comes from. */
export interface TwilioDialTwimlOptions {
  /**
   * Provider-hosted URL (a TwiML Bin) dialling `?Destination=` (an E.164 number). Unset, forwarded
   * calls depend on the Echo Twimlet: a Twilio Labs service with no support statement.
   * @default the Echo Twimlet
   */
  readonly dialTwimlUrl?: string;
  /**
   * Provider-hosted URL dialling `?Destination=` (a `sip:` URI) inside `<Sip>`; the trunk's
   * DisasterRecoveryUrl uses it. Unset, it depends on the Echo Twimlet as above.
   * @default the Echo Twimlet
   */
  readonly dialSipTwimlUrl?: string;
  /** The Echo Twimlet's address (tests point it elsewhere). @default https://twimlets.com/echo */
  readonly twimlEchoUrl?: string;
}

/** Builds dial URLs and recognises the ones it (or an earlier configuration of it) built. */
export class TwilioDialTwiml {
  private readonly echoUrl: string;
  private readonly hosted: { number?: string; sip?: string };

  constructor(options: TwilioDialTwimlOptions = {}) {
    this.echoUrl = options.twimlEchoUrl ?? TWILIO_ECHO_TWIMLET_URL;
    this.hosted = { number: options.dialTwimlUrl, sip: options.dialSipTwimlUrl };
  }

  /** The URL whose TwiML dials `destination` (an E.164 number or a `sip:` URI). */
  urlFor(destination: string): string {
    const sip = destination.startsWith('sip:');
    const hosted = sip ? this.hosted.sip : this.hosted.number;
    if (hosted) {
      const url = new URL(hosted);
      url.searchParams.set(DIAL_DESTINATION_PARAM, destination);
      return url.toString();
    }
    return echoDialUrl(this.echoUrl, destination);
  }

  /**
   * True when `url` is the URL urlFor(destination) builds now, up to encoding (a URL Twilio
   * stored may come back encoded differently).
   */
  isUrlFor(url: string | null | undefined, destination: string): boolean {
    if (this.targetOf(url) !== destination) {
      return false;
    }
    const base = (text: string) => {
      const parsed = new URL(text);
      return `${parsed.origin}${parsed.pathname}`;
    };
    return base(url!) === base(this.urlFor(destination));
  }

  /** The destination `url` dials, or null when it is not one of the dial URLs this adapter knows. */
  targetOf(url: string | null | undefined): string | null {
    const hosted = [this.hosted.number, this.hosted.sip].filter((known): known is string => !!known);
    return dialTargetOf(url, { echoUrls: [this.echoUrl], hostedUrls: hosted });
  }
}

/**
 * The destination a dial URL dials, or null. `echoUrls` answer with their `Twiml` parameter;
 * `hostedUrls` take `?Destination=`. Shared with the fake, which routes calls by it.
 */
export function dialTargetOf(
  url: string | null | undefined,
  known: { echoUrls: readonly string[]; hostedUrls: readonly string[] },
): string | null {
  if (!url) {
    return null;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const base = `${parsed.origin}${parsed.pathname}`;
  if (known.echoUrls.some((echo) => sameBase(echo, base))) {
    const twiml = parsed.searchParams.get('Twiml') ?? '';
    const match = /<Dial>(?:<Sip>([^<]+)<\/Sip>|([^<]+))<\/Dial>/.exec(twiml);
    return match ? unescapeXml(match[1] ?? match[2]) : null;
  }
  if (known.hostedUrls.some((hosted) => sameBase(hosted, base))) {
    return parsed.searchParams.get(DIAL_DESTINATION_PARAM) || null;
  }
  return null;
}

function echoDialUrl(echoUrl: string, destination: string): string {
  const target = escapeXml(destination);
  const dial = destination.startsWith('sip:') ? `<Sip>${target}</Sip>` : target;
  return `${echoUrl}?${new URLSearchParams({ Twiml: `<Response><Dial>${dial}</Dial></Response>` })}`;
}

function sameBase(configured: string, base: string): boolean {
  try {
    const url = new URL(configured);
    return `${url.origin}${url.pathname}` === base;
  } catch {
    return false;
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
