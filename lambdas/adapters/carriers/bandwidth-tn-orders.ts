/**
 * Bandwidth TN option orders: one asynchronous order sets options (CallForward, the TN's
 * origination route plan) for the numbers of each TnOptionGroup. The order is polled with
 * GetTnOptionOrder until COMPLETE, PARTIAL or FAILED; per-number failures come in its ErrorList
 * (Bandwidth accepts an order that would leave a TN with both a route plan and CallForward and
 * reports it there).
 *
 * Each order carries a CustomerOrderId of its own, so a create whose answer was lost (no answer, a
 * 5xx, an unreadable body) is looked for with GetTnOptionOrders before it is sent again: an order
 * Bandwidth queued is polled, not created twice (`lostOrders: read-back` throws instead).
 */
import { randomBytes } from 'node:crypto';
import { CarrierError } from '../../contracts/errors';
import type { BandwidthApi, XmlDocument } from './bandwidth-api';
import { type BandwidthRoute, routePlanElement } from './bandwidth-route-plan';
import { type CarrierHttpRequest, malformedResponse } from './carrier-http';
import { createOnce } from './create-once';

const FINISHED = new Set(['COMPLETE', 'PARTIAL', 'FAILED']);

/** The options set for a group of numbers; an option left undefined stays unchanged. */
export interface OptionGroup {
  /** A 10-digit number, or `systemDefault` to remove the forwarding. */
  callForward?: string;
  /** The TN route plan to set; null removes it (Action `off`). */
  routePlan?: readonly BandwidthRoute[] | null;
  /** 10-digit TNs. */
  numbers: string[];
}

/** How orders are polled. */
export interface TnOrderPolling {
  readonly pollIntervalMs: number;
  readonly pollTimeoutMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** After a create whose answer was lost, search for the order (else the error is thrown). */
  readonly searchLostOrders: boolean;
}

interface OrderState {
  id: string;
  status: string;
  errors: { tn: string; code?: string; description: string }[];
}

/** Creates TN option orders and waits for their result. */
export class TnOptionOrders {
  constructor(
    private readonly api: BandwidthApi,
    private readonly polling: TnOrderPolling,
  ) {}

  /** Creates one order and polls it to the end; returns each TN's error, or null when it was set. */
  async run(groups: readonly OptionGroup[]): Promise<Map<string, Error | null>> {
    const numbers = groups.flatMap((group) => group.numbers);
    const subject = numbers.length === 1 ? numbers[0] : `${numbers.length} numbers`;
    let order = await this.create(groups, subject);
    let waited = 0;
    let askedToWait = 0;
    while (!FINISHED.has(order.status) && waited < this.polling.pollTimeoutMs) {
      const wait = Math.max(this.polling.pollIntervalMs, askedToWait);
      askedToWait = 0;
      await this.polling.sleep(wait);
      waited += wait;
      const poll = this.api.get(
        'GetTnOptionOrder',
        `order ${order.id}`,
        `${this.api.accountUrl}/tnoptions/${encodeURIComponent(order.id)}`,
      );
      try {
        order = orderOf(await this.api.send(poll), poll);
      } catch (error) {
        // The order is already queued: a transient poll failure only delays the next poll, since
        // creating the order again would apply the change twice.
        if (!(error instanceof CarrierError) || !error.retryable) {
          throw error;
        }
        askedToWait = error.retryAfterMs ?? 0;
      }
    }
    return new Map(numbers.map((tn) => [tn, resultOf(order, tn, waited)]));
  }

  /**
   * Creates the order, trying again after a transient failure; after one whose answer was lost,
   * searches for the order by its CustomerOrderId first and takes the one found (polled from the
   * start, since only a poll gives its ErrorList).
   */
  private async create(groups: readonly OptionGroup[], subject: string): Promise<OrderState> {
    // 27 characters: CustomerOrderId takes 40 at most, alphanumerics and dashes.
    const customerOrderId = `cf-${randomBytes(12).toString('hex')}`;
    const create = this.api.write(
      'CreateTnOptionOrder',
      subject,
      'POST',
      `${this.api.accountUrl}/tnoptions`,
      {
        TnOptionOrder: {
          CustomerOrderId: customerOrderId,
          TnOptionGroups: { TnOptionGroup: groups.map(groupElement) },
        },
      },
    );
    return createOnce<OrderState>({
      carrier: 'bandwidth',
      what: { operation: 'CreateTnOptionOrder', subject, created: 'order' },
      create: async () => orderOf(await this.api.send(create), create),
      find: this.polling.searchLostOrders
        ? async () => {
            const id = await this.find(customerOrderId, subject);
            // Polled from the start: only a poll gives the order's ErrorList.
            return id === undefined ? undefined : { id, status: 'RECEIVED', errors: [] };
          }
        : undefined,
      waitMs: this.polling.pollIntervalMs,
      sleep: this.polling.sleep,
    });
  }

  /**
   * The id of the order created with `customerOrderId`, or undefined when there is none. The
   * spec documents no answer for a search that finds nothing (docs silent): a 200 without a
   * TnOptionOrderSummary and a 404 both read as none.
   */
  private async find(customerOrderId: string, subject: string): Promise<string | undefined> {
    const query = new URLSearchParams({ customerOrderId });
    const search = this.api.get('GetTnOptionOrders', subject, `${this.api.accountUrl}/tnoptions?${query}`);
    let body: XmlDocument;
    try {
      body = await this.api.send(search);
    } catch (error) {
      if (error instanceof CarrierError && error.status === 404) return undefined;
      throw error;
    }
    const report = body.TnOptionOrderReportResponse as XmlDocument | undefined;
    // The schema puts the summaries in the report, its example inside TnOptionOrders: take either.
    const listed = (report?.TnOptionOrders as XmlDocument | undefined) ?? report;
    const summaries = ((listed?.TnOptionOrderSummary as XmlDocument[] | undefined) ?? []).filter(
      (summary) => summary.CustomerOrderId === undefined || summary.CustomerOrderId === customerOrderId,
    );
    if (summaries.length > 1 || (summaries.length === 1 && typeof summaries[0].OrderId !== 'string')) {
      throw malformedResponse('bandwidth', search, `no single order with CustomerOrderId ${customerOrderId}`);
    }
    return summaries[0]?.OrderId as string | undefined;
  }
}

/** Throws the first failure of a one-number order's result. */
export function throwIfFailed(number: string, results: Map<string, Error | null>): void {
  const error = [...results.values()].find((result): result is Error => result !== null);
  if (error) {
    throw error;
  }
  if (results.size === 0) {
    throw new CarrierError('bandwidth', `no result for ${number}`, { retryable: true });
  }
}

function groupElement(group: OptionGroup): XmlDocument {
  return {
    ...(group.callForward === undefined ? {} : { CallForward: group.callForward }),
    ...(group.routePlan === undefined ? {} : { OriginationRoutePlan: routePlanElement(group.routePlan) }),
    TelephoneNumbers: { TelephoneNumber: group.numbers },
  };
}

function resultOf(order: OrderState, tn: string, waited: number): Error | null {
  const failure = order.errors.find((error) => error.tn === tn);
  if (failure) {
    return new CarrierError(
      'bandwidth',
      `TN option order ${order.id} failed for ${tn}: ${failure.description}; fix the number at Bandwidth or forward it another way`,
      { retryable: false, code: failure.code },
    );
  }
  if (order.status === 'COMPLETE' || order.status === 'PARTIAL') {
    return null;
  }
  const state = FINISHED.has(order.status)
    ? `ended ${order.status}`
    : `still ${order.status} after ${waited} ms`;
  return new CarrierError(
    'bandwidth',
    `TN option order ${order.id} ${state} without a result for ${tn}; retry (applying it twice is harmless)`,
    { retryable: true },
  );
}

function orderOf(body: XmlDocument, request: CarrierHttpRequest): OrderState {
  // CreateTnOptionOrder wraps the order in TnOptionOrderResponse; GetTnOptionOrder returns it bare.
  const wrapped = body.TnOptionOrderResponse as XmlDocument | undefined;
  const order = (wrapped?.TnOptionOrder ?? body.TnOptionOrder) as XmlDocument | undefined;
  if (typeof order?.OrderId !== 'string' || typeof order.ProcessingStatus !== 'string') {
    throw malformedResponse('bandwidth', request, 'no TnOptionOrder with OrderId and ProcessingStatus');
  }
  const errorList = order.ErrorList as { Error?: XmlDocument[] } | string | undefined;
  const errors = (typeof errorList === 'object' ? (errorList.Error ?? []) : []).flatMap((error) => {
    const tns = [
      ...(typeof error.TelephoneNumber === 'string' ? [error.TelephoneNumber] : []),
      ...(Array.isArray(error.TelephoneNumber) ? (error.TelephoneNumber as unknown[]) : []),
      ...((error.TelephoneNumbers as { TelephoneNumber?: unknown[] } | undefined)?.TelephoneNumber ?? []),
    ].filter((tn): tn is string => typeof tn === 'string');
    return tns.map((tn) => ({
      tn: tn.trim(),
      code: typeof error.Code === 'string' ? error.Code : undefined,
      description: typeof error.Description === 'string' ? error.Description : 'no description',
    }));
  });
  return { id: order.OrderId, status: order.ProcessingStatus.trim().toUpperCase(), errors };
}
