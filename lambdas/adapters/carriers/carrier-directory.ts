/**
 * Builds one adapter per configured carrier, credentials resolved first so a missing or broken
 * secret is reported when the directory is built, not halfway through a failover.
 */
import type { CarriersConfig } from '../../contracts/config/schema';
import type { CarrierDirectory } from '../../ports/carriers';
import { BandwidthCarrier } from './bandwidth';
import type { CredentialSource } from './credentials';
import { TelnyxCarrier } from './telnyx';
import { TwilioCarrier } from './twilio';
import { WebhookCarrier } from './webhook';

/** Options shared by every adapter the directory builds. */
export interface CarrierDirectoryOptions {
  /** Per-call timeout in milliseconds. @default 5000 */
  readonly timeoutMs?: number;
  /** fetch for every adapter (the drill and tests inject one). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * How often asynchronous carrier jobs (Telnyx bulk jobs, Bandwidth orders) are polled. Local fakes
   * finish at once; the real APIs take seconds. @default each adapter's own (2000 ms)
   */
  readonly pollIntervalMs?: number;
}

/**
 * Creates the adapters of every carrier present in `carriers`, reading each one's credentials from
 * `credentialSource` (all in parallel). Throws the first CarrierAuthError/CarrierError met.
 */
export async function createCarrierDirectory(
  carriers: CarriersConfig,
  credentialSource: CredentialSource,
  options: CarrierDirectoryOptions = {},
): Promise<CarrierDirectory> {
  const http = { timeoutMs: options.timeoutMs, fetch: options.fetch };
  const { telnyx, twilio, bandwidth, webhook } = carriers;
  const build = async <S, T>(section: S | undefined, make: (section: S) => Promise<T>) =>
    section ? make(section) : undefined;
  const [telnyxCarrier, twilioCarrier, bandwidthCarrier, webhookCarrier] = await Promise.all([
    build(telnyx, async (config) => {
      const { apiKey } = await credentialSource.get('telnyx', config.secretName);
      return new TelnyxCarrier({
        ...http,
        pollIntervalMs: options.pollIntervalMs,
        apiKey,
        baseUrl: config.baseUrl,
        bulkJobsInFlight: config.bulkJobsInFlight,
        lostJobs: config.lostJobs,
      });
    }),
    build(twilio, async (config) => {
      const { accountSid, authToken } = await credentialSource.get('twilio', config.secretName);
      return new TwilioCarrier({
        ...http,
        accountSid,
        authToken,
        baseUrl: config.baseUrl,
        trunkingBaseUrl: config.trunkingBaseUrl,
        dialTwimlUrl: config.dialTwimlUrl,
        dialSipTwimlUrl: config.dialSipTwimlUrl,
      });
    }),
    build(bandwidth, async (config) => {
      const credentials = await credentialSource.get('bandwidth', config.secretName);
      return new BandwidthCarrier({
        ...http,
        pollIntervalMs: options.pollIntervalMs,
        ...credentials,
        baseUrl: config.baseUrl,
        bulkLimit: config.bulkOrderNumbers,
        bulkInFlight: config.bulkOrdersInFlight,
        numberRoutePlans: config.numberRoutePlans,
        lostOrders: config.lostOrders,
      });
    }),
    build(webhook, async (config) => {
      const { signingSecret } = await credentialSource.get('webhook', config.secretName);
      return new WebhookCarrier({ ...http, baseUrl: config.baseUrl, signingSecret });
    }),
  ]);
  const directory: CarrierDirectory = {};
  if (telnyxCarrier) directory.telnyx = telnyxCarrier;
  if (twilioCarrier) directory.twilio = twilioCarrier;
  if (bandwidthCarrier) directory.bandwidth = bandwidthCarrier;
  if (webhookCarrier) directory.webhook = webhookCarrier;
  return directory;
}
