import { seededRandom } from '../../../lambdas/adapters/local/seeded-random';
import { CarrierAuthError, CarrierError } from '../../../lambdas/contracts/errors';
import {
  callWithRetry,
  Deadline,
  isUncertainOutcome,
  RetryPolicy,
} from '../../../lambdas/domain/forwarding/retry-policy';
import { CarrierLane } from '../../../lambdas/domain/forwarding/token-bucket';
import { FakeClock } from './fake-clock';

/** The tally of a number whose first call just failed. */
const failedOnce = () => ({ attempts: 1, failuresInARow: 1 });

const serverError = () =>
  new CarrierError('telnyx', '500 Internal Server Error', { retryable: true, status: 500 });

describe('RetryPolicy', () => {
  it('draws full-jitter delays between 0 and the doubling ceiling, capped', () => {
    // Arrange
    const policy = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 1_000 }, seededRandom(7));

    // Act
    const delays = Array.from({ length: 500 }, (_, i) => ({
      retry: (i % 8) + 1,
      delay: policy.backoffMs((i % 8) + 1),
    }));

    // Assert
    for (const { retry, delay } of delays) {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(Math.min(1_000, 100 * 2 ** (retry - 1)));
    }
    // Full jitter spreads over the whole range, not just near the ceiling.
    const late = delays.filter((d) => d.retry === 8).map((d) => d.delay);
    expect(Math.min(...late)).toBeLessThan(300);
    expect(Math.max(...late)).toBeGreaterThan(700);
  });

  it('waits at least what the carrier asked for in Retry-After', () => {
    const policy = new RetryPolicy({ baseDelayMs: 100 }, () => 0);
    const tooMany = new CarrierError('twilio', '429', { retryable: true, status: 429, retryAfterMs: 7_000 });

    expect(policy.decide(tooMany, failedOnce())).toEqual({ retry: true, delayMs: 7_000 });
  });

  it('does not retry errors that are not retryable, nor errors it does not know', () => {
    const policy = new RetryPolicy({}, () => 0.5);

    const auth = policy.decide(new CarrierAuthError('telnyx', '401 bad key', { status: 401 }), failedOnce());
    const unknown = policy.decide(new TypeError('x is undefined'), failedOnce());

    expect(auth).toEqual({ retry: false, reason: 'telnyx: 401 bad key (HTTP 401)' });
    expect(unknown).toEqual({ retry: false, reason: 'TypeError: x is undefined' });
  });

  it('gives a number up after maxFailuresInARow failed calls in a row, with its last reason', () => {
    const policy = new RetryPolicy({ maxFailuresInARow: 3 }, () => 0.5);

    expect(policy.decide(serverError(), { attempts: 2, failuresInARow: 2 }).retry).toBe(true);
    expect(policy.decide(serverError(), { attempts: 3, failuresInARow: 3 })).toEqual({
      retry: false,
      reason: 'telnyx: 500 Internal Server Error (HTTP 500) (gave up after 3 failed calls in a row)',
    });
  });

  it('allows a call of two requests (a Bandwidth read) twice the failures in a row', () => {
    const policy = new RetryPolicy({ maxFailuresInARow: 3 }, () => 0.5);

    expect(policy.decide(serverError(), { attempts: 5, failuresInARow: 5 }, 2).retry).toBe(true);
    expect(policy.decide(serverError(), { attempts: 6, failuresInARow: 6 }, 2)).toEqual({
      retry: false,
      reason: 'telnyx: 500 Internal Server Error (HTTP 500) (gave up after 6 failed calls in a row)',
    });
  });

  it('keeps a number whose failures a success broke, up to maxAttemptsPerNumber calls in all', () => {
    const policy = new RetryPolicy({ maxFailuresInARow: 3, maxAttemptsPerNumber: 10 }, () => 0.5);

    expect(policy.decide(serverError(), { attempts: 9, failuresInARow: 1 }).retry).toBe(true);
    expect(policy.decide(serverError(), { attempts: 10, failuresInARow: 1 })).toEqual({
      retry: false,
      reason: 'telnyx: 500 Internal Server Error (HTTP 500) (gave up after 10 calls)',
    });
  });

  it('grows the backoff with the failures in a row, not with the calls a number made before', () => {
    const policy = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 100_000 }, () => 0.99);

    const fresh = policy.decide(serverError(), { attempts: 30, failuresInARow: 1 });
    const fifth = policy.decide(serverError(), { attempts: 30, failuresInARow: 5 });

    expect(fresh).toEqual({ retry: true, delayMs: 99 });
    expect(fifth).toEqual({ retry: true, delayMs: 1_584 });
  });

  it('counts the failures in a row through callWithRetry and starts them again after a success', async () => {
    const clock = new FakeClock();
    const lane = new CarrierLane('telnyx', { rateLimitPerSecond: 1_000, maxConcurrency: 1 }, clock);
    const policy = new RetryPolicy({ maxFailuresInARow: 3, baseDelayMs: 0, maxDelayMs: 0 }, () => 0);
    const context = { policy, clock, deadline: new Deadline(clock, undefined, 0) };
    const tally = { attempts: 0 };
    const outcomes = ['fail', 'fail', 'ok', 'fail', 'fail', 'ok'];
    const call = () => {
      const next = outcomes.shift();
      return next === 'ok' ? Promise.resolve('ok') : Promise.reject(serverError());
    };

    const first = await callWithRetry(lane, call, tally, context);
    const second = await callWithRetry(lane, call, tally, context);

    // Six calls in all, never three failures in a row: both succeed.
    expect([first.ok, second.ok]).toEqual([true, true]);
    expect(tally).toEqual({ attempts: 6, failuresInARow: 0 });
  });

  it('passes the requests one call sends on to the policy', async () => {
    const clock = new FakeClock();
    const lane = new CarrierLane('bandwidth', { rateLimitPerSecond: 1_000, maxConcurrency: 1 }, clock);
    const policy = new RetryPolicy({ maxFailuresInARow: 3, baseDelayMs: 0, maxDelayMs: 0 }, () => 0);
    const context = { policy, clock, deadline: new Deadline(clock, undefined, 0) };
    const fails = (times: number) => {
      let left = times;
      return () => (left-- > 0 ? Promise.reject(serverError()) : Promise.resolve('ok'));
    };

    const oneRequest = await callWithRetry(lane, fails(5), { attempts: 0 }, context);
    const twoRequests = await callWithRetry(lane, fails(5), { attempts: 0 }, context, 2);

    expect(oneRequest.ok).toBe(false);
    expect(twoRequests.ok).toBe(true);
  });

  it('stops retrying anything once the run has spent its retry budget', () => {
    const policy = new RetryPolicy({ retryBudget: 2 }, () => 0.5);
    policy.spend();
    policy.spend();

    const decision = policy.decide(serverError(), failedOnce());

    expect(decision).toEqual({ retry: false, reason: expect.stringContaining('retry budget of 2') });
    expect(policy.retriesUsed).toBe(2);
  });
});

describe('isUncertainOutcome', () => {
  it.each([
    ['a timeout (no status)', new CarrierError('t', 'timed out', { retryable: true }), true],
    ['a 500', new CarrierError('t', '500', { retryable: true, status: 500 }), true],
    ['a 503', new CarrierError('t', '503', { retryable: true, status: 503 }), true],
    ['an unknown error', new Error('boom'), true],
    ['a 429', new CarrierError('t', '429', { retryable: true, status: 429 }), false],
    ['a 422', new CarrierError('t', '422', { retryable: false, status: 422 }), false],
    ['a 401', new CarrierAuthError('t', '401', { status: 401 }), false],
  ])('treats %s as %s', (_what, error, uncertain) => {
    expect(isUncertainOutcome(error)).toBe(uncertain);
  });
});

describe('callWithRetry', () => {
  it('retries a failing read until it succeeds, spending the budget', async () => {
    // Arrange
    const clock = new FakeClock();
    const lane = new CarrierLane('telnyx', { rateLimitPerSecond: 100, maxConcurrency: 1 }, clock);
    const policy = new RetryPolicy({}, seededRandom(1));
    let calls = 0;

    // Act
    const result = await callWithRetry(
      lane,
      async () => {
        calls += 1;
        if (calls < 3) throw serverError();
        return 'ok';
      },
      { attempts: 0 },
      { policy, clock, deadline: new Deadline(clock, undefined, 0) },
    );

    // Assert
    expect(result).toEqual({ ok: true, value: 'ok' });
    expect(policy.retriesUsed).toBe(2);
  });

  it('stops instead of waiting past the deadline, and says so', async () => {
    const clock = new FakeClock();
    const lane = new CarrierLane('telnyx', { rateLimitPerSecond: 100, maxConcurrency: 1 }, clock);
    const tooMany = new CarrierError('telnyx', '429', { retryable: true, status: 429, retryAfterMs: 60_000 });

    const result = await callWithRetry(
      lane,
      async () => {
        throw tooMany;
      },
      { attempts: 0 },
      {
        policy: new RetryPolicy({}, () => 0),
        clock,
        deadline: new Deadline(clock, clock.now() + 30_000, 5_000),
      },
    );

    expect(result).toMatchObject({ ok: false, stopped: true });
  });
});

describe('Deadline', () => {
  it('is reached once less than the margin is left', () => {
    const clock = new FakeClock();
    const deadline = new Deadline(clock, clock.now() + 10_000, 3_000);

    expect(deadline.reached).toBe(false);
    clock.advance(7_001);
    expect(deadline.reached).toBe(true);
  });
});
