/**
 * Bandwidth Dashboard API (XML) adapter. Forwarding is a TN option order: `CallForward` set to a
 * 10-digit number for the numbers of a `TnOptionGroup`, or `systemDefault` to remove it. Orders
 * are asynchronous, so every write polls GetTnOptionOrder until it is COMPLETE, PARTIAL or FAILED
 * and reads per-number failures from its ErrorList.
 *
 * Limits that follow from the API: `CallForward` is unconditional and takes a North American
 * 10-digit number, so only `always` mode to +1 numbers is supported (other requests fail, not
 * retryable, before anything is sent).
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { DEFAULT_BASE_URLS } from '../../contracts/config/config-constants';
import { CarrierError } from '../../contracts/errors';
import type { BulkItemOutcome, Carrier, ForwardRequest, RoutingSnapshot } from '../../ports/carriers';
import {
  CarrierHttpClient,
  type CarrierHttpOptions,
  type CarrierHttpRequest,
  malformedResponse,
} from './carrier-http';

/**
 * Numbers a bulk order carries. Bandwidth documents no per-order maximum for TN option orders;
 * 100 keeps one order's processing time, and the blast radius of one rejected order, small.
 */
export const BANDWIDTH_BULK_LIMIT = 100;
const NANP_E164 = /^\+1([2-9]\d{2}[2-9]\d{6})$/;
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';
const FINISHED = new Set(['COMPLETE', 'PARTIAL', 'FAILED']);

/** How to reach Bandwidth. */
export interface BandwidthCarrierOptions extends CarrierHttpOptions {
  readonly accountId: string;
  readonly username: string;
  readonly password: string;
  /** @default https://dashboard.bandwidth.com/api/v1 */
  readonly baseUrl?: string;
  /** Wait between polls of an order. @default 2000 */
  readonly pollIntervalMs?: number;
  /** Give up waiting for an order after this long; unfinished numbers are reported retryable. @default 240000 */
  readonly pollTimeoutMs?: number;
  /** How polling waits (tests pass a no-op or a fake clock's sleep). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The carrier-specific part of a Bandwidth RoutingSnapshot. */
export interface BandwidthRoutingSettings {
  /** 10-digit telephone number. */
  tn: string;
  siteId: string;
  sipPeerId: string;
  /** The 10-digit CallForward number, or null when the number is not forwarded. */
  callForward: string | null;
}

interface OptionGroup {
  callForward: string;
  numbers: string[];
}

interface TnLocation {
  siteId: string;
  sipPeerId: string;
}

const parser = new XMLParser({
  parseTagValue: false,
  isArray: (name) => ['TnOptionGroup', 'TelephoneNumber', 'Error', 'Warning'].includes(name),
});
const builder = new XMLBuilder({});

/** Bandwidth implementation of the Carrier port. */
export class BandwidthCarrier implements Carrier {
  readonly name = 'bandwidth' as const;
  /** CallForward is unconditional: Bandwidth has no forwarding on failure to pre-arm. */
  readonly forwardModes = ['always'] as const;
  readonly bulkLimit = BANDWIDTH_BULK_LIMIT;

  private readonly http: CarrierHttpClient;
  private readonly baseUrl: string;
  private readonly accountUrl: string;
  private readonly authorization: string;
  private readonly pollIntervalMs: number;
  private readonly pollTimeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly locations = new Map<string, TnLocation>();

  constructor(options: BandwidthCarrierOptions) {
    this.http = new CarrierHttpClient('bandwidth', options);
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URLS.bandwidth).replace(/\/+$/, '');
    this.accountUrl = `${this.baseUrl}/accounts/${encodeURIComponent(options.accountId)}`;
    this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
    this.pollTimeoutMs = options.pollTimeoutMs ?? 240_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Finds the number's site and SIP peer (RetrieveTnDetails, cached), then reads it with ReadSipPeerTn. */
  async readRouting(number: string): Promise<RoutingSnapshot> {
    const tn = tenDigits(number, 'read');
    const { siteId, sipPeerId } = await this.locate(number, tn);
    const request = {
      operation: 'ReadSipPeerTn',
      subject: number,
      method: 'GET' as const,
      url: `${this.accountUrl}/sites/${encodeURIComponent(siteId)}/sippeers/${encodeURIComponent(sipPeerId)}/tns/${tn}`,
      headers: this.headers(),
    };
    const body = await this.sendXml(request);
    const tnInfo = (body.SipPeerTelephoneNumberResponse as Record<string, unknown> | undefined)
      ?.SipPeerTelephoneNumber as Record<string, unknown> | undefined;
    if (typeof tnInfo !== 'object' || tnInfo === null) {
      throw malformedResponse('bandwidth', request, 'no SipPeerTelephoneNumber element');
    }
    const callForward =
      typeof tnInfo.CallForward === 'string' && tnInfo.CallForward.trim() !== ''
        ? tnInfo.CallForward.trim()
        : null;
    const settings: BandwidthRoutingSettings = { tn, siteId, sipPeerId, callForward };
    return {
      carrier: 'bandwidth',
      number,
      settings: { ...settings },
      forwardsTo: callForward ? `+1${callForward}` : null,
      mode: callForward ? 'always' : null,
    };
  }

  /** Sets CallForward for the number with a one-number TN option order and waits for it. */
  async forward(request: ForwardRequest): Promise<void> {
    const group = { callForward: forwardTarget(request), numbers: [tenDigits(request.number, 'forward')] };
    this.throwIfFailed(request.number, await this.runOrder([group]));
  }

  /** Writes the snapshot's CallForward back, or `systemDefault` (no forwarding) when it had none. */
  async restore(snapshot: RoutingSnapshot): Promise<void> {
    const settings = snapshot.settings as Partial<BandwidthRoutingSettings>;
    if (snapshot.carrier !== 'bandwidth' || typeof settings.tn !== 'string') {
      throw new CarrierError(
        'bandwidth',
        `restore for ${snapshot.number} got a ${snapshot.carrier} snapshot without a tn; restore it with the adapter that took it`,
        { retryable: false },
      );
    }
    const group = { callForward: settings.callForward ?? 'systemDefault', numbers: [settings.tn] };
    this.throwIfFailed(snapshot.number, await this.runOrder([group]));
  }

  /**
   * Forwards up to {@link BANDWIDTH_BULK_LIMIT} numbers an order (more are split into several
   * orders), one TnOptionGroup per destination. When the first order cannot be created nothing
   * was sent, so the error is thrown; a later order's failure fails only its numbers.
   */
  async forwardMany(requests: ForwardRequest[]): Promise<BulkItemOutcome[]> {
    const outcomes = new Map<string, BulkItemOutcome>();
    const valid: { request: ForwardRequest; tn: string; callForward: string }[] = [];
    for (const request of requests) {
      try {
        valid.push({
          request,
          tn: tenDigits(request.number, 'forward'),
          callForward: forwardTarget(request),
        });
      } catch (error) {
        outcomes.set(request.number, { number: request.number, ok: false, error: error as Error });
      }
    }
    let submitted = false;
    for (let start = 0; start < valid.length; start += BANDWIDTH_BULK_LIMIT) {
      const batch = valid.slice(start, start + BANDWIDTH_BULK_LIMIT);
      const groups = new Map<string, OptionGroup>();
      for (const { tn, callForward } of batch) {
        const group = groups.get(callForward) ?? { callForward, numbers: [] };
        group.numbers.push(tn);
        groups.set(callForward, group);
      }
      try {
        const results = await this.runOrder([...groups.values()]);
        submitted = true;
        for (const { request, tn } of batch) {
          const error = results.get(tn);
          outcomes.set(
            request.number,
            error ? { number: request.number, ok: false, error } : { number: request.number, ok: true },
          );
        }
      } catch (error) {
        if (!submitted) {
          throw error;
        }
        for (const { request } of batch) {
          outcomes.set(request.number, { number: request.number, ok: false, error: error as Error });
        }
      }
    }
    return requests.map((request) => outcomes.get(request.number)!);
  }

  private async locate(number: string, tn: string): Promise<TnLocation> {
    const cached = this.locations.get(tn);
    if (cached) {
      return cached;
    }
    const request = {
      operation: 'RetrieveTnDetails',
      subject: number,
      method: 'GET' as const,
      url: `${this.baseUrl}/tns/${tn}/tndetails`,
      headers: this.headers(),
    };
    const body = await this.sendXml(request);
    const details = (body.TelephoneNumberResponse as Record<string, unknown> | undefined)
      ?.TelephoneNumberDetails as Record<string, Record<string, unknown> | undefined> | undefined;
    const siteId = details?.Site?.Id;
    const sipPeerId = details?.SipPeer?.PeerId;
    if (typeof siteId !== 'string' || typeof sipPeerId !== 'string') {
      throw malformedResponse(
        'bandwidth',
        request,
        'no Site/Id and SipPeer/PeerId in TelephoneNumberDetails',
      );
    }
    const location = { siteId: siteId.trim(), sipPeerId: sipPeerId.trim() };
    this.locations.set(tn, location);
    return location;
  }

  /** Creates one TN option order and polls it to the end; returns each TN's error, if it had one. */
  private async runOrder(groups: OptionGroup[]): Promise<Map<string, Error | null>> {
    const numbers = groups.flatMap((group) => group.numbers);
    const subject = numbers.length === 1 ? numbers[0] : `${numbers.length} numbers`;
    const payload = {
      TnOptionOrder: {
        CustomerOrderId: 'carrier-failover',
        TnOptionGroups: {
          TnOptionGroup: groups.map((group) => ({
            CallForward: group.callForward,
            TelephoneNumbers: { TelephoneNumber: group.numbers },
          })),
        },
      },
    };
    const create = {
      operation: 'CreateTnOptionOrder',
      subject,
      method: 'POST' as const,
      url: `${this.accountUrl}/tnoptions`,
      headers: this.headers(true),
      body: `${XML_DECLARATION}${builder.build(payload)}`,
    };
    let order = orderOf(await this.sendXml(create), create);
    let waited = 0;
    let askedToWait = 0;
    while (!FINISHED.has(order.status) && waited < this.pollTimeoutMs) {
      const wait = Math.max(this.pollIntervalMs, askedToWait);
      askedToWait = 0;
      await this.sleep(wait);
      waited += wait;
      const poll = {
        operation: 'GetTnOptionOrder',
        subject: `order ${order.id}`,
        method: 'GET' as const,
        url: `${this.accountUrl}/tnoptions/${encodeURIComponent(order.id)}`,
        headers: this.headers(),
      };
      try {
        order = orderOf(await this.sendXml(poll), poll);
      } catch (error) {
        // The order is already queued: a transient poll failure only delays the next poll, since
        // creating the order again would apply the change twice.
        if (!(error instanceof CarrierError) || !error.retryable) {
          throw error;
        }
        askedToWait = error.retryAfterMs ?? 0;
      }
    }
    const results = new Map<string, Error | null>();
    for (const tn of numbers) {
      const failure = order.errors.find((error) => error.tn === tn);
      if (failure) {
        results.set(
          tn,
          new CarrierError(
            'bandwidth',
            `TN option order ${order.id} failed for ${tn}: ${failure.description}; fix the number at Bandwidth or forward it another way`,
            { retryable: false, code: failure.code },
          ),
        );
      } else if (order.status === 'COMPLETE' || order.status === 'PARTIAL') {
        results.set(tn, null);
      } else {
        const state = FINISHED.has(order.status)
          ? `ended ${order.status}`
          : `still ${order.status} after ${waited} ms`;
        results.set(
          tn,
          new CarrierError(
            'bandwidth',
            `TN option order ${order.id} ${state} without a result for ${tn}; retry (applying it twice is harmless)`,
            { retryable: true },
          ),
        );
      }
    }
    return results;
  }

  private throwIfFailed(number: string, results: Map<string, Error | null>): void {
    const error = [...results.values()].find((result): result is Error => result !== null);
    if (error) {
      throw error;
    }
    if (results.size === 0) {
      throw new CarrierError('bandwidth', `no result for ${number}`, { retryable: true });
    }
  }

  private async sendXml(request: CarrierHttpRequest): Promise<Record<string, unknown>> {
    const response = await this.http.send(request);
    // fast-xml-parser accepts truncated documents, so validate first: a cut-off answer must read
    // as malformed (retryable), not as an order with no errors.
    const valid = XMLValidator.validate(response.text);
    if (valid !== true) {
      throw malformedResponse('bandwidth', request, `invalid XML: ${valid.err.msg}`);
    }
    return parser.parse(response.text) as Record<string, unknown>;
  }

  private headers(withBody = false): Record<string, string> {
    return {
      Authorization: this.authorization,
      Accept: 'application/xml',
      ...(withBody ? { 'Content-Type': 'application/xml' } : {}),
    };
  }
}

interface OrderState {
  id: string;
  status: string;
  errors: { tn: string; code?: string; description: string }[];
}

function orderOf(body: Record<string, unknown>, request: CarrierHttpRequest): OrderState {
  // CreateTnOptionOrder wraps the order in TnOptionOrderResponse; GetTnOptionOrder returns it bare.
  const wrapped = body.TnOptionOrderResponse as Record<string, unknown> | undefined;
  const order = (wrapped?.TnOptionOrder ?? body.TnOptionOrder) as Record<string, unknown> | undefined;
  if (typeof order?.OrderId !== 'string' || typeof order.ProcessingStatus !== 'string') {
    throw malformedResponse('bandwidth', request, 'no TnOptionOrder with OrderId and ProcessingStatus');
  }
  const errorList = order.ErrorList as { Error?: Record<string, unknown>[] } | string | undefined;
  const errors = (typeof errorList === 'object' ? (errorList.Error ?? []) : []).flatMap((error) => {
    const tns = [
      ...(typeof error.TelephoneNumber === 'string' ? [error.TelephoneNumber] : []),
      ...((error.TelephoneNumber as string[] | undefined) ?? []),
      ...((error.TelephoneNumbers as { TelephoneNumber?: string[] } | undefined)?.TelephoneNumber ?? []),
    ].filter((tn) => typeof tn === 'string');
    return tns.map((tn) => ({
      tn: tn.trim(),
      code: typeof error.Code === 'string' ? error.Code : undefined,
      description: typeof error.Description === 'string' ? error.Description : 'no description',
    }));
  });
  return { id: order.OrderId, status: order.ProcessingStatus.trim().toUpperCase(), errors };
}

/** The 10-digit form of a North American E.164 number; throws CarrierError for any other number. */
export function tenDigits(number: string, action: string): string {
  const match = NANP_E164.exec(number);
  if (!match) {
    throw new CarrierError(
      'bandwidth',
      `${action} for ${number}: the Bandwidth adapter handles North American numbers (+1 and 10 digits) only; move this number to another carrier in the plan`,
      { retryable: false },
    );
  }
  return match[1];
}

/** The 10-digit CallForward of a request; throws CarrierError for a mode or destination Bandwidth cannot take. */
export function forwardTarget(request: ForwardRequest): string {
  if (request.mode !== 'always') {
    throw new CarrierError(
      'bandwidth',
      `forward for ${request.number}: Bandwidth CallForward is unconditional, so mode "${request.mode}" is not supported; use mode always`,
      { retryable: false },
    );
  }
  const match = NANP_E164.exec(request.destination);
  if (!match) {
    throw new CarrierError(
      'bandwidth',
      `forward for ${request.number}: Bandwidth CallForward takes a North American number, not "${request.destination}"; use a +1 destination`,
      { retryable: false },
    );
  }
  return match[1];
}
