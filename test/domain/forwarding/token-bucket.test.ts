import fc from 'fast-check';
import { ValidationError } from '../../../lambdas/contracts/errors';
import { CarrierLane, TokenBucket } from '../../../lambdas/domain/forwarding/token-bucket';
import { FakeClock } from './fake-clock';
import { expectWithinRate } from './rate-assertions';

describe('TokenBucket', () => {
  it('never lets more than rate × window + burst calls start in any window', async () => {
    // Arrange
    const clock = new FakeClock();
    const startedAt = clock.now();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 10, clock });
    const starts: number[] = [];

    // Act: 200 callers all at once
    await Promise.all(
      Array.from({ length: 200 }, async () => {
        await bucket.take();
        starts.push(clock.now());
      }),
    );

    // Assert
    expectWithinRate(starts, 10, 10);
    // ...and it is not slower than it must be: 10 at once, then 190 at 10/s.
    expect(Math.max(...starts) - startedAt).toBeLessThanOrEqual(19_000 + 10);
  });

  it('defaults the burst to half a second of requests, at least 1', () => {
    const clock = new FakeClock();
    expect(new TokenBucket({ ratePerSecond: 10, clock }).burst).toBe(5);
    expect(new TokenBucket({ ratePerSecond: 300, clock }).burst).toBe(150);
    expect(new TokenBucket({ ratePerSecond: 0.5, clock }).burst).toBe(1);
  });

  it('keeps within the rate for any rate, burst and arrival pattern', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0.5, max: 50, noNaN: true }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 60 }),
        async (ratePerSecond, burst, arrivalsMs) => {
          const clock = new FakeClock();
          const bucket = new TokenBucket({ ratePerSecond, burst, clock });
          const starts: number[] = [];
          await Promise.all(
            arrivalsMs.map(async (arrival) => {
              await clock.sleep(arrival);
              await bucket.take();
              starts.push(clock.now());
            }),
          );
          expectWithinRate(starts, ratePerSecond, burst);
        },
      ),
      { seed: 20220812, numRuns: 60 },
    );
  });

  it('rejects a rate that is not positive, naming the option', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, clock: new FakeClock() })).toThrow(ValidationError);
    expect(() => new TokenBucket({ ratePerSecond: 0, clock: new FakeClock() })).toThrow(/`ratePerSecond`/);
  });
});

describe('CarrierLane', () => {
  it('keeps at most maxConcurrency requests in flight', async () => {
    // Arrange
    const clock = new FakeClock();
    const lane = new CarrierLane('telnyx', { rateLimitPerSecond: 100, maxConcurrency: 3 }, clock);
    let inFlight = 0;
    let maxInFlight = 0;

    // Act
    await Promise.all(
      Array.from({ length: 30 }, () =>
        lane.call(async () => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await clock.sleep(250);
          inFlight -= 1;
        }),
      ),
    );

    // Assert
    expect(maxInFlight).toBe(3);
  });
});
