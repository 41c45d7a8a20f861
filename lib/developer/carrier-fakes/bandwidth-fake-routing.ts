/**
 * Where the fake Bandwidth sends a call to a number: its CallForward when set; else its own
 * origination route plan; else its SIP peer's; a route plan tried by priority (same-priority
 * routes heaviest first), the first route that answers taking the call.
 */
import type { BandwidthFakeModel, BandwidthFakeRoute } from './bandwidth-fake-model';
import { endpointTypeOf, hostOf, peerKey } from './bandwidth-fake-model';
import type { CallPath, TargetIsUp } from './call-routing';

/** The path of a call to `phoneNumber` (E.164) right now. */
export function routeBandwidthCall(
  model: BandwidthFakeModel,
  phoneNumber: string,
  isUp: TargetIsUp,
): CallPath {
  const state = model.numbers.get(phoneNumber.replace(/^\+1/, ''));
  if (!state) {
    return { reached: null, tried: [] };
  }
  if (state.callForward !== null) {
    return tryInOrder([{ target: `+1${state.callForward}`, via: 'TN CallForward' }], isUp);
  }
  if (state.originationRoutePlan !== null) {
    return tryInOrder(planTargets(state.originationRoutePlan, 'TN route plan'), isUp);
  }
  const peer = model.peers.get(peerKey(state.siteId, state.sipPeerId));
  if (peer?.originationRoutePlan) {
    return tryInOrder(planTargets(peer.originationRoutePlan, `SIP peer ${peer.sipPeerId} route plan`), isUp);
  }
  return { reached: null, tried: [] };
}

/** A route's endpoint as a call target: +1 and the TN, the SIP URI, or `sip:host:5060`. */
export function targetOf(endpoint: string): string {
  switch (endpointTypeOf(endpoint)) {
    case 'TN':
      return `+1${endpoint}`;
    case 'SIP':
      return endpoint;
    default:
      return `sip:${hostOf(endpoint)}:5060`;
  }
}

function planTargets(routes: readonly BandwidthFakeRoute[], via: string): { target: string; via: string }[] {
  return [...routes]
    .sort((a, b) => a.priority - b.priority || (b.weight ?? 0) - (a.weight ?? 0))
    .map((route) => ({ target: targetOf(route.endpoint), via: `${via}, priority ${route.priority}` }));
}

function tryInOrder(targets: { target: string; via: string }[], isUp: TargetIsUp): CallPath {
  const tried: CallPath['tried'] = [];
  for (const { target, via } of targets) {
    const up = isUp(target);
    tried.push({ target, via, up });
    if (up) {
      return { reached: target, tried };
    }
  }
  return { reached: null, tried };
}
