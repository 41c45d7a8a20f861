import { EnvironmentCredentialSource } from '../../../lambdas/adapters/carriers/credentials';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import type { CarrierName, CarriersConfig, Config } from '../../../lambdas/contracts/config/schema';
import { primarySipUriOf, siteRoutesOf } from '../../../lambdas/contracts/config/site-routes';
import { routeNumbers } from '../../../lambdas/domain/routes/read-route';
import { BandwidthFake } from '../carrier-fakes/bandwidth-fake';
import type { CallPath, TargetIsUp } from '../carrier-fakes/call-routing';
import type { FakeCarrierOptions, FakeCarrierServer } from '../carrier-fakes/fake-carrier-server';
import { TelnyxFake } from '../carrier-fakes/telnyx-fake';
import { TwilioFake } from '../carrier-fakes/twilio-fake';
import { WebhookFake } from '../carrier-fakes/webhook-fake';

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
  /** The environment variables behind `credentialSource` (to rebuild it in another thread). */
  credentialEnvironment: Record<string, string>;
  /** Every credential value, so tests can prove none leaks into logs or alerts. */
  secretValues: string[];
  /** Accepted writes per number across every fake. */
  writesTo(number: string): number;
  /** The same for every number written so far, as a copy (counted incrementally: reads only new log lines). */
  writeCounts(): Map<string, number>;
  /** Requests every fake received, in all. */
  requestCount(): number;
  /** Requests the fakes answered 429 (over their rate limit, or an injected fault). */
  rateLimitedCount(): number;
  /** The same per carrier and operation (`rate-limited`, `unmatched`: requests that reached none). */
  requestCountByOperation(): Record<string, Record<string, number>>;
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
  /** Where a call to a plan number would go right now, from its carrier fake's modelled routing. */
  routeCall(number: string, carrier: CarrierName, isUp: TargetIsUp): CallPath;
  /** The number's routing state at its carrier fake (a copy), to compare before and after. */
  routingOf(number: string, carrier: CarrierName): unknown;
  /** Requests one carrier's fake received so far. */
  requestCountOf(carrier: CarrierName): number;
  /**
   * A fetch reaching the fake a URL names, without a socket: what the adapters need when the fakes
   * run `inProcess` (over HTTP, the adapters' own fetch reaches them).
   */
  fetch: typeof fetch;
  stop(): Promise<void>;
}

/** How the local fakes behave. */
export interface LocalCarrierOptions extends FakeCarrierOptions {
  /**
   * Polls a Telnyx bulk job or a Bandwidth order takes to complete. The drill's adapters poll fast,
   * so 1 keeps its failovers short; the bench keeps the fakes' own default (2).
   * @default 1
   */
  readonly pollsToComplete?: number;
  /**
   * Serve the fakes in this process without sockets (reached only through `fetch`), so a run on a
   * virtual clock has no real I/O to the carriers. @default false: each fake listens on loopback
   */
  readonly inProcess?: boolean;
  /** Each carrier's own rate limit, in place of `rateLimitPerSecond` for that carrier. @default the shared one */
  readonly rateLimitsPerSecond?: Partial<Record<CarrierName, number>>;
}

/**
 * Starts a fake for each configured carrier and seeds the plan's numbers, unforwarded. With the
 * config's sites, each site's routes in native or switch mode are seeded too, as the provider has
 * them before any outage (the trunk, connection or SIP peer reaching the site only, nothing armed),
 * and the webhook's numbers route to their site.
 */
export async function startLocalCarriers(
  config: Pick<Config, 'carriers'> & Partial<Pick<Config, 'sites'>>,
  plan: readonly PlanEntry[],
  options: LocalCarrierOptions = {},
): Promise<LocalCarriers> {
  const { pollsToComplete = 1, inProcess = false, rateLimitsPerSecond = {}, ...shared } = options;
  const optionsOf = (carrier: CarrierName): FakeCarrierOptions => {
    const rateLimitPerSecond = rateLimitsPerSecond[carrier] ?? shared.rateLimitPerSecond;
    return { ...shared, ...(rateLimitPerSecond === undefined ? {} : { rateLimitPerSecond }) };
  };
  const begin = <F extends FakeCarrierServer>(fake: F, name: CarrierName): Promise<F> =>
    inProcess ? Promise.resolve(fake.startInProcess(name)) : fake.start();
  const numbersOf = (carrier: CarrierName) =>
    plan.filter((entry) => entry.carrier === carrier).map((entry) => ({ phoneNumber: entry.number }));
  const siteUri = new Map((config.sites ?? []).map((site) => [site.id, primarySipUriOf(site)]));
  const fakes: LocalCarriers['fakes'] = {};
  const env: Record<string, string> = {};
  const carriers: CarriersConfig = { ...config.carriers };
  if (config.carriers.telnyx) {
    const fake = await begin(
      new TelnyxFake({ ...optionsOf('telnyx'), jobPollsToComplete: pollsToComplete }),
      'telnyx',
    );
    fake.seedNumbers(numbersOf('telnyx'));
    fakes.telnyx = fake;
    env.TELNYX_API_KEY = fake.apiKey;
    carriers.telnyx = { ...config.carriers.telnyx, baseUrl: fake.baseUrl };
  }
  if (config.carriers.twilio) {
    const { dialTwimlUrl, dialSipTwimlUrl } = config.carriers.twilio;
    const dialTwimlUrls = [dialTwimlUrl, dialSipTwimlUrl].filter((url): url is string => url !== undefined);
    const fake = await begin(new TwilioFake({ ...optionsOf('twilio'), dialTwimlUrls }), 'twilio');
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
    const fake = await begin(
      new BandwidthFake({ ...optionsOf('bandwidth'), ordersCompleteAfterPolls: pollsToComplete }),
      'bandwidth',
    );
    fake.seedNumbers(numbersOf('bandwidth'));
    fakes.bandwidth = fake;
    env.BANDWIDTH_ACCOUNT_ID = fake.accountId;
    env.BANDWIDTH_USERNAME = fake.username;
    env.BANDWIDTH_PASSWORD = fake.password;
    carriers.bandwidth = { ...config.carriers.bandwidth, baseUrl: fake.baseUrl };
  }
  if (config.carriers.webhook) {
    const fake = await begin(new WebhookFake(optionsOf('webhook')), 'webhook');
    fake.seedNumbers(
      plan
        .filter((entry) => entry.carrier === 'webhook')
        .map((entry) => {
          const route = siteUri.get(entry.siteId);
          return { phoneNumber: entry.number, ...(route ? { settings: { route } } : {}) };
        }),
    );
    fakes.webhook = fake;
    env.WEBHOOK_SIGNING_SECRET = fake.signingSecret;
    carriers.webhook = { ...config.carriers.webhook, baseUrl: fake.url };
  }
  for (const route of (config.sites ?? []).flatMap(siteRoutesOf)) {
    const fake = route.carrier === 'webhook' ? undefined : fakes[route.carrier];
    fake?.seedSiteRoute(route, routeNumbers(route, plan));
  }
  const servers = Object.values(fakes) as FakeCarrierServer[];
  const byOrigin = new Map(servers.map((server) => [new URL(server.baseUrl).origin, server]));
  const cursors = servers.map(() => 0);
  const writes = new Map<string, number>();
  const changedBy = servers.map(() => new Set<string>());
  /** Reads only the log lines added since the last call: summaries stay linear in the requests. */
  const catchUp = () => {
    servers.forEach((fake, index) => {
      for (; cursors[index] < fake.requests.length; cursors[index]++) {
        // A request counts once per number, however often it lists it.
        for (const number of new Set(fake.requests[cursors[index]].applied)) {
          writes.set(number, (writes.get(number) ?? 0) + 1);
          changedBy[index].add(number);
        }
      }
    });
    return writes;
  };
  return {
    fakes,
    carriers,
    credentialSource: new EnvironmentCredentialSource(env),
    credentialEnvironment: env,
    secretValues: [
      env.TELNYX_API_KEY,
      env.TWILIO_AUTH_TOKEN,
      env.BANDWIDTH_PASSWORD,
      env.WEBHOOK_SIGNING_SECRET,
    ].filter((value): value is string => value !== undefined),
    writesTo: (number) => catchUp().get(number) ?? 0,
    writeCounts: () => new Map(catchUp()),
    requestCount: () => servers.reduce((sum, fake) => sum + fake.requests.length, 0),
    rateLimitedCount: () =>
      servers.reduce((sum, fake) => sum + fake.requests.filter((entry) => entry.status === 429).length, 0),
    requestCountByOperation: () =>
      Object.fromEntries(
        Object.keys(fakes).map((carrier, index) => [carrier, countByOperation(servers[index])]),
      ),
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
    numbersChanged: () => catchUp().size,
    numbersChangedByCarrier: () => {
      catchUp();
      return Object.fromEntries(Object.keys(fakes).map((carrier, index) => [carrier, changedBy[index].size]));
    },
    violations: () => servers.flatMap((fake) => fake.violations),
    routeCall: (number, carrier, isUp) => {
      const fake = fakes[carrier];
      if (!fake) throw new Error(`no ${carrier} fake: the config names no ${carrier} carrier`);
      return fake.routeCall(number, isUp);
    },
    routingOf: (number, carrier) => fakes[carrier]?.routingOf(number),
    requestCountOf: (carrier) => fakes[carrier]?.requests.length ?? 0,
    fetch: (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input.toString());
      const fake = byOrigin.get(url.origin);
      return fake ? fake.fetch(input, init) : globalThis.fetch(input, init);
    },
    stop: async () => {
      await Promise.all(servers.map((fake) => fake.stop()));
    },
  };
}

function countByOperation(fake: FakeCarrierServer): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of fake.requests) {
    const operation = entry.operation ?? (entry.status === 429 ? 'rate-limited' : 'unmatched');
    counts[operation] = (counts[operation] ?? 0) + 1;
  }
  return counts;
}
