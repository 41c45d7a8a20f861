/**
 * Where the fake Telnyx sends a call to one of its numbers right now, from what it models:
 * 1. the number's `call_forwarding`, enabled, `always`, with a `forwards_to`: straight there,
 *    the connection is never tried;
 * 2. otherwise the number's connection's FQDNs: with `sequential` routing in order (primary,
 *    secondary, tertiary), the first that answers takes the call, Telnyx moving on when one does
 *    not (a 408, 480, 503, 504 or a transport error, per Telnyx's support docs; the API spec is
 *    silent); with `round-robin` Telnyx spreads calls over the FQDNs and the fake, which has no
 *    notion of load, takes any that answers;
 * 3. no FQDN answers and `call_forwarding` is enabled `on-failure` with a `forwards_to`: there;
 * 4. otherwise nowhere.
 */
import type { CallPath, TargetIsUp } from './call-routing';
import { orderedFqdns } from './telnyx-fake-connections';
import { sipTargetOf, type TelnyxFakeAccount } from './telnyx-fake-state';

/** The path of a call to `phoneNumber` at the fake account. */
export function routeTelnyxCall(account: TelnyxFakeAccount, phoneNumber: string, isUp: TargetIsUp): CallPath {
  const tried: CallPath['tried'] = [];
  const attempt = (target: string, via: string): boolean => {
    const up = isUp(target);
    tried.push({ target, via, up });
    return up;
  };
  const state = account.numbers.get(phoneNumber);
  if (!state) {
    return { reached: null, tried };
  }
  const forwarding = state.call_forwarding;
  const forwardsTo = forwarding.call_forwarding_enabled ? forwarding.forwards_to : null;
  if (forwardsTo && forwarding.forwarding_type === 'always') {
    return { reached: attempt(forwardsTo, 'call_forwarding always') ? forwardsTo : null, tried };
  }
  const connection = account.connections.get(state.connection_id);
  if (connection?.active) {
    const method = connection.inbound.default_routing_method ?? 'sequential';
    for (const [index, fqdn] of orderedFqdns(account, connection).entries()) {
      const target = sipTargetOf(fqdn);
      if (attempt(target, `connection ${connection.id} ${method} target ${index + 1}`)) {
        return { reached: target, tried };
      }
    }
  }
  if (forwardsTo && forwarding.forwarding_type === 'on-failure') {
    return { reached: attempt(forwardsTo, 'call_forwarding on-failure') ? forwardsTo : null, tried };
  }
  return { reached: null, tried };
}
