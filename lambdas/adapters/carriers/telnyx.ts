/**
 * Telnyx API v2 adapter. Reads and writes a number's `call_forwarding` voice settings, forwards
 * many numbers with one bulk update job, and offers the route-wide operations of a site's
 * connection as `routes` (telnyx-routes.ts: the connection's own failover armed ahead, and the
 * move of all its numbers to the backup connection and back).
 *
 * Telnyx addresses a number's voice settings by its phone number id, not by the E.164 number
 * (`GET/PATCH /phone_numbers/{id}/voice`), so the id is looked up once with ListPhoneNumbers and
 * cached for the life of the adapter. Before a large run the engine calls prepareNumbers, which
 * learns the ids a page of 250 at a time instead of one request each; reading routing in pages
 * (`routingPages`, telnyx-routing-pages.ts) learns them too.
 *
 * What a number's voice settings look like in Telnyx's terms is in telnyx-voice-settings.ts; the
 * update job that changes many numbers in one request is in telnyx-update-job.ts.
 */
import { DEFAULT_BASE_URLS } from '../../contracts/config/config-constants';
import { CarrierError } from '../../contracts/errors';
import type {
  BulkItemOutcome,
  Carrier,
  CarrierCall,
  ForwardRequest,
  RoutingSnapshot,
} from '../../ports/carriers';
import { CarrierHttpClient, type CarrierHttpOptions, malformedResponse } from './carrier-http';
import { TelnyxRoutes, type TelnyxRoutesOptions } from './telnyx-routes';
import { TelnyxRoutingPages } from './telnyx-routing-pages';
import {
  type PhoneNumberRecord,
  runUpdateJob,
  TELNYX_BULK_LIMIT,
  type TelnyxJobContext,
} from './telnyx-update-job';
import {
  assertForwardable,
  forwardingSettings,
  routingSnapshotOf,
  type TelnyxRoutingSettings,
  type TelnyxVoiceRecord,
  writableCallForwarding,
} from './telnyx-voice-settings';

// ListPhoneNumbers' largest page.
const PAGE_SIZE = 250;
/**
 * Fewest unknown numbers for which prepareNumbers lists the account. Its first page is spent before
 * the account's size is known; below this many numbers that page could cost more than it saves.
 */
export const MIN_NUMBERS_TO_LIST = 20;
/**
 * Telnyx's limit on pending or in-progress phone number jobs, an account's at once. The spec shows
 * it only as CreateUpdatePhoneNumbersJob's 422 example (`Maximum20JobsAllowed`: "You can have at
 * most 20 pending or in progress jobs"); the prose docs say nothing, hence the option.
 */
export const TELNYX_PENDING_JOBS_LIMIT = 20;

/** How to reach Telnyx and which optional features to enable. */
export interface TelnyxCarrierOptions extends CarrierHttpOptions {
  /** API v2 key, sent as `Authorization: Bearer`. */
  readonly apiKey: string;
  /** @default https://api.telnyx.com/v2 */
  readonly baseUrl?: string;
  /** How the route operations (`routes`) run their update jobs. */
  readonly routes?: TelnyxRoutesOptions;
  /** Wait between polls of a bulk job. @default 2000 */
  readonly pollIntervalMs?: number;
  /** Give up waiting for a bulk job after this long; unfinished numbers are reported retryable. @default 240000 */
  readonly pollTimeoutMs?: number;
  /** How polling waits (tests pass a no-op or a fake clock's sleep). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Most bulk update jobs the engine keeps in flight for this account. Lower it when other tools
   * (or the route switch's jobs) run jobs on the same account at the same time.
   * @default 20, Telnyx's pending-jobs limit
   */
  readonly bulkJobsInFlight?: number;
  /**
   * What follows an update job create whose answer was lost: `search` looks for the job among the
   * newest update jobs (one naming exactly its numbers, created since), `read-back` throws the
   * error, so the engine reads each number back before writing it again.
   * @default search
   */
  readonly lostJobs?: 'search' | 'read-back';
}

/** Telnyx implementation of the Carrier port. */
export class TelnyxCarrier implements Carrier {
  readonly name = 'telnyx' as const;
  readonly forwardModes = ['always', 'on-failure'] as const;
  /** An update job sets one voice setting on all its numbers: one destination a job. */
  readonly bulkCallPerDestination = true;
  readonly bulkLimit = TELNYX_BULK_LIMIT;
  /** One forwardMany call keeps at most one job pending, so this is the jobs pending at once. */
  readonly bulkInFlight: number;
  /** CreateUpdatePhoneNumbersJob and the RetrievePhoneNumbersJob that finds it done. */
  readonly requestsPerBulkCall = 2;
  /** One UpdatePhoneNumberVoiceSettings. */
  readonly requestsPerForward = 1;
  /** One GetPhoneNumberVoiceSettings. */
  readonly requestsPerRead = 1;
  /** The account's voice settings in pages of 250 (ListPhoneNumbersWithVoiceSettings). */
  readonly routingPages: TelnyxRoutingPages;
  /** The site connection's native failover and switch; the route comes with each call. */
  readonly routes: TelnyxRoutes;

  private readonly http: CarrierHttpClient;
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly jobs: TelnyxJobContext;
  private readonly ids = new Map<string, string>();

  constructor(options: TelnyxCarrierOptions) {
    const inFlight = options.bulkJobsInFlight ?? TELNYX_PENDING_JOBS_LIMIT;
    if (!Number.isInteger(inFlight) || inFlight < 1) {
      throw new RangeError(
        `TelnyxCarrier: \`bulkJobsInFlight\` must be a whole number of at least 1, got ${inFlight}`,
      );
    }
    this.bulkInFlight = inFlight;
    this.http = new CarrierHttpClient('telnyx', options);
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URLS.telnyx).replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.jobs = {
      http: this.http,
      baseUrl: this.baseUrl,
      headers: (withBody) => this.headers(withBody),
      pollIntervalMs: options.pollIntervalMs ?? 2000,
      pollTimeoutMs: options.pollTimeoutMs ?? 240_000,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      now: options.now,
      searchLostJobs: options.lostJobs !== 'read-back',
    };
    this.routes = new TelnyxRoutes(this.jobs, options.routes);
    this.routingPages = new TelnyxRoutingPages(this.jobs, this.ids);
  }

  /**
   * Learns the phone number ids of `numbers` by listing the account's numbers, 250 a page, when
   * that takes fewer requests than looking them up one by one (the first page tells how many pages
   * there are). The pages after the first are all handed to `call` at once: the engine's lane sends
   * them as fast as the rate allows. A page that fails is skipped; its numbers are looked up later.
   */
  async prepareNumbers(numbers: readonly string[], call: CarrierCall): Promise<void> {
    const unknown = new Set(numbers.filter((number) => !this.ids.has(number)));
    if (unknown.size < MIN_NUMBERS_TO_LIST) {
      return;
    }
    const first = await this.listAccountPage(1, call);
    if (!first) {
      return;
    }
    this.learnIds(first.data);
    const stillUnknown = [...unknown].filter((number) => !this.ids.has(number)).length;
    // Each further page is one request, like each lookup it would spare.
    if (first.totalPages - 1 >= stillUnknown) {
      return;
    }
    const pages = Array.from({ length: first.totalPages - 1 }, (_, index) => index + 2);
    const results = await Promise.all(pages.map((page) => this.listAccountPage(page, call)));
    for (const result of results) {
      if (result) this.learnIds(result.data);
    }
  }

  /** Reads the number's voice settings; the snapshot keeps `call_forwarding` as Telnyx returned it. */
  async readRouting(number: string): Promise<RoutingSnapshot> {
    const id = await this.phoneNumberId(number);
    const request = {
      operation: 'GetPhoneNumberVoiceSettings',
      subject: number,
      method: 'GET' as const,
      url: `${this.baseUrl}/phone_numbers/${encodeURIComponent(id)}/voice`,
      headers: this.headers(),
    };
    const body = await this.http.sendJson<{ data?: TelnyxVoiceRecord }>(request);
    const data = body?.data;
    if (typeof data !== 'object' || data === null) {
      throw malformedResponse('telnyx', request, 'no `data` object');
    }
    return routingSnapshotOf(number, id, data);
  }

  /** Sets `call_forwarding` to the destination (E.164 only) with `forwarding_type` = the mode. */
  async forward(request: ForwardRequest): Promise<void> {
    assertForwardable(request);
    const id = await this.phoneNumberId(request.number);
    await this.patchVoice(request.number, id, forwardingSettings(request.destination, request.mode));
  }

  /** Writes the snapshot's `call_forwarding` back as it was read. */
  async restore(snapshot: RoutingSnapshot): Promise<void> {
    const settings = snapshot.settings as Partial<TelnyxRoutingSettings>;
    if (snapshot.carrier !== 'telnyx' || typeof settings.call_forwarding !== 'object') {
      throw new CarrierError(
        'telnyx',
        `restore for ${snapshot.number} got a ${snapshot.carrier} snapshot without call_forwarding; restore it with the adapter that took it`,
        { retryable: false },
      );
    }
    const id = typeof settings.id === 'string' ? settings.id : await this.phoneNumberId(snapshot.number);
    await this.patchVoice(snapshot.number, id, writableCallForwarding(settings.call_forwarding ?? {}));
  }

  /**
   * Forwards many numbers with CreateUpdatePhoneNumbersJob, one job per (destination, mode) and at
   * most 1000 numbers a job, polling RetrievePhoneNumbersJob until each is done. A job that cannot
   * be created fails its numbers; when the very first job cannot be created nothing was sent, so
   * the error is thrown instead (the engine then treats the whole call like any failed call).
   * A call's jobs run one after another, so a call holds at most one pending job and `bulkInFlight`
   * concurrent calls stay within Telnyx's pending-jobs limit; calls share no state and run in parallel.
   *
   * A number alone with its destination (a plan that forwards each DID to its own backup number)
   * gets the plain voice-settings update instead: a job costs its creation and at least one poll
   * two seconds later for what one PATCH does at once.
   */
  async forwardMany(requests: ForwardRequest[]): Promise<BulkItemOutcome[]> {
    const outcomes = new Map<string, BulkItemOutcome>();
    const groups = new Map<string, ForwardRequest[]>();
    for (const request of requests) {
      try {
        assertForwardable(request);
      } catch (error) {
        outcomes.set(request.number, { number: request.number, ok: false, error: error as Error });
        continue;
      }
      const key = `${request.mode} ${request.destination}`;
      groups.set(key, [...(groups.get(key) ?? []), request]);
    }
    const alone = [...groups.values()].filter((group) => new Set(group.map((r) => r.number)).size === 1);
    let submitted = false;
    for (const group of groups.values()) {
      if (alone.includes(group)) continue;
      for (const chunk of chunks(group, TELNYX_BULK_LIMIT)) {
        const { destination, mode } = chunk[0];
        // Listing a number twice in one job gains nothing and may be refused; send it once.
        const numbers = [...new Set(chunk.map((request) => request.number))];
        try {
          const results = await runUpdateJob(
            this.jobs,
            { phone_numbers: numbers, voice: forwardingSettings(destination, mode) },
            numbers,
          );
          submitted = true;
          for (const number of numbers) {
            const error = results.get(number);
            outcomes.set(number, error ? { number, ok: false, error } : { number, ok: true });
          }
        } catch (error) {
          if (!submitted) {
            throw error;
          }
          for (const number of numbers) {
            outcomes.set(number, { number, ok: false, error: error as Error });
          }
        }
      }
    }
    for (const [request] of alone) {
      try {
        await this.forward(request);
        outcomes.set(request.number, { number: request.number, ok: true });
      } catch (error) {
        outcomes.set(request.number, { number: request.number, ok: false, error: error as Error });
      }
    }
    return requests.map((request) => outcomes.get(request.number)!);
  }

  private async patchVoice(number: string, id: string, body: Record<string, unknown>): Promise<void> {
    await this.http.sendJson({
      operation: 'UpdatePhoneNumberVoiceSettings',
      subject: number,
      method: 'PATCH',
      url: `${this.baseUrl}/phone_numbers/${encodeURIComponent(id)}/voice`,
      headers: this.headers(true),
      body: JSON.stringify(body),
    });
  }

  private async phoneNumberId(number: string): Promise<string> {
    const cached = this.ids.get(number);
    if (cached) {
      return cached;
    }
    // Telnyx's filter takes digits only: "non-numerical characters will result in no values".
    const query = new URLSearchParams({
      'filter[phone_number]': number.replace(/\D/g, ''),
      'page[size]': String(PAGE_SIZE),
    });
    const page = await this.listPhoneNumbers(query, number);
    const match = page.data.find((record) => record.phone_number === number);
    if (!match?.id) {
      throw new CarrierError(
        'telnyx',
        `ListPhoneNumbers for ${number} found no such number on this Telnyx account; check the forwarding plan and the API key's account`,
        { retryable: false, status: 404 },
      );
    }
    this.ids.set(number, match.id);
    return match.id;
  }

  /** One page of the account's numbers, or undefined when it could not be read. */
  private async listAccountPage(
    page: number,
    call: CarrierCall,
  ): Promise<{ data: PhoneNumberRecord[]; totalPages: number } | undefined> {
    const query = new URLSearchParams({ 'page[number]': String(page), 'page[size]': String(PAGE_SIZE) });
    try {
      return await call(() => this.listPhoneNumbers(query, `page ${page} of the account's numbers`));
    } catch {
      // Best effort: the numbers of this page are looked up one by one when needed.
      return undefined;
    }
  }

  private learnIds(records: PhoneNumberRecord[]): void {
    for (const record of records) {
      if (record.id && record.phone_number) this.ids.set(record.phone_number, record.id);
    }
  }

  private async listPhoneNumbers(
    query: URLSearchParams,
    subject: string,
  ): Promise<{ data: PhoneNumberRecord[]; totalPages: number }> {
    const request = {
      operation: 'ListPhoneNumbers',
      subject,
      method: 'GET' as const,
      url: `${this.baseUrl}/phone_numbers?${query}`,
      headers: this.headers(),
    };
    const body = await this.http.sendJson<{ data?: unknown; meta?: { total_pages?: number } }>(request);
    if (!Array.isArray(body?.data)) {
      throw malformedResponse('telnyx', request, 'no `data` list');
    }
    return { data: body.data as PhoneNumberRecord[], totalPages: body.meta?.total_pages ?? 1 };
  }

  private headers(withBody = false): Record<string, string> {
    return {
      Authorization: `Bearer ${this.apiKey}`,
      Accept: 'application/json',
      ...(withBody ? { 'Content-Type': 'application/json' } : {}),
    };
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}
