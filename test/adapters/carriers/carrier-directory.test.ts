import {
  BANDWIDTH_BULK_IN_FLIGHT,
  BANDWIDTH_BULK_LIMIT,
  BandwidthCarrier,
} from '../../../lambdas/adapters/carriers/bandwidth';
import { createCarrierDirectory } from '../../../lambdas/adapters/carriers/carrier-directory';
import { EnvironmentCredentialSource } from '../../../lambdas/adapters/carriers/credentials';
import { TELNYX_PENDING_JOBS_LIMIT, TelnyxCarrier } from '../../../lambdas/adapters/carriers/telnyx';
import { TwilioCarrier } from '../../../lambdas/adapters/carriers/twilio';
import { WebhookCarrier } from '../../../lambdas/adapters/carriers/webhook';
import { carriersSchema } from '../../../lambdas/contracts/config/schema';
import { BandwidthFake } from '../../../lib/developer/carrier-fakes/bandwidth-fake';
import { TelnyxFake } from '../../../lib/developer/carrier-fakes/telnyx-fake';

const ENV = {
  TELNYX_API_KEY: 'KEYtest',
  TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'test-auth-token',
  BANDWIDTH_ACCOUNT_ID: '9900001',
  BANDWIDTH_USERNAME: 'api-user',
  BANDWIDTH_PASSWORD: 'api-password',
  WEBHOOK_SIGNING_SECRET: 'test-signing-secret-0123456789',
};

describe('createCarrierDirectory', () => {
  it('builds one adapter per configured carrier', async () => {
    const carriers = carriersSchema.parse({
      telnyx: { secretName: 'cf/telnyx' },
      twilio: { secretName: 'cf/twilio' },
      bandwidth: { secretName: 'cf/bandwidth' },
      webhook: { secretName: 'cf/webhook', baseUrl: 'https://hooks.example.com/carrier' },
    });

    const directory = await createCarrierDirectory(carriers, new EnvironmentCredentialSource(ENV));

    expect(directory.telnyx).toBeInstanceOf(TelnyxCarrier);
    expect(directory.twilio).toBeInstanceOf(TwilioCarrier);
    expect(directory.bandwidth).toBeInstanceOf(BandwidthCarrier);
    expect(directory.webhook).toBeInstanceOf(WebhookCarrier);
    // The route operations take each site's route per call: every carrier with a route has them.
    expect(directory.twilio!.routes).toBeDefined();
    expect(directory.telnyx!.routes).toBeDefined();
    expect(directory.bandwidth!.routes).toBeDefined();
    expect(directory.webhook!.routes).toBeUndefined();
  });

  it('leaves carriers that are not configured out', async () => {
    const directory = await createCarrierDirectory(
      carriersSchema.parse({ bandwidth: { secretName: 'cf/bandwidth' } }),
      new EnvironmentCredentialSource(ENV),
    );

    expect(Object.keys(directory)).toEqual(['bandwidth']);
  });

  it('wires the configured base URL, the credentials and the shared fetch into each adapter', async () => {
    const fake = await new TelnyxFake().start();
    try {
      fake.seedNumbers([{ phoneNumber: '+14155550100' }]);
      let calls = 0;
      const countingFetch: typeof fetch = (input, init) => {
        calls += 1;
        return fetch(input, init);
      };
      const directory = await createCarrierDirectory(
        carriersSchema.parse({ telnyx: { secretName: 'cf/telnyx', baseUrl: fake.baseUrl } }),
        new EnvironmentCredentialSource(ENV),
        { fetch: countingFetch, timeoutMs: 1000 },
      );

      const snapshot = await directory.telnyx!.readRouting('+14155550100');

      expect(snapshot.forwardsTo).toBeNull();
      expect(calls).toBe(2);
      expect(fake.violations).toEqual([]);
    } finally {
      await fake.stop();
    }
  });

  it("gives the adapters the config's bulk settings, whose defaults are the adapters' own", async () => {
    const credentials = new EnvironmentCredentialSource(ENV);
    const defaults = await createCarrierDirectory(
      carriersSchema.parse({
        telnyx: { secretName: 'cf/telnyx' },
        bandwidth: { secretName: 'cf/bandwidth' },
      }),
      credentials,
    );
    const tuned = await createCarrierDirectory(
      carriersSchema.parse({
        telnyx: { secretName: 'cf/telnyx', bulkJobsInFlight: 4 },
        bandwidth: { secretName: 'cf/bandwidth', bulkOrderNumbers: 250, bulkOrdersInFlight: 12 },
      }),
      credentials,
    );

    expect(defaults.telnyx!.bulkInFlight).toBe(TELNYX_PENDING_JOBS_LIMIT);
    expect([defaults.bandwidth!.bulkLimit, defaults.bandwidth!.bulkInFlight]).toEqual([
      BANDWIDTH_BULK_LIMIT,
      BANDWIDTH_BULK_IN_FLIGHT,
    ]);
    expect(tuned.telnyx!.bulkInFlight).toBe(4);
    expect([tuned.bandwidth!.bulkLimit, tuned.bandwidth!.bulkInFlight]).toEqual([250, 12]);
  });

  it('passes numberRoutePlans none to Bandwidth: its SIP peer TN pages then read TNs completely', async () => {
    const fake = await new BandwidthFake().start();
    try {
      const numbers = Array.from({ length: 10 }, (_, index) => `+1212555000${index}`);
      fake.seedNumbers(numbers.map((phoneNumber) => ({ phoneNumber })));
      const readingsWith = async (numberRoutePlans: 'possible' | 'none') => {
        const directory = await createCarrierDirectory(
          carriersSchema.parse({
            bandwidth: { secretName: 'cf/bandwidth', baseUrl: fake.baseUrl, numberRoutePlans },
          }),
          new EnvironmentCredentialSource(ENV),
        );
        const complete: boolean[] = [];
        await directory.bandwidth!.routingPages!.read(
          numbers,
          (request) => request(),
          (page) => complete.push(...page.map((reading) => reading.complete)),
        );
        return complete;
      };

      const stated = await readingsWith('none');
      const possible = await readingsWith('possible');

      expect(stated).toEqual(numbers.map(() => true));
      expect(possible).toEqual(numbers.map(() => false));
      expect(fake.violations).toEqual([]);
    } finally {
      await fake.stop();
    }
  });

  it('fails when a configured carrier has no credentials, naming what is missing', async () => {
    const attempt = createCarrierDirectory(
      carriersSchema.parse({ telnyx: { secretName: 'cf/telnyx' } }),
      new EnvironmentCredentialSource({}),
    );

    await expect(attempt).rejects.toMatchObject({
      name: 'CarrierAuthError',
      message: expect.stringContaining('TELNYX_API_KEY'),
    });
  });
});
