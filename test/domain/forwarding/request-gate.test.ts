import { CarrierHttpClient } from '../../../lambdas/adapters/carriers/carrier-http';
import { CarrierLane } from '../../../lambdas/domain/forwarding/token-bucket';
import { FakeClock } from './fake-clock';

/** An HTTP client whose fetch answers 200 at once and notes the clock's time of each request. */
function recordingClient(clock: FakeClock) {
  const sentAt: number[] = [];
  const client = new CarrierHttpClient('telnyx', {
    fetch: async () => {
      sentAt.push(clock.now());
      return new Response('{}', { status: 200 });
    },
  });
  const get = (path: string) =>
    client.send({ operation: 'Get', method: 'GET', url: `https://carrier.test/${path}`, headers: {} });
  return { sentAt, get };
}

describe('request gate', () => {
  it('makes every HTTP request of one lane call wait for its own token', async () => {
    // Arrange: one token a second, none banked beyond the first.
    const clock = new FakeClock();
    const startedAt = clock.now();
    const lane = new CarrierLane('telnyx', { rateLimitPerSecond: 1, maxConcurrency: 5, burst: 1 }, clock);
    const { sentAt, get } = recordingClient(clock);

    // Act: an adapter call that looks something up, reads, then writes (three requests).
    await lane.call(async () => {
      await get('lookup');
      await get('read');
      await get('write');
    });

    // Assert
    expect(sentAt.map((at) => at - startedAt)).toEqual([0, 1000, 2000]);
  });

  it('counts the extra requests of concurrent calls against the same rate', async () => {
    // Arrange
    const clock = new FakeClock();
    const startedAt = clock.now();
    const lane = new CarrierLane('telnyx', { rateLimitPerSecond: 2, maxConcurrency: 4, burst: 2 }, clock);
    const { sentAt, get } = recordingClient(clock);

    // Act: four calls of two requests each, eight requests in all.
    await Promise.all(
      Array.from({ length: 4 }, () =>
        lane.call(async () => {
          await get('lookup');
          await get('read');
        }),
      ),
    );

    // Assert: two at once (the burst), then two a second: the last leaves after 3 s, not 1 s.
    expect(sentAt).toHaveLength(8);
    expect(Math.max(...sentAt) - startedAt).toBe(3000);
  });

  it('leaves requests made outside any lane call unthrottled', async () => {
    const clock = new FakeClock();
    const startedAt = clock.now();
    new CarrierLane('telnyx', { rateLimitPerSecond: 1, maxConcurrency: 1, burst: 1 }, clock);
    const { sentAt, get } = recordingClient(clock);

    await get('lookup');
    await get('read');
    await get('write');

    expect(sentAt.map((at) => at - startedAt)).toEqual([0, 0, 0]);
  });
});
