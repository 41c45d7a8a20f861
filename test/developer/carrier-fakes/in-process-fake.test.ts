import { TelnyxCarrier } from '../../../lambdas/adapters/carriers/telnyx';
import { TelnyxFake } from '../../../lib/developer/carrier-fakes/telnyx-fake';

const NUMBER = '+14155550100';

function inProcessTelnyx(options: ConstructorParameters<typeof TelnyxFake>[0] = {}): TelnyxFake {
  const fake = new TelnyxFake(options).startInProcess('telnyx');
  fake.seedNumbers([{ phoneNumber: NUMBER }]);
  return fake;
}

describe('a carrier fake served in process (no socket)', () => {
  it('answers an adapter through its own fetch as it does over HTTP, logging the write', async () => {
    // Arrange
    const fake = inProcessTelnyx();
    const carrier = new TelnyxCarrier({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, fetch: fake.fetch });

    // Act
    await carrier.forward({ number: NUMBER, destination: '+12145550100', mode: 'always' });
    const after = await carrier.readRouting(NUMBER);

    // Assert
    expect(fake.baseUrl).toBe('http://telnyx.fake.invalid/v2');
    expect(after.forwardsTo).toBe('+12145550100');
    expect(fake.writesTo(NUMBER)).toBe(1);
    expect(fake.violations).toEqual([]);
  });

  it('waits its latency with the injected sleep and stamps each log line with its clock', async () => {
    // Arrange
    let now = 1_700_000_000_000;
    const slept: number[] = [];
    const fake = inProcessTelnyx({
      latencyMs: [50, 150],
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    });

    // Act
    const response = await fake.fetch(`${fake.baseUrl}/phone_numbers`, {
      headers: { Authorization: `Bearer ${fake.apiKey}` },
    });

    // Assert
    expect(response.status).toBe(200);
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThanOrEqual(50);
    expect(slept[0]).toBeLessThanOrEqual(150);
    expect(fake.requests[0].at).toBe(now);
  });

  it('rejects like fetch on a dropped socket when a connection-reset fault is injected', async () => {
    // Arrange
    const fake = inProcessTelnyx();
    fake.failNext('connection-reset');

    // Act
    const sent = fake.fetch(`${fake.baseUrl}/phone_numbers`, {
      headers: { Authorization: `Bearer ${fake.apiKey}` },
    });

    // Assert
    await expect(sent).rejects.toThrow('fetch failed');
    expect(fake.requests[0]).toMatchObject({ status: 0, fault: 'connection-reset' });
  });

  it('refuses a URL of another origin, so a misrouted request fails loudly', async () => {
    const fake = inProcessTelnyx();

    await expect(fake.fetch('http://twilio.fake.invalid/2010-04-01/Accounts')).rejects.toThrow(
      'is not this fake',
    );
    expect(fake.requests).toEqual([]);
  });
});
