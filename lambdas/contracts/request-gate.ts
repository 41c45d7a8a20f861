/**
 * Carries a lane's rate limit down to every HTTP request, not only to every adapter call. One
 * adapter call can send several requests (Telnyx looks a number's id up before reading it,
 * Bandwidth reads two resources, a bulk job is polled until done) and the carrier counts each of
 * them against its limit. CarrierLane.call runs the adapter call inside a gate; the carrier HTTP
 * client passes the gate before every request, and each request after the call's first waits for
 * a token of its own. Async context instead of a parameter, so that no adapter method and no
 * engine needs to thread the gate through.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface RequestGate {
  /** Requests the current lane call has sent so far. */
  sent: number;
  /** Waits for one more token of the lane's bucket. */
  takeToken: () => Promise<void>;
}

const gates = new AsyncLocalStorage<RequestGate>();

/**
 * Runs one lane call whose first request's token is already taken: every further request sent
 * inside `call` (by CarrierHttpClient, through {@link awaitRequestTurn}) takes one via `takeToken`.
 */
export function runInRequestGate<T>(takeToken: () => Promise<void>, call: () => Promise<T>): Promise<T> {
  return gates.run({ sent: 0, takeToken }, call);
}

/**
 * Called right before an HTTP request to a carrier. Inside a lane call, resolves once the request
 * may go (at once for the call's first request); outside any lane call returns undefined, so
 * callers that throttle themselves (or need no throttling) are not slowed.
 */
export function awaitRequestTurn(): Promise<void> | undefined {
  const gate = gates.getStore();
  if (!gate) return undefined;
  gate.sent += 1;
  return gate.sent > 1 ? gate.takeToken() : undefined;
}
