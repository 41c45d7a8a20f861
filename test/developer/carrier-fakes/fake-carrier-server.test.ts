import { seededRandom } from '../../../lambdas/adapters/local/seeded-random';
import type { FakeCarrierOptions, FaultKind } from '../../../lib/developer/carrier-fakes/fake-carrier-server';
import { TelnyxFake } from '../../../lib/developer/carrier-fakes/telnyx-fake';

const NUMBER = '+14155550100';

async function withFake<T>(options: FakeCarrierOptions, use: (fake: TelnyxFake) => Promise<T>): Promise<T> {
  const fake = await new TelnyxFake(options).start();
  fake.seedNumbers([{ phoneNumber: NUMBER }]);
  try {
    return await use(fake);
  } finally {
    await fake.stop();
  }
}

function list(fake: TelnyxFake): Promise<Response> {
  return fetch(`${fake.baseUrl}/phone_numbers?filter%5Bphone_number%5D=14155550100`, {
    headers: { Authorization: `Bearer ${fake.apiKey}` },
  });
}

async function faultsOf(seed: number): Promise<(FaultKind | undefined)[]> {
  const kinds: FaultKind[] = ['http-500', 'rate-limit', 'malformed', 'accepted-then-500'];
  return withFake({ seed, faultRate: 0.5, faultKinds: kinds }, async (fake) => {
    for (let call = 0; call < 40; call++) {
      await (await list(fake)).text();
    }
    return fake.requests.map((entry) => entry.fault);
  });
}

describe('FakeCarrierServer', () => {
  it('injects the same faults for the same seed, and other faults for another seed', async () => {
    const first = await faultsOf(42);
    const again = await faultsOf(42);
    const other = await faultsOf(43);

    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    const injected = first.filter((fault) => fault !== undefined).length;
    expect(injected).toBeGreaterThan(8);
    expect(injected).toBeLessThan(32);
  });

  it('seededRandom repeats its sequence for a seed', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);

    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });

  it('enforces its rate limit per second with the fake clock, answering 429 with Retry-After', async () => {
    let now = 1_700_000_000_000;
    await withFake({ rateLimitPerSecond: 3, now: () => now }, async (fake) => {
      const statuses: number[] = [];
      for (let call = 0; call < 4; call++) {
        statuses.push((await list(fake)).status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await list(fake);
      expect(limited.headers.get('retry-after')).toBe('1');
      expect(((await limited.json()) as { errors: { code: string }[] }).errors[0].code).toBe('10011');

      now += 1000;
      expect((await list(fake)).status).toBe(200);
    });
  });

  it('scripts faults for matching requests only, then stops', async () => {
    await withFake({}, async (fake) => {
      fake.failNext('http-503', { count: 2, when: (request) => request.path === '/phone_numbers' });

      const statuses = [(await list(fake)).status, (await list(fake)).status, (await list(fake)).status];

      expect(statuses).toEqual([503, 503, 200]);
    });
  });

  it('delays answers within the latency range', async () => {
    await withFake({ latencyMs: [30, 40] }, async (fake) => {
      const started = performance.now();

      await (await list(fake)).text();

      expect(performance.now() - started).toBeGreaterThanOrEqual(29);
    });
  });

  it('logs a reset connection with status 0 and nothing applied', async () => {
    await withFake({}, async (fake) => {
      fake.failNext('connection-reset');

      await expect(list(fake)).rejects.toThrow();

      expect(fake.requests[0]).toMatchObject({ status: 0, fault: 'connection-reset', write: false });
    });
  });
});
