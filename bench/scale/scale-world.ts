/**
 * What one scale run stands on, all on the virtual clock: the carrier fakes served in process (no
 * sockets; realistic latency and the engine's own rate limits, both in virtual time), dynalite for
 * the incident, read-back, baseline and detection stores (each call tracked as real I/O, then a
 * modelled DynamoDB latency slept), and the carrier adapters built as createCarrierDirectory builds
 * them, but with the fakes' fetch and the virtual clock's sleep for their job polls.
 */
import { BandwidthCarrier } from '../../lambdas/adapters/carriers/bandwidth';
import { TelnyxCarrier } from '../../lambdas/adapters/carriers/telnyx';
import { TwilioCarrier } from '../../lambdas/adapters/carriers/twilio';
import { WebhookCarrier } from '../../lambdas/adapters/carriers/webhook';
import type { PlanEntry } from '../../lambdas/contracts/config/plan-entry';
import type { CarrierName, Config } from '../../lambdas/contracts/config/schema';
import { DEFAULT_MAX_CONCURRENCY } from '../../lambdas/domain/forwarding/token-bucket';
import type { CarrierDirectory } from '../../lambdas/ports/carriers';
import type { Random } from '../../lambdas/ports/clock';
import { ALL_FAULT_KINDS, type FaultKind } from '../../lib/developer/carrier-fakes/fake-carrier-messages';
import { type LocalCarriers, startLocalCarriers } from '../../lib/developer/far-side/local-carriers';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../lib/developer/far-side/local-incident-table';
import type { VirtualClock } from './virtual-clock';

/** One carrier request's latency at the fakes, ms (virtual). */
export const CARRIER_LATENCY_MS: readonly [number, number] = [50, 150];
/** One DynamoDB call's latency, ms (virtual), slept after each dynalite call. */
export const DYNAMODB_LATENCY_MS: readonly [number, number] = [5, 10];
/**
 * How often the adapters poll a Telnyx job or a Bandwidth order: the adapters' deployed default.
 * The fakes finish a job at its first poll, as the bound assumes (`requestsPerBulkCall`).
 */
export const JOB_POLL_INTERVAL_MS = 2000;

/** The running world of one scale run. */
export interface ScaleWorld {
  table: LocalIncidentTable;
  local: LocalCarriers;
  /** The config with its carriers pointed at the fakes. */
  config: Config;
  directory(): Promise<CarrierDirectory>;
  stop(): Promise<void>;
}

/**
 * The faults a faulted run injects: every kind but `slow`, whose point is the adapters' timeout,
 * which runs on real time (AbortSignal.timeout) while the fakes' slow answer waits in virtual time,
 * so here it would be a 6 s answer, never a timeout. The drill injects it at real time.
 */
export const SCALE_FAULT_KINDS: readonly FaultKind[] = ALL_FAULT_KINDS.filter((kind) => kind !== 'slow');

/** What the carriers of one scale run are like. */
export interface ScaleCarriers {
  /** Requests a second each carrier's fake accepts (and the config's limit). */
  rates: Record<CarrierName, number>;
  /** Share of requests (0-1) each fake answers with a random fault of SCALE_FAULT_KINDS. */
  faultRate: number;
  /** Seed of the fakes' fault and latency randomness. */
  seed: number;
}

/** Starts dynalite and the in-process fakes, seeded with `plan`, every carrier as `carriers` says. */
export async function startScaleWorld(
  config: Config,
  plan: readonly PlanEntry[],
  { rates, faultRate, seed }: ScaleCarriers,
  clock: VirtualClock,
  random: Random,
): Promise<ScaleWorld> {
  const table = await clock.track(startLocalIncidentTable());
  trackCalls(table, clock, random);
  const local = await startLocalCarriers(config, plan, {
    inProcess: true,
    latencyMs: CARRIER_LATENCY_MS,
    rateLimitsPerSecond: rates,
    faultRate,
    faultKinds: SCALE_FAULT_KINDS,
    seed,
    pollsToComplete: 1,
    now: () => clock.now(),
    sleep: (ms) => clock.sleep(ms),
  });
  const carriers = Object.fromEntries(
    Object.entries(local.carriers).map(([name, section]) => [
      name,
      {
        ...section,
        rateLimitPerSecond: rates[name as CarrierName],
        // As an operator sizes it (Little's law at the fakes' slowest answers): enough requests in
        // flight to keep the rate, whatever the rate.
        maxConcurrency: Math.max(
          section.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
          Math.ceil(rates[name as CarrierName] * (CARRIER_LATENCY_MS[1] / 1000)),
        ),
      },
    ]),
  ) as Config['carriers'];
  const scaled: Config = { ...config, carriers };
  let built: Promise<CarrierDirectory> | undefined;
  return {
    table,
    local,
    config: scaled,
    directory: () => {
      built ??= buildDirectory(scaled, local, clock);
      return built;
    },
    stop: async () => {
      await local.stop();
      await table.stop();
    },
  };
}

/** Every dynalite call held as real I/O (time stands still meanwhile), then a modelled round trip. */
function trackCalls(table: LocalIncidentTable, clock: VirtualClock, random: Random): void {
  const client = table.documentClient;
  const send = client.send.bind(client) as (...args: unknown[]) => Promise<unknown>;
  const [min, max] = DYNAMODB_LATENCY_MS;
  const tracked = async (...args: unknown[]) => {
    try {
      return await clock.track(send(...args));
    } finally {
      await clock.sleep(min + random() * (max - min));
    }
  };
  (client as unknown as { send: typeof tracked }).send = tracked;
}

async function buildDirectory(
  config: Config,
  local: LocalCarriers,
  clock: VirtualClock,
): Promise<CarrierDirectory> {
  const http = { fetch: local.fetch, now: () => clock.now() };
  const polling = { pollIntervalMs: JOB_POLL_INTERVAL_MS, sleep: (ms: number) => clock.sleep(ms) };
  const { telnyx, twilio, bandwidth, webhook } = config.carriers;
  const source = local.credentialSource;
  const directory: CarrierDirectory = {};
  if (telnyx) {
    const { apiKey } = await source.get('telnyx', telnyx.secretName);
    directory.telnyx = new TelnyxCarrier({ ...http, ...polling, apiKey, baseUrl: telnyx.baseUrl });
  }
  if (twilio) {
    const { accountSid, authToken } = await source.get('twilio', twilio.secretName);
    directory.twilio = new TwilioCarrier({
      ...http,
      accountSid,
      authToken,
      baseUrl: twilio.baseUrl,
      trunkingBaseUrl: twilio.trunkingBaseUrl,
      dialTwimlUrl: twilio.dialTwimlUrl,
      dialSipTwimlUrl: twilio.dialSipTwimlUrl,
    });
  }
  if (bandwidth) {
    const credentials = await source.get('bandwidth', bandwidth.secretName);
    directory.bandwidth = new BandwidthCarrier({
      ...http,
      ...polling,
      ...credentials,
      baseUrl: bandwidth.baseUrl,
    });
  }
  if (webhook) {
    const { signingSecret } = await source.get('webhook', webhook.secretName);
    directory.webhook = new WebhookCarrier({ ...http, baseUrl: webhook.baseUrl, signingSecret });
  }
  return directory;
}
