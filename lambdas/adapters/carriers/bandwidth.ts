/**
 * Bandwidth Dashboard API (XML) adapter. A number is forwarded with `CallForward` (a 10-digit
 * number): for one number, UpdateSipPeerTnSettings sets it and answers at once; many numbers go in
 * an asynchronous TN option order (`systemDefault` removes it), polled until it ends.
 *
 * A TN with an origination route plan of its own cannot also have a CallForward (the spec:
 * "cannot co-exist"; the order is accepted and fails the TN), so such a TN is forwarded by
 * replacing its route plan with one route to the destination, and restored by putting its plan
 * back. Its snapshot keeps the route plan as well as the CallForward.
 *
 * Limits that follow from the API: `CallForward` is unconditional and takes a North American
 * 10-digit number, so only `always` mode to +1 numbers is supported (other requests fail, not
 * retryable, before anything is sent). Per-call failover is armed on the SIP peer instead
 * (`routes`, bandwidth-routes.ts). Many numbers' routing is read in SIP peer TN pages
 * (`routingPages`, bandwidth-routing-pages.ts).
 */
import { CarrierError } from '../../contracts/errors';
import type { BulkItemOutcome, Carrier, ForwardRequest, RoutingSnapshot } from '../../ports/carriers';
import { BandwidthApi, type BandwidthApiOptions } from './bandwidth-api';
import { numberPlan } from './bandwidth-route-plan';
import { BandwidthRoutes, type BandwidthRoutesOptions } from './bandwidth-routes';
import { BandwidthRoutingPages } from './bandwidth-routing-pages';
import { type BandwidthRoutingSettings, bandwidthSnapshotOf } from './bandwidth-snapshot';
import { type OptionGroup, TnOptionOrders, throwIfFailed } from './bandwidth-tn-orders';
import { readCallForward, retrieveTnDetails, type TnDetails, updateCallForward } from './bandwidth-tns';

export type { BandwidthRoutingSettings } from './bandwidth-snapshot';

/**
 * Default numbers a TN option order carries. Bandwidth documents no maximum for TN option orders
 * (docs silent); 5,000 is what its other TN-list calls document (`movetns`, import orders).
 */
export const BANDWIDTH_BULK_LIMIT = 5000;
/** Default TN option orders in flight at once: Bandwidth documents no pending-order limit (docs silent). */
export const BANDWIDTH_BULK_IN_FLIGHT = 5;
/** RetrieveTnDetails and ReadSipPeerTn. */
const REQUESTS_PER_READ = 2;
const NANP_E164 = /^\+1([2-9]\d{2}[2-9]\d{6})$/;

/** How to reach Bandwidth, and how it is written to. */
export interface BandwidthCarrierOptions extends BandwidthApiOptions, BandwidthRoutesOptions {
  /** Wait between polls of an order. @default 2000 */
  readonly pollIntervalMs?: number;
  /** Give up waiting for an order after this long; unfinished numbers are reported retryable. @default 240000 */
  readonly pollTimeoutMs?: number;
  /** How polling waits (tests pass a no-op or a fake clock's sleep). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * How one number's CallForward is set: `sip-peer-tn` (UpdateSipPeerTnSettings, answered at
   * once) or `tn-option-order` (an order, polled). Removing a CallForward always takes an order:
   * the per-TN update documents no value that removes it.
   * @default sip-peer-tn
   */
  readonly singleNumberWrite?: 'sip-peer-tn' | 'tn-option-order';
  /**
   * What forwarding does to a TN with its own origination route plan: `replace-route-plan` (one
   * route to the destination, put back on restore) or `refuse` (fails, not retryable, naming why).
   * Accounts without TN endpoints in route plans (error 5253) need `refuse`.
   * @default replace-route-plan
   */
  readonly routePlanNumbers?: 'replace-route-plan' | 'refuse';
  /**
   * Most numbers one TN option order carries; `forwardMany` splits larger requests. Bandwidth
   * documents no maximum (docs silent). @default 5000
   */
  readonly bulkLimit?: number;
  /** TN option orders the engine keeps in flight at once; Bandwidth documents no limit (docs silent). @default 5 */
  readonly bulkInFlight?: number;
  /**
   * Whether a TN on the account may have an origination route plan of its own, which the SIP peer
   * TN lists do not show. `none` is the operator's word that none has: the lists' readings are then
   * complete for TNs without a CallForward too, and the route coverage looks no TN up
   * (`checkNumberRoutePlans` defaults to false). readRouting still reads each TN's details.
   * @default possible
   */
  readonly numberRoutePlans?: 'possible' | 'none';
  /**
   * What follows an order create whose answer was lost: `search` looks for the order by its
   * CustomerOrderId (the spec is silent on what a search that finds nothing answers), `read-back`
   * throws the error, so the engine reads each number back before writing it again.
   * @default search
   */
  readonly lostOrders?: 'search' | 'read-back';
}

/** Bandwidth implementation of the Carrier port. */
export class BandwidthCarrier implements Carrier {
  readonly name = 'bandwidth' as const;
  /** CallForward is unconditional: the forwarding on failure is the SIP peer's route plan (`routes`). */
  readonly forwardModes = ['always'] as const;
  readonly bulkLimit: number;
  readonly bulkInFlight: number;
  /** CreateTnOptionOrder and one GetTnOptionOrder. */
  readonly requestsPerBulkCall = 2;
  /** UpdateSipPeerTnSettings, or an order (create and a poll) when configured so. */
  readonly requestsPerForward: number;
  readonly requestsPerRead = REQUESTS_PER_READ;
  /** The SIP peer TN lists (bandwidth-routing-pages.ts). */
  readonly routingPages: BandwidthRoutingPages;
  /** The SIP peer's route plan armed ahead, and the switch of a whole SIP peer. */
  readonly routes: BandwidthRoutes;

  private readonly api: BandwidthApi;
  private readonly orders: TnOptionOrders;
  private readonly singleNumberWrite: 'sip-peer-tn' | 'tn-option-order';
  private readonly refuseRoutePlanNumbers: boolean;
  /** What the last read of each TN found (its SIP peer and whether it has a route plan). */
  private readonly known = new Map<string, TnDetails>();

  constructor(options: BandwidthCarrierOptions) {
    this.bulkLimit = positiveInteger(options, 'bulkLimit', BANDWIDTH_BULK_LIMIT);
    this.bulkInFlight = positiveInteger(options, 'bulkInFlight', BANDWIDTH_BULK_IN_FLIGHT);
    const pageSize = positiveInteger(options, 'sipPeerTnsPageSize', 5000);
    this.api = new BandwidthApi(options);
    this.orders = new TnOptionOrders(this.api, {
      pollIntervalMs: options.pollIntervalMs ?? 2000,
      pollTimeoutMs: options.pollTimeoutMs ?? 240_000,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      searchLostOrders: options.lostOrders !== 'read-back',
    });
    this.singleNumberWrite = options.singleNumberWrite ?? 'sip-peer-tn';
    this.requestsPerForward = this.singleNumberWrite === 'sip-peer-tn' ? 1 : this.requestsPerBulkCall;
    this.refuseRoutePlanNumbers = options.routePlanNumbers === 'refuse';
    const noNumberRoutePlans = options.numberRoutePlans === 'none';
    const routesOptions = {
      ...options,
      checkNumberRoutePlans: options.checkNumberRoutePlans ?? !noNumberRoutePlans,
    };
    this.routes = new BandwidthRoutes(this.api, routesOptions, this.known);
    this.routingPages = new BandwidthRoutingPages(this.api, this.known, {
      pageSize,
      requestsPerRead: REQUESTS_PER_READ,
      noNumberRoutePlans,
    });
  }

  /** Reads the TN's SIP peer and route plan (RetrieveTnDetails), then its CallForward (ReadSipPeerTn). */
  async readRouting(number: string): Promise<RoutingSnapshot> {
    const tn = tenDigits(number, 'read');
    const details = await this.lookUp(number, tn);
    const callForward = await readCallForward(this.api, number, tn, details);
    return bandwidthSnapshotOf(number, {
      tn,
      siteId: details.siteId,
      sipPeerId: details.sipPeerId,
      callForward,
      originationRoutePlan: details.routePlan,
    });
  }

  /**
   * Forwards one number: CallForward with UpdateSipPeerTnSettings (an order when that answers 409,
   * as the spec advises), or, for a TN with its own route plan, a route plan to the destination.
   */
  async forward(request: ForwardRequest): Promise<void> {
    const tn = tenDigits(request.number, 'forward');
    const target = forwardTarget(request);
    const details = this.known.get(tn) ?? (await this.lookUp(request.number, tn));
    if (details.routePlan !== null) {
      await this.writeRoutePlan(request.number, [this.routePlanGroup(request.number, tn, target)]);
      return;
    }
    await this.setCallForward(request.number, tn, details, target);
  }

  /** Puts back the snapshot's route plan, or its CallForward (`systemDefault` when it had none). */
  async restore(snapshot: RoutingSnapshot): Promise<void> {
    const settings = snapshot.settings as Partial<BandwidthRoutingSettings>;
    if (snapshot.carrier !== 'bandwidth' || typeof settings.tn !== 'string') {
      throw new CarrierError(
        'bandwidth',
        `restore for ${snapshot.number} got a ${snapshot.carrier} snapshot without a tn; restore it with the adapter that took it`,
        { retryable: false },
      );
    }
    const { tn } = settings;
    const routePlan = settings.originationRoutePlan ?? null;
    if (routePlan !== null) {
      // CallForward is left out (unchanged): it cannot co-exist with the plan, so it had none.
      await this.writeRoutePlan(snapshot.number, [{ routePlan, numbers: [tn] }]);
      return;
    }
    if (
      settings.callForward &&
      typeof settings.siteId === 'string' &&
      typeof settings.sipPeerId === 'string'
    ) {
      await this.setCallForward(
        snapshot.number,
        tn,
        { siteId: settings.siteId, sipPeerId: settings.sipPeerId, routePlan: null },
        settings.callForward,
      );
      return;
    }
    const group = { callForward: settings.callForward ?? 'systemDefault', numbers: [tn] };
    throwIfFailed(snapshot.number, await this.orders.run([group]));
  }

  /**
   * Forwards up to `bulkLimit` numbers an order (more are split into several orders, one after
   * the other: the engine runs up to `bulkInFlight` calls at once), one TnOptionGroup per
   * destination: CallForward, or a route plan for TNs with one. When the first order cannot be
   * created nothing was sent, so the error is thrown; a later order's failure fails only its numbers.
   */
  async forwardMany(requests: ForwardRequest[]): Promise<BulkItemOutcome[]> {
    const outcomes = new Map<string, BulkItemOutcome>();
    const valid: { request: ForwardRequest; tn: string; target: string; routePlan: boolean }[] = [];
    for (const request of requests) {
      try {
        const tn = tenDigits(request.number, 'forward');
        const target = forwardTarget(request);
        const details = this.known.get(tn) ?? (await this.lookUp(request.number, tn));
        if (details.routePlan !== null) this.routePlanGroup(request.number, tn, target);
        valid.push({ request, tn, target, routePlan: details.routePlan !== null });
      } catch (error) {
        outcomes.set(request.number, { number: request.number, ok: false, error: error as Error });
      }
    }
    let submitted = false;
    for (let start = 0; start < valid.length; start += this.bulkLimit) {
      const batch = valid.slice(start, start + this.bulkLimit);
      const groups = new Map<string, OptionGroup>();
      for (const { tn, target, routePlan } of batch) {
        const key = `${routePlan ? 'plan' : 'forward'}:${target}`;
        const group =
          groups.get(key) ??
          (routePlan ? { routePlan: numberPlan(target), numbers: [] } : { callForward: target, numbers: [] });
        group.numbers.push(tn);
        groups.set(key, group);
      }
      try {
        const results = await this.orders
          .run([...groups.values()])
          .finally(() => this.forgetRoutePlans([...groups.values()]));
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

  private async lookUp(number: string, tn: string): Promise<TnDetails> {
    const details = await retrieveTnDetails(this.api, number, tn);
    this.known.set(tn, details);
    return details;
  }

  /** Runs an order setting TNs' route plans; throws the number's error when it failed. */
  private async writeRoutePlan(number: string, groups: OptionGroup[]): Promise<void> {
    try {
      throwIfFailed(number, await this.orders.run(groups));
    } finally {
      this.forgetRoutePlans(groups);
    }
  }

  /**
   * Drops what is known of TNs whose route plan an order set (or may have set): the route plan
   * known is no longer theirs, and a page that cannot show it must not be taken as complete.
   */
  private forgetRoutePlans(groups: readonly OptionGroup[]): void {
    for (const group of groups) {
      if (group.routePlan !== undefined) {
        for (const tn of group.numbers) this.known.delete(tn);
      }
    }
  }

  /** The order group that forwards a route-plan TN; throws when such TNs are to be refused. */
  private routePlanGroup(number: string, tn: string, target: string): OptionGroup {
    if (this.refuseRoutePlanNumbers) {
      throw new CarrierError(
        'bandwidth',
        `forward for ${number}: the TN has its own origination route plan, which cannot co-exist with a CallForward; forward it by its route plan at Bandwidth or set routePlanNumbers: replace-route-plan`,
        { retryable: false },
      );
    }
    return { routePlan: numberPlan(target), numbers: [tn] };
  }

  /** Sets the TN's CallForward, synchronously unless configured otherwise. */
  private async setCallForward(
    number: string,
    tn: string,
    at: TnDetails,
    callForward: string,
  ): Promise<void> {
    if (this.singleNumberWrite === 'tn-option-order') {
      throwIfFailed(number, await this.orders.run([{ callForward, numbers: [tn] }]));
      return;
    }
    try {
      await updateCallForward(this.api, number, tn, at, callForward);
    } catch (error) {
      if (!(error instanceof CarrierError) || error.retryable || error.status === undefined) {
        throw error;
      }
      if (error.status === 409) {
        // The spec's advice for this conflict: the TN options order.
        throwIfFailed(number, await this.orders.run([{ callForward, numbers: [tn] }]));
        return;
      }
      // Refused: the TN may have moved to another SIP peer or gained a route plan since it was
      // read. Read it again and go the right way if so; otherwise the refusal stands.
      this.known.delete(tn);
      const fresh = await this.lookUp(number, tn);
      if (fresh.routePlan !== null) {
        await this.writeRoutePlan(number, [this.routePlanGroup(number, tn, callForward)]);
      } else if (fresh.siteId !== at.siteId || fresh.sipPeerId !== at.sipPeerId) {
        await updateCallForward(this.api, number, tn, fresh, callForward);
      } else {
        throw error;
      }
    }
  }
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

/** `options[name]` when a positive integer, `fallback` when unset; throws naming the option otherwise. */
function positiveInteger(
  options: BandwidthCarrierOptions,
  name: 'bulkLimit' | 'bulkInFlight' | 'sipPeerTnsPageSize',
  fallback: number,
): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new CarrierError('bandwidth', `\`${name}\` must be a positive integer, got ${value}`, {
      retryable: false,
    });
  }
  return value;
}
