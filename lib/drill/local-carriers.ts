import { EnvironmentCredentialSource } from '../../lambdas/adapters/carriers/credentials';
import type { PlanEntry } from '../../lambdas/ports';
import type { CarrierName, CarriersConfig, Config } from '../config/schema';
import { BandwidthFake } from './carrier-fakes/bandwidth-fake';
import type { FakeCarrierOptions, FakeCarrierServer } from './carrier-fakes/fake-carrier-server';
import { TelnyxFake } from './carrier-fakes/telnyx-fake';
import { TwilioFake } from './carrier-fakes/twilio-fake';
import { WebhookFake } from './carrier-fakes/webhook-fake';

/**
 * A local fake of every carrier a config names, seeded with the plan's numbers: the drill's carriers,
 * and the tests'.
 */
export interface LocalCarriers {
  fakes: Partial<{ telnyx: TelnyxFake; twilio: TwilioFake; bandwidth: BandwidthFake; webhook: WebhookFake }>;
  /** The config's carriers section pointed at the fakes. */
  carriers: CarriersConfig;
  /** Credentials the fakes accept, as the CLI reads them (environment variables). */
  credentialSource: EnvironmentCredentialSource;
  /** Every credential value, so tests can prove none leaks into logs or alerts. */
  secretValues: string[];
  /** Accepted writes per number across every fake. */
  writesTo(number: string): number;
  /** Requests every fake received, in all. */
  requestCount(): number;
  /** The requests that changed `number`, in the order the fakes handled them (to explain a double write). */
  writesOf(
    number: string,
  ): { carrier: string; method: string; path: string; status: number; fault?: string }[];
  /** Numbers at least one accepted write has changed so far (cheap to poll: reads only new log lines). */
  numbersChanged(): number;
  /** The same, per carrier. */
  numbersChangedByCarrier(): Record<string, number>;
  /** Contract violations across every fake (tests expect none). */
  violations(): unknown[];
  stop(): Promise<void>;
}

/** Starts a fake for each configured carrier and seeds the plan's numbers, unforwarded. */
export async function startLocalCarriers(
  config: Config,
  plan: readonly PlanEntry[],
  options: FakeCarrierOptions = {},
): Promise<LocalCarriers> {
  const numbersOf = (carrier: CarrierName) =>
    plan.filter((entry) => entry.carrier === carrier).map((entry) => ({ phoneNumber: entry.number }));
  const fakes: LocalCarriers['fakes'] = {};
  const env: Record<string, string> = {};
  const carriers: CarriersConfig = { ...config.carriers };
  if (config.carriers.telnyx) {
    const fake = await new TelnyxFake({ ...options, jobPollsToComplete: 1 }).start();
    fake.seedNumbers(numbersOf('telnyx'));
    fakes.telnyx = fake;
    env.TELNYX_API_KEY = fake.apiKey;
    carriers.telnyx = { ...config.carriers.telnyx, baseUrl: fake.baseUrl };
  }
  if (config.carriers.twilio) {
    const fake = await new TwilioFake(options).start();
    fake.seedNumbers(numbersOf('twilio'));
    fakes.twilio = fake;
    env.TWILIO_ACCOUNT_SID = fake.accountSid;
    env.TWILIO_AUTH_TOKEN = fake.authToken;
    carriers.twilio = {
      ...config.carriers.twilio,
      baseUrl: fake.baseUrl,
      trunkingBaseUrl: fake.trunkingBaseUrl,
    };
  }
  if (config.carriers.bandwidth) {
    const fake = await new BandwidthFake({ ...options, ordersCompleteAfterPolls: 1 }).start();
    fake.seedNumbers(numbersOf('bandwidth'));
    fakes.bandwidth = fake;
    env.BANDWIDTH_ACCOUNT_ID = fake.accountId;
    env.BANDWIDTH_USERNAME = fake.username;
    env.BANDWIDTH_PASSWORD = fake.password;
    carriers.bandwidth = { ...config.carriers.bandwidth, baseUrl: fake.baseUrl };
  }
  if (config.carriers.webhook) {
    const fake = await new WebhookFake(options).start();
    fake.seedNumbers(numbersOf('webhook'));
    fakes.webhook = fake;
    env.WEBHOOK_SIGNING_SECRET = fake.signingSecret;
    carriers.webhook = { ...config.carriers.webhook, baseUrl: fake.url };
  }
  const servers = Object.values(fakes) as FakeCarrierServer[];
  const cursors = servers.map(() => 0);
  const changed = new Set<string>();
  const changedBy = servers.map(() => new Set<string>());
  /** Reads only the log lines added since the last call. */
  const catchUp = () => {
    servers.forEach((fake, index) => {
      for (; cursors[index] < fake.requests.length; cursors[index]++) {
        for (const number of fake.requests[cursors[index]].applied) {
          changed.add(number);
          changedBy[index].add(number);
        }
      }
    });
  };
  return {
    fakes,
    carriers,
    credentialSource: new EnvironmentCredentialSource(env),
    secretValues: [
      env.TELNYX_API_KEY,
      env.TWILIO_AUTH_TOKEN,
      env.BANDWIDTH_PASSWORD,
      env.WEBHOOK_SIGNING_SECRET,
    ].filter((value): value is string => value !== undefined),
    writesTo: (number) => servers.reduce((sum, fake) => sum + fake.writesTo(number), 0),
    requestCount: () => servers.reduce((sum, fake) => sum + fake.requests.length, 0),
    writesOf: (number) =>
      Object.entries(fakes).flatMap(([carrier, fake]) =>
        (fake as FakeCarrierServer).requests
          .filter((entry) => entry.applied.includes(number))
          .map(({ method, path, status, fault }) => ({
            carrier,
            method,
            path,
            status,
            ...(fault ? { fault } : {}),
          })),
      ),
    numbersChanged: () => {
      catchUp();
      return changed.size;
    },
    numbersChangedByCarrier: () => {
      catchUp();
      return Object.fromEntries(Object.keys(fakes).map((carrier, index) => [carrier, changedBy[index].size]));
    },
    violations: () => servers.flatMap((fake) => fake.violations),
    stop: async () => {
      await Promise.all(servers.map((fake) => fake.stop()));
    },
  };
}
