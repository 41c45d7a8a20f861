/**
 * The Twilio requests the adapter sends, one method each: IncomingPhoneNumbers (REST 2010-04-01)
 * and Elastic SIP Trunking v1 (trunks, their origination URLs and phone numbers). Only operations
 * and parameters of Twilio's published OpenAPI (twilio/twilio-oai) are used; see
 * lib/developer/carrier-fakes/contracts/twilio-contract.json.
 */
import { DEFAULT_BASE_URLS } from '../../contracts/config/config-constants';
import { CarrierError } from '../../contracts/errors';
import {
  CarrierHttpClient,
  type CarrierHttpOptions,
  type CarrierHttpRequest,
  malformedResponse,
} from './carrier-http';

/** Elastic SIP Trunking's base URL. */
export const DEFAULT_TWILIO_TRUNKING_BASE_URL = 'https://trunking.twilio.com/v1';

/** The largest PageSize Twilio's list operations take (the spec's `maximum`). */
export const TWILIO_MAX_PAGE_SIZE = 1000;

/** How to reach Twilio. */
export interface TwilioApiOptions extends CarrierHttpOptions {
  readonly accountSid: string;
  readonly authToken: string;
  /** @default https://api.twilio.com */
  readonly baseUrl?: string;
  /** @default https://trunking.twilio.com/v1 */
  readonly trunkingBaseUrl?: string;
}

/** A Twilio resource as returned (snake_case fields). */
export type TwilioRecord = Record<string, unknown>;

/** An origination URL of a trunk, the fields the adapter reads. */
export interface OriginationUrl {
  sid: string;
  sipUrl: string;
  priority: number;
  weight: number;
  enabled: boolean;
}

/** Runs one request under the caller's limits; identity when the caller has none. */
export type TwilioCall = <T>(request: () => Promise<T>) => Promise<T>;
const direct: TwilioCall = (request) => request();

/** Form fields of a write; values are never empty (the spec gives them patterns and URI formats). */
export type TwilioForm = Record<string, string>;

/** One page of ListIncomingPhoneNumber: its records, and the next page's URL (null on the last). */
export interface TwilioNumberPage {
  records: TwilioRecord[];
  nextUrl: string | null;
}

/** Sends Twilio's requests; callers wrap each in their lane's `call`. */
export class TwilioApi {
  private readonly http: CarrierHttpClient;
  private readonly baseUrl: string;
  private readonly accountPath: string;
  private readonly accountUrl: string;
  private readonly trunkingUrl: string;
  private readonly authorization: string;

  constructor(options: TwilioApiOptions) {
    this.http = new CarrierHttpClient('twilio', options);
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URLS.twilio).replace(/\/+$/, '');
    this.accountPath = `/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}`;
    this.accountUrl = `${this.baseUrl}${this.accountPath}`;
    this.trunkingUrl = (options.trunkingBaseUrl ?? DEFAULT_TWILIO_TRUNKING_BASE_URL).replace(/\/+$/, '');
    this.authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  }

  /** ListIncomingPhoneNumber filtered by the number: the account's records for it (0 or 1). */
  async findNumbers(number: string): Promise<TwilioRecord[]> {
    const request = this.get(
      'ListIncomingPhoneNumber',
      number,
      `${this.accountUrl}/IncomingPhoneNumbers.json?${new URLSearchParams({ PhoneNumber: number, PageSize: '20' })}`,
    );
    const body = await this.http.sendJson<{ incoming_phone_numbers?: unknown }>(request);
    if (!Array.isArray(body?.incoming_phone_numbers)) {
      throw malformedResponse('twilio', request, 'no `incoming_phone_numbers` list');
    }
    return (body.incoming_phone_numbers as TwilioRecord[]).filter((record) => record.phone_number === number);
  }

  /** The URL of the first page of the account's numbers, at the largest page size. */
  firstNumbersPageUrl(): string {
    return `${this.accountUrl}/IncomingPhoneNumbers.json?PageSize=${TWILIO_MAX_PAGE_SIZE}`;
  }

  /**
   * One page of ListIncomingPhoneNumber at `url` (firstNumbersPageUrl, or the last page's
   * nextUrl). Paging is by cursor: the spec's `Page` "is simply for client state" and its
   * `PageToken` "is provided by the API", so pages are followed through `next_page_uri` only.
   */
  async listNumbersPage(url: string): Promise<TwilioNumberPage> {
    const request = this.get('ListIncomingPhoneNumber', undefined, url);
    const body = await this.http.sendJson<{ incoming_phone_numbers?: unknown; next_page_uri?: unknown }>(
      request,
    );
    if (!Array.isArray(body?.incoming_phone_numbers)) {
      throw malformedResponse('twilio', request, 'no `incoming_phone_numbers` list');
    }
    // next_page_uri is relative to the API host; follow it only within this account's number list
    // (it came from a response body). Any other value ends the listing: the rest go unseen.
    const next = body.next_page_uri;
    const listPath = `${this.accountPath}/IncomingPhoneNumbers.json?`;
    return {
      records: body.incoming_phone_numbers as TwilioRecord[],
      nextUrl: typeof next === 'string' && next.startsWith(listPath) ? `${this.baseUrl}${next}` : null,
    };
  }

  /** FetchIncomingPhoneNumber. */
  fetchNumber(sid: string, number: string): Promise<TwilioRecord> {
    return this.record(this.get('FetchIncomingPhoneNumber', number, this.numberUrl(sid)), 'sid');
  }

  /** UpdateIncomingPhoneNumber; returns the number as Twilio now has it. */
  updateNumber(sid: string, number: string, form: TwilioForm): Promise<TwilioRecord> {
    return this.record(this.post('UpdateIncomingPhoneNumber', number, this.numberUrl(sid), form), 'sid');
  }

  /** CreatePhoneNumber (Trunking): puts the number on the trunk. */
  async addToTrunk(trunkSid: string, numberSid: string, number: string): Promise<void> {
    await this.http.sendJson(
      this.post('CreatePhoneNumber', number, `${this.trunkUrl(trunkSid)}/PhoneNumbers`, {
        PhoneNumberSid: numberSid,
      }),
    );
  }

  /** DeletePhoneNumber (Trunking): takes the number off the trunk (204, no body). */
  async removeFromTrunk(trunkSid: string, numberSid: string, number: string): Promise<void> {
    await this.http.send({
      ...this.get(
        'DeletePhoneNumber',
        number,
        `${this.trunkUrl(trunkSid)}/PhoneNumbers/${encodeURIComponent(numberSid)}`,
      ),
      method: 'DELETE',
    });
  }

  /** ListPhoneNumber (Trunking), every page at the largest page size. */
  listTrunkNumbers(trunkSid: string, call: TwilioCall = direct): Promise<TwilioRecord[]> {
    return this.listAll('ListPhoneNumber', 'phone_numbers', `${this.trunkUrl(trunkSid)}/PhoneNumbers`, call);
  }

  /** ListOriginationUrl, every page at the largest page size. */
  async listOriginationUrls(trunkSid: string, call: TwilioCall = direct): Promise<OriginationUrl[]> {
    const records = await this.listAll(
      'ListOriginationUrl',
      'origination_urls',
      `${this.trunkUrl(trunkSid)}/OriginationUrls`,
      call,
    );
    return records.map((url) => ({
      sid: String(url.sid),
      sipUrl: String(url.sip_url),
      priority: Number(url.priority),
      weight: Number(url.weight),
      enabled: url.enabled === true,
    }));
  }

  /** CreateOriginationUrl (every field is required by the spec). */
  async createOriginationUrl(
    trunkSid: string,
    url: { friendlyName: string; sipUrl: string; priority: number; weight: number; enabled: boolean },
  ): Promise<void> {
    await this.http.sendJson(
      this.post('CreateOriginationUrl', url.sipUrl, `${this.trunkUrl(trunkSid)}/OriginationUrls`, {
        FriendlyName: url.friendlyName,
        SipUrl: url.sipUrl,
        Priority: String(url.priority),
        Weight: String(url.weight),
        Enabled: String(url.enabled),
      }),
    );
  }

  /** UpdateOriginationUrl with only the given fields. */
  async updateOriginationUrl(trunkSid: string, sid: string, form: TwilioForm): Promise<void> {
    await this.http.sendJson(
      this.post(
        'UpdateOriginationUrl',
        sid,
        `${this.trunkUrl(trunkSid)}/OriginationUrls/${encodeURIComponent(sid)}`,
        form,
      ),
    );
  }

  /** FetchTrunk. */
  fetchTrunk(trunkSid: string): Promise<TwilioRecord> {
    return this.record(this.get('FetchTrunk', trunkSid, this.trunkUrl(trunkSid)), 'sid');
  }

  /** UpdateTrunk with only the given fields. */
  async updateTrunk(trunkSid: string, form: TwilioForm): Promise<void> {
    await this.http.sendJson(this.post('UpdateTrunk', trunkSid, this.trunkUrl(trunkSid), form));
  }

  private async listAll(
    operation: string,
    key: string,
    listUrl: string,
    call: TwilioCall,
  ): Promise<TwilioRecord[]> {
    const records: TwilioRecord[] = [];
    let url: string | null = `${listUrl}?PageSize=${TWILIO_MAX_PAGE_SIZE}`;
    while (url) {
      const request = this.get(operation, undefined, url);
      const body = await call(() =>
        this.http.sendJson<{ meta?: { next_page_url?: unknown } } & Record<string, unknown>>(request),
      );
      if (!Array.isArray(body?.[key])) {
        throw malformedResponse('twilio', request, `no \`${key}\` list`);
      }
      records.push(...(body[key] as TwilioRecord[]));
      const next = body.meta?.next_page_url;
      // Only follow pages on the API we were given: the URL came from a response body.
      url = typeof next === 'string' && next.startsWith(`${this.trunkingUrl}/`) ? next : null;
    }
    return records;
  }

  private async record(request: CarrierHttpRequest, idField: string): Promise<TwilioRecord> {
    const body = await this.http.sendJson<TwilioRecord>(request);
    if (typeof body !== 'object' || body === null || typeof body[idField] !== 'string') {
      throw malformedResponse('twilio', request, `no \`${idField}\``);
    }
    return body;
  }

  private numberUrl(sid: string): string {
    return `${this.accountUrl}/IncomingPhoneNumbers/${encodeURIComponent(sid)}.json`;
  }

  private trunkUrl(trunkSid: string): string {
    return `${this.trunkingUrl}/Trunks/${encodeURIComponent(trunkSid)}`;
  }

  private get(operation: string, subject: string | undefined, url: string): CarrierHttpRequest {
    return {
      operation,
      subject,
      method: 'GET',
      url,
      headers: { Authorization: this.authorization, Accept: 'application/json' },
    };
  }

  private post(operation: string, subject: string, url: string, form: TwilioForm): CarrierHttpRequest {
    const empty = Object.keys(form).filter((field) => form[field] === '');
    if (empty.length > 0) {
      // Twilio's spec gives these fields patterns or URI formats: an empty value is a request
      // a server built from the spec refuses, so it is a bug here, never something to send.
      throw new CarrierError('twilio', `${operation} for ${subject} would send ${empty.join(', ')} empty`, {
        retryable: false,
      });
    }
    return {
      operation,
      subject,
      method: 'POST',
      url,
      headers: {
        Authorization: this.authorization,
        Accept: 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(form).toString(),
    };
  }
}
