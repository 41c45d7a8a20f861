/**
 * A local Bandwidth Dashboard API (XML) for tests and the drill: telephone numbers on SIP peers,
 * TN option orders that finish after a few polls (with per-number ErrorList entries), Basic auth,
 * `X-RateLimit-Reset` on 429, and every request checked against
 * lib/developer/carrier-fakes/contracts/bandwidth-contract.json.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { type ContractOperation, ContractValidator, type JsonSchema } from './contract-validator';
import contract from './contracts/bandwidth-contract.json';
import {
  type FakeCarrierOptions,
  FakeCarrierServer,
  type FakeRequest,
  type FakeResponse,
} from './fake-carrier-server';

/** A telephone number's state at the fake Bandwidth. */
export interface BandwidthFakeNumberState {
  /** 10 digits. */
  tn: string;
  siteId: string;
  sipPeerId: string;
  /** 10-digit forward target, or null. */
  callForward: string | null;
}

/** A number to seed (E.164 +1...); unset fields get site 479, peer 500014, no forwarding. */
export interface BandwidthFakeNumber {
  phoneNumber: string;
  siteId?: string;
  sipPeerId?: string;
  callForward?: string | null;
}

/** Bandwidth fake options. */
export interface BandwidthFakeOptions extends FakeCarrierOptions {
  /** @default 9900001 */
  readonly accountId?: string;
  /** @default api-user */
  readonly username?: string;
  /** @default api-password */
  readonly password?: string;
  /** GetTnOptionOrder calls before an order finishes. @default 2 */
  readonly ordersCompleteAfterPolls?: number;
}

interface Order {
  id: string;
  groups: { callForward?: string; tns: string[] }[];
  polls: number;
  status: 'RECEIVED' | 'PROCESSING' | 'COMPLETE' | 'PARTIAL' | 'FAILED';
  errors: { tn: string; code: string; description: string }[];
}

const parser = new XMLParser({
  parseTagValue: false,
  isArray: (name) => ['TnOptionGroup', 'TelephoneNumber'].includes(name),
});
const builder = new XMLBuilder({});
const DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';

/** The fake Bandwidth. Give adapters `baseUrl` (ends in /api/v1), accountId, username, password. */
export class BandwidthFake extends FakeCarrierServer {
  readonly accountId: string;
  readonly username: string;
  readonly password: string;
  private readonly validator = new ContractValidator(
    contract.operations as unknown as ContractOperation[],
    contract.definitions as Record<string, JsonSchema>,
  );
  private readonly numbers = new Map<string, BandwidthFakeNumberState>();
  private readonly orders = new Map<string, Order>();
  private readonly orderFailures = new Map<string, { code: string; description: string }>();

  constructor(private readonly bandwidthOptions: BandwidthFakeOptions = {}) {
    super(bandwidthOptions, '/api/v1');
    this.accountId = bandwidthOptions.accountId ?? '9900001';
    this.username = bandwidthOptions.username ?? 'api-user';
    this.password = bandwidthOptions.password ?? 'api-password';
  }

  /** Adds numbers (replacing any with the same number). */
  seedNumbers(numbers: BandwidthFakeNumber[]): void {
    for (const number of numbers) {
      const tn = number.phoneNumber.replace(/^\+1/, '');
      this.numbers.set(tn, {
        tn,
        siteId: number.siteId ?? '479',
        sipPeerId: number.sipPeerId ?? '500014',
        callForward: number.callForward ?? null,
      });
    }
  }

  /** A copy of the number's state (by E.164), or undefined when it is not on the account. */
  routingOf(phoneNumber: string): BandwidthFakeNumberState | undefined {
    const state = this.numbers.get(phoneNumber.replace(/^\+1/, ''));
    return state && { ...state };
  }

  /** Makes every later order fail this number (E.164) with an ErrorList entry. */
  failNumberInOrders(phoneNumber: string, error: { code?: string; description: string }): void {
    this.orderFailures.set(phoneNumber.replace(/^\+1/, ''), {
      code: error.code ?? '5095',
      description: error.description,
    });
  }

  protected rateLimited(retryAfterSeconds: number | undefined): FakeResponse {
    const headers: Record<string, string> = { 'Content-Type': 'application/xml' };
    if (retryAfterSeconds !== undefined) {
      headers['X-RateLimit-Reset'] = String(Math.ceil(this.now() / 1000) + retryAfterSeconds);
    }
    return { status: 429, headers, body: responseStatus('ErrorResponse', '429', 'Too many requests') };
  }

  protected serverError(status: number): FakeResponse {
    return xml(status, responseStatus('ErrorResponse', String(status), 'Internal server error'));
  }

  protected handle(request: FakeRequest): FakeResponse {
    const expected = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
    if (request.headers.authorization !== expected) {
      return { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="Bandwidth"' }, body: '' };
    }
    const matched = this.validator.match(request.method, request.path);
    if (!matched) {
      this.recordViolation(request, undefined, [`no Bandwidth operation ${request.method} ${request.path}`]);
      return xml(404, responseStatus('ErrorResponse', '404', 'The resource does not exist'));
    }
    const operation = matched.operation.operationId;
    let body: Record<string, unknown> | undefined;
    if (request.body !== '') {
      const valid = XMLValidator.validate(request.body);
      if (valid !== true) {
        this.recordViolation(request, operation, [`body: not well-formed XML (${valid.err.msg})`]);
        return { ...xml(400, responseStatus('TnOptionOrderResponse', '5000', 'Malformed XML')), operation };
      }
      body = parser.parse(request.body) as Record<string, unknown>;
    }
    const problems = this.validator.validate(matched, request.query, body, request.headers['content-type']);
    if (problems.length > 0) {
      this.recordViolation(request, operation, problems);
      return { ...xml(400, responseStatus('TnOptionOrderResponse', '5000', problems.join('; '))), operation };
    }
    if (matched.params.accountId !== undefined && matched.params.accountId !== this.accountId) {
      return { ...xml(403, responseStatus('ErrorResponse', '403', 'Access is denied')), operation };
    }
    return { ...this.route(operation, matched.params, body), operation };
  }

  private route(
    operation: string,
    params: Record<string, string>,
    body: Record<string, unknown> | undefined,
  ): FakeResponse {
    switch (operation) {
      case 'RetrieveTnDetails': {
        const state = this.numbers.get(params.tn);
        if (!state) {
          return xml(404, responseStatus('TelephoneNumberResponse', '13566', `TN ${params.tn} is not found`));
        }
        return xml(
          200,
          build({
            TelephoneNumberResponse: {
              TelephoneNumberDetails: {
                FullNumber: state.tn,
                Status: 'Inservice',
                AccountId: this.accountId,
                Site: { Id: state.siteId, Name: `site-${state.siteId}` },
                SipPeer: { PeerId: state.sipPeerId, PeerName: `peer-${state.sipPeerId}` },
                ServiceTypes: { ServiceType: 'Voice' },
              },
            },
          }),
        );
      }
      case 'ReadSipPeerTn': {
        const state = this.numbers.get(params.tn);
        if (!state || state.siteId !== params.siteId || state.sipPeerId !== params.sippeerId) {
          return xml(
            404,
            responseStatus(
              'SipPeerTelephoneNumberResponse',
              '13566',
              `TN ${params.tn} is not on this SIP peer`,
            ),
          );
        }
        return xml(
          200,
          build({
            SipPeerTelephoneNumberResponse: {
              SipPeerTelephoneNumber: {
                FullNumber: state.tn,
                ...(state.callForward ? { CallForward: state.callForward } : {}),
                CallingNameDisplay: 'true',
              },
            },
          }),
        );
      }
      case 'CreateTnOptionOrder':
        return this.createOrder(body!);
      case 'GetTnOptionOrder':
        return this.pollOrder(params.orderId);
      default:
        return xml(404, responseStatus('ErrorResponse', '404', 'The resource does not exist'));
    }
  }

  private createOrder(body: Record<string, unknown>): FakeResponse {
    const order = body.TnOptionOrder as { TnOptionGroups: { TnOptionGroup: Record<string, unknown>[] } };
    const id = `ddbdc72e-dc27-490c-904e-${String(this.orders.size + 1).padStart(12, '0')}`;
    const created: Order = {
      id,
      groups: order.TnOptionGroups.TnOptionGroup.map((group) => ({
        callForward: group.CallForward as string | undefined,
        tns: (group.TelephoneNumbers as { TelephoneNumber: string[] }).TelephoneNumber,
      })),
      polls: 0,
      status: 'RECEIVED',
      errors: [],
    };
    this.orders.set(id, created);
    return {
      status: 201,
      headers: {
        'Content-Type': 'application/xml',
        Location: `${this.baseUrl}/accounts/${this.accountId}/tnoptions/${id}`,
      },
      body: build({ TnOptionOrderResponse: { TnOptionOrder: this.orderView(created) } }),
    };
  }

  private pollOrder(id: string): FakeResponse {
    const order = this.orders.get(id);
    if (!order) {
      return xml(
        404,
        responseStatus('TnOptionOrderReportResponse', undefined, 'The resource does not exist'),
      );
    }
    order.polls += 1;
    if (order.status !== 'COMPLETE' && order.status !== 'PARTIAL' && order.status !== 'FAILED') {
      if (order.polls < (this.bandwidthOptions.ordersCompleteAfterPolls ?? 2)) {
        order.status = 'PROCESSING';
        return xml(200, build({ TnOptionOrder: this.orderView(order) }));
      }
      const applied: string[] = [];
      for (const group of order.groups) {
        for (const tn of group.tns) {
          const state = this.numbers.get(tn);
          const failure = this.orderFailures.get(tn);
          if (!state) {
            order.errors.push({
              tn,
              code: '5076',
              description: `Telephone number ${tn} is not on this account`,
            });
          } else if (failure) {
            order.errors.push({ tn, ...failure });
          } else {
            if (group.callForward !== undefined && group.callForward !== 'unchanged') {
              state.callForward = group.callForward === 'systemDefault' ? null : group.callForward;
            }
            applied.push(`+1${tn}`);
          }
        }
      }
      order.status = order.errors.length === 0 ? 'COMPLETE' : applied.length === 0 ? 'FAILED' : 'PARTIAL';
      return { ...xml(200, build({ TnOptionOrder: this.orderView(order) })), applied };
    }
    return xml(200, build({ TnOptionOrder: this.orderView(order) }));
  }

  private orderView(order: Order): Record<string, unknown> {
    return {
      AccountId: this.accountId,
      OrderId: order.id,
      CustomerOrderId: 'carrier-failover',
      ProcessingStatus: order.status,
      TnOptionGroups: {
        TnOptionGroup: order.groups.map((group) => ({
          ...(group.callForward ? { CallForward: group.callForward } : {}),
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

function build(document: Record<string, unknown>): string {
  return `${DECLARATION}${builder.build(document)}`;
}

function xml(status: number, body: string): FakeResponse {
  return { status, headers: { 'Content-Type': 'application/xml' }, body };
}

function responseStatus(root: string, code: string | undefined, description: string): string {
  return build({
    [root]: { ResponseStatus: { ...(code ? { ErrorCode: code } : {}), Description: description } },
  });
}
