/**
 * Where the fake Twilio sends a call to one of its numbers, from the modelled routing and
 * Twilio's documented precedence:
 * - a number with a TrunkSid goes to the trunk ("we ignore all of the voice urls and voice
 *   applications"): its enabled origination URLs, lowest priority value first, the first that
 *   answers takes the call. Weight is ignored here: it shares calls among URLs of one priority,
 *   and a call that one of them refuses goes on to the others, so the order within a group does
 *   not change who is reached. None answering → the trunk's DisasterRecoveryUrl ("if an error
 *   occurs while sending SIP traffic towards the configured Origination URL"), if it dials.
 * - a number with a VoiceApplicationSid runs the application (not modelled): no target.
 * - otherwise its VoiceUrl: a dial URL → its destination (a `<Dial>` to a dead destination does
 *   not trigger the fallback: the TwiML ran); any other URL → that URL takes the call if up, else
 *   the VoiceFallbackUrl ("when an error occurs retrieving or executing the TwiML").
 */
import { dialTargetOf } from '../../../lambdas/adapters/carriers/twilio-dial-twiml';
import type { CallPath, TargetIsUp } from './call-routing';
import type { TwilioFakeNumberState, TwilioFakeState } from './twilio-fake-state';

/** The URLs whose TwiML the fake reads as dialling a destination. */
export interface DialUrlsKnown {
  readonly echoUrls: readonly string[];
  readonly hostedUrls: readonly string[];
}

/** The path of a call to `phoneNumber` right now. */
export function routeTwilioCall(
  state: TwilioFakeState,
  phoneNumber: string,
  isUp: TargetIsUp,
  dialUrls: DialUrlsKnown,
): CallPath {
  const path: CallPath = { reached: null, tried: [] };
  const tryTarget = (target: string, via: string): boolean => {
    const up = isUp(target);
    path.tried.push({ target, via, up });
    if (up) path.reached = target;
    return up;
  };
  const number = state.numbers.get(phoneNumber);
  if (!number) {
    return path;
  }
  if (number.trunk_sid) {
    routeOnTrunk(state, number, tryTarget, dialUrls);
    return path;
  }
  if (number.voice_application_sid) {
    path.tried.push({
      target: number.voice_application_sid,
      via: `VoiceApplicationSid ${number.voice_application_sid}: Twilio runs the application and ignores the voice URLs (not modelled)`,
      up: false,
    });
    return path;
  }
  const dialled = dialTargetOf(number.voice_url, dialUrls);
  if (dialled) {
    tryTarget(dialled, 'VoiceUrl dials it');
    return path;
  }
  if (!number.voice_url || tryTarget(number.voice_url, 'VoiceUrl')) {
    return path;
  }
  const fallback = number.voice_fallback_url;
  const fallbackDial = dialTargetOf(fallback, dialUrls);
  if (fallbackDial) {
    tryTarget(fallbackDial, 'VoiceFallbackUrl dials it (the VoiceUrl failed)');
  } else if (fallback) {
    tryTarget(fallback, 'VoiceFallbackUrl (the VoiceUrl failed)');
  }
  return path;
}

function routeOnTrunk(
  state: TwilioFakeState,
  number: TwilioFakeNumberState,
  tryTarget: (target: string, via: string) => boolean,
  dialUrls: DialUrlsKnown,
): void {
  const trunk = state.trunks.get(number.trunk_sid!);
  if (!trunk) {
    return;
  }
  const urls = trunk.origination_urls.filter((url) => url.enabled).sort((a, b) => a.priority - b.priority);
  for (const url of urls) {
    if (tryTarget(url.sip_url, `trunk ${trunk.sid} origination URL ${url.sid} priority ${url.priority}`)) {
      return;
    }
  }
  const recovery = dialTargetOf(trunk.disaster_recovery_url, dialUrls);
  if (recovery) {
    tryTarget(recovery, `trunk ${trunk.sid} DisasterRecoveryUrl dials it (no origination URL took the call)`);
  }
}
