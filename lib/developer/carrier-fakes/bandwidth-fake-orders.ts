/**
 * The fake's TN option orders: created RECEIVED, PROCESSING while polled, then applied on the
 * poll that finishes them. Each TN's failure goes to the ErrorList (not on the account, a failure
 * a test asked for, a refused route plan, or a route plan and a CallForward together, which the
 * spec says cannot co-exist and reports on GET).
 */
import {
  applyRoutePlan,
  type BandwidthFakeModel,
  build,
  type RoutePlanChange,
  responseStatus,
  routePlanChange,
  routePlanProblem,
  xml,
} from './bandwidth-fake-model';
import type { FakeResponse } from './fake-carrier-server';

/**
 * The fake's code for a TN left with both a route plan and a CallForward: the spec documents the
 * rule but no code, so adapters must not rely on this one.
 */
export const ROUTE_PLAN_CONFLICT_CODE = '5299';

interface OrderGroup {
  callForward?: string;
  routePlan: RoutePlanChange;
  routePlanElement?: unknown;
  tns: string[];
}

interface Order {
  id: string;
  customerOrderId?: string;
  groups: OrderGroup[];
  polls: number;
  status: 'RECEIVED' | 'PROCESSING' | 'COMPLETE' | 'PARTIAL' | 'FAILED';
  errors: { tn: string; code: string; description: string }[];
}

/** TN option orders over the fake's model. */
export class FakeTnOptionOrders {
  private readonly orders = new Map<string, Order>();
  /** Failures every later order gives a TN (10 digits), set by tests. */
  readonly failures = new Map<string, { code: string; description: string }>();

  constructor(
    private readonly model: BandwidthFakeModel,
    private readonly completeAfterPolls: number,
    private readonly orderUrl: (id: string) => string,
  ) {}

  /** CreateTnOptionOrder. */
  create(body: Record<string, unknown>): FakeResponse {
    const order = body.TnOptionOrder as {
      CustomerOrderId?: string;
      TnOptionGroups: { TnOptionGroup: Record<string, unknown>[] };
    };
    const id = `ddbdc72e-dc27-490c-904e-${String(this.orders.size + 1).padStart(12, '0')}`;
    const created: Order = {
      id,
      customerOrderId: order.CustomerOrderId,
      groups: order.TnOptionGroups.TnOptionGroup.map((group) => ({
        callForward: group.CallForward as string | undefined,
        routePlan: routePlanChange(group.OriginationRoutePlan),
        routePlanElement: group.OriginationRoutePlan,
        tns: (group.TelephoneNumbers as { TelephoneNumber: string[] }).TelephoneNumber,
      })),
      polls: 0,
      status: 'RECEIVED',
      errors: [],
    };
    this.orders.set(id, created);
    return {
      status: 201,
      headers: { 'Content-Type': 'application/xml', Location: this.orderUrl(id) },
      body: build({ TnOptionOrderResponse: { TnOptionOrder: this.view(created) } }),
    };
  }

  /**
   * GetTnOptionOrders filtered by `customerOrderId` (the one filter the adapter uses), as the
   * spec's summary schema has it. The spec documents no answer for a search that finds nothing:
   * the fake answers 200 with a TotalCount of 0.
   */
  search(query: Record<string, string>): FakeResponse {
    const found = [...this.orders.values()].filter(
      (order) => query.customerOrderId === undefined || order.customerOrderId === query.customerOrderId,
    );
    return xml(
      200,
      build({
        TnOptionOrderReportResponse: {
          TotalCount: found.length,
          ...(found.length === 0
            ? {}
            : {
                TnOptionOrderSummary: found.map((order) => ({
                  accountId: this.model.accountId,
                  CountOfTNs: order.groups.reduce((sum, group) => sum + group.tns.length, 0),
                  ...(order.customerOrderId === undefined ? {} : { CustomerOrderId: order.customerOrderId }),
                  OrderType: 'tn_option',
                  OrderStatus: order.status,
                  OrderId: order.id,
                })),
              }),
        },
      }),
    );
  }

  /** GetTnOptionOrder: the poll that finishes the order applies it. */
  poll(id: string): FakeResponse {
    const order = this.orders.get(id);
    if (!order) {
      return xml(
        404,
        responseStatus('TnOptionOrderReportResponse', undefined, 'The resource does not exist'),
      );
    }
    order.polls += 1;
    if (order.status === 'COMPLETE' || order.status === 'PARTIAL' || order.status === 'FAILED') {
      return xml(200, build({ TnOptionOrder: this.view(order) }));
    }
    if (order.polls < this.completeAfterPolls) {
      order.status = 'PROCESSING';
      return xml(200, build({ TnOptionOrder: this.view(order) }));
    }
    const applied: string[] = [];
    for (const group of order.groups) {
      for (const tn of group.tns) {
        const error = this.apply(group, tn);
        if (error) {
          order.errors.push({ tn, ...error });
        } else {
          applied.push(`+1${tn}`);
        }
      }
    }
    order.status = order.errors.length === 0 ? 'COMPLETE' : applied.length === 0 ? 'FAILED' : 'PARTIAL';
    return { ...xml(200, build({ TnOptionOrder: this.view(order) })), applied };
  }

  private apply(group: OrderGroup, tn: string): { code: string; description: string } | undefined {
    const state = this.model.numbers.get(tn);
    if (!state) {
      return { code: '5076', description: `Telephone number ${tn} is not on this account` };
    }
    const failure = this.failures.get(tn);
    if (failure) {
      return failure;
    }
    const callForward =
      group.callForward === undefined || group.callForward === 'unchanged'
        ? state.callForward
        : group.callForward === 'systemDefault'
          ? null
          : group.callForward;
    if (group.routePlan.action === 'asSpecified') {
      const problem = routePlanProblem(group.routePlan.routes);
      if (problem) return problem;
    }
    const routePlan = applyRoutePlan(state.originationRoutePlan, group.routePlan);
    if (callForward !== null && routePlan !== null) {
      return {
        code: ROUTE_PLAN_CONFLICT_CODE,
        description: `Telephone number ${tn} cannot have both an origination route plan and a CallForward`,
      };
    }
    state.callForward = callForward;
    state.originationRoutePlan = routePlan;
    return undefined;
  }

  private view(order: Order): Record<string, unknown> {
    return {
      AccountId: this.model.accountId,
      OrderId: order.id,
      ...(order.customerOrderId === undefined ? {} : { CustomerOrderId: order.customerOrderId }),
      ProcessingStatus: order.status,
      TnOptionGroups: {
        TnOptionGroup: order.groups.map((group) => ({
          ...(group.callForward ? { CallForward: group.callForward } : {}),
          ...(group.routePlanElement === undefined ? {} : { OriginationRoutePlan: group.routePlanElement }),
          TelephoneNumbers: { TelephoneNumber: group.tns },
        })),
      },
      ErrorList:
        order.errors.length === 0
          ? ''
          : {
              Error: order.errors.map((error) => ({
                Code: error.code,
                Description: error.description,
                TelephoneNumber: error.tn,
              })),
            },
    };
  }
}
