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

    expect(policy.decide(tooMany, 1)).toEqual({ retry: true, delayMs: 7_000 });
  });

  it('does not retry errors that are not retryable, nor errors it does not know', () => {
    const policy = new RetryPolicy({}, () => 0.5);

    const auth = policy.decide(new CarrierAuthError('telnyx', '401 bad key', { status: 401 }), 1);
    const unknown = policy.decide(new TypeError('x is undefined'), 1);

    expect(auth).toEqual({ retry: false, reason: 'telnyx: 401 bad key (HTTP 401)' });
    expect(unknown).toEqual({ retry: false, reason: 'TypeError: x is undefined' });
  });

  it('gives a number up after maxAttemptsPerNumber calls, with its last reason', () => {
    const policy = new RetryPolicy({ maxAttemptsPerNumber: 3 }, () => 0.5);

    expect(policy.decide(serverError(), 2).retry).toBe(true);
    expect(policy.decide(serverError(), 3)).toEqual({
      retry: false,
      reason: 'telnyx: 500 Internal Server Error (HTTP 500) (gave up after 3 attempts)',
    });
  });

  it('stops retrying anything once the run has spent its retry budget', () => {
    const policy = new RetryPolicy({ retryBudget: 2 }, () => 0.5);
    policy.spend();
    policy.spend();

    const decision = policy.decide(serverError(), 1);

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
