/**
 * Bandwidth TN option orders: one asynchronous order sets options (CallForward, the TN's
 * origination route plan) for the numbers of each TnOptionGroup. The order is polled with
 * GetTnOptionOrder until COMPLETE, PARTIAL or FAILED; per-number failures come in its ErrorList
 * (Bandwidth accepts an order that would leave a TN with both a route plan and CallForward and
 * reports it there).
 */
import { CarrierError } from '../../contracts/errors';
import type { BandwidthApi, XmlDocument } from './bandwidth-api';
import { type BandwidthRoute, routePlanElement } from './bandwidth-route-plan';
import { type CarrierHttpRequest, malformedResponse } from './carrier-http';

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
    const create = this.api.write(
      'CreateTnOptionOrder',
      subject,
      'POST',
      `${this.api.accountUrl}/tnoptions`,
      {
        TnOptionOrder: {
          CustomerOrderId: 'carrier-failover',
          TnOptionGroups: { TnOptionGroup: groups.map(groupElement) },
        },
      },
    );
    let order = orderOf(await this.api.send(create), create);
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
