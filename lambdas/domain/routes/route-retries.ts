/** How route operations and their requests that failed retryably are tried again, backing off. */
import type { CarrierName } from '../../contracts/config/config-constants';
import { CarrierError } from '../../contracts/errors';
import type { RouteCall } from '../../ports/carrier-routes';
import type { Clock } from '../../ports/clock';
import { isRetryable } from '../forwarding/retry-policy';

/** Tries of one route operation, counting the first. */
export const ROUTE_ATTEMPTS = 4;
const FIRST_BACKOFF_MS = 500;

/**
 * Runs `operation` until it succeeds, fails for good (not retryable), or has been tried
 * ROUTE_ATTEMPTS times; the route operations are idempotent, so trying again is safe.
 */
export async function withRouteRetries<T>(clock: Clock, operation: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isRetryable(error) || attempt >= ROUTE_ATTEMPTS) throw error;
      await clock.sleep(FIRST_BACKOFF_MS * 2 ** (attempt - 1));
    }
  }
}

/** Tries of one route request the carrier certainly did not process (a read, a 429), counting the first. */
export const SAFE_REQUEST_ATTEMPTS = 8;
const SAFE_FIRST_BACKOFF_MS = 250;
const SAFE_MAX_BACKOFF_MS = 8_000;

/**
 * Holds each request of a route operation to `call` (the carrier's rate) and tries again, at the
 * carrier's own Retry-After or backing off, a request that failed without changing anything (a
 * read, or a 429): a fault in one of an audit's many reads then costs that read, not the audit.
 * Anything else goes up to the operation, whose own retry reads the carrier's state afresh.
 */
export function retryingRouteCall(call: RouteCall, clock: Clock): RouteCall {
  return async <T>(request: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call(request);
      } catch (error) {
        const safe = error instanceof CarrierError && error.retryable && error.safeToRepeat;
        if (!safe || attempt >= SAFE_REQUEST_ATTEMPTS) throw error;
        const backoff = Math.min(SAFE_MAX_BACKOFF_MS, SAFE_FIRST_BACKOFF_MS * 2 ** (attempt - 1));
        await clock.sleep(Math.max(backoff, error.retryAfterMs ?? 0));
      }
    }
  };
}

/**
 * Runs one route operation for `carrier` with both retries: each of its requests held to the
 * carrier's rate and repeated when it certainly changed nothing, the whole operation repeated a few
 * times on any other retryable failure.
 */
export function runRouteOperation<T>(
  deps: { clock: Clock; routeCall(carrier: CarrierName): RouteCall },
  carrier: CarrierName,
  operation: (call: RouteCall) => Promise<T>,
): Promise<T> {
  const call = retryingRouteCall(deps.routeCall(carrier), deps.clock);
  return withRouteRetries(deps.clock, () => operation(call));
}
