/**
 * A local Bandwidth Dashboard API (XML) for tests and the drill: telephone numbers on SIP peers
 * (CallForward, TN route plans), SIP peers with origination route plans, the account's sites
 * and SIP peers with their TN counts (bandwidth-fake-sites.ts), TN option orders that
 * finish after a few polls (with per-number ErrorList entries), the synchronous per-TN update,
 * `movetns`, Basic auth, `X-RateLimit-Reset` on 429, and every request checked against
 * lib/developer/carrier-fakes/contracts/bandwidth-contract.json. `routeCall` answers where a call
 * to a number goes from that state (bandwidth-fake-routing.ts).
 */
import { XMLValidator } from 'fast-xml-parser';
import type { SiteRoute } from '../../../lambdas/ports/carrier-routes';
import {
  type BandwidthFakeModel,
  type BandwidthFakeNumberState,
  type BandwidthFakeRoute,
  type BandwidthFakeSipPeerState,
  build,
  peerKey,
  requestParser,
  responseStatus,
  routePlanView,
  xml,
} from './bandwidth-fake-model';
import { FakeTnOptionOrders } from './bandwidth-fake-orders';
import { routeBandwidthCall } from './bandwidth-fake-routing';
import { FakeSipPeers } from './bandwidth-fake-sip-peers';
import { FakeSites } from './bandwidth-fake-sites';
import type { CallPath, RoutesCalls, TargetIsUp } from './call-routing';
import { type ContractOperation, ContractValidator, type JsonSchema } from './contract-validator';
import contract from './contracts/bandwidth-contract.json';
import {
  type FakeCarrierOptions,
  FakeCarrierServer,
  type FakeRequest,
  type FakeResponse,
} from './fake-carrier-server';

export type {
  BandwidthFakeNumberState,
  BandwidthFakeRoute,
  BandwidthFakeSipPeerState,
} from './bandwidth-fake-model';

/** A number to seed (E.164 +1...); unset fields get site 479, peer 500014, no forwarding, no route plan. */
export interface BandwidthFakeNumber {
  phoneNumber: string;
  siteId?: string;
  sipPeerId?: string;
  callForward?: string | null;
  originationRoutePlan?: BandwidthFakeRoute[] | null;
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

/** The fake Bandwidth. Give adapters `baseUrl` (ends in /api/v1), accountId, username, password. */
export class BandwidthFake extends FakeCarrierServer implements RoutesCalls {
  readonly accountId: string;
  readonly username: string;
  readonly password: string;
  private readonly validator = new ContractValidator(
    contract.operations as unknown as ContractOperation[],
    contract.definitions as Record<string, JsonSchema>,
  );
  private readonly model: BandwidthFakeModel;
  private readonly orders: FakeTnOptionOrders;
  private readonly sipPeers: FakeSipPeers;
  private readonly sites: FakeSites;

  constructor(bandwidthOptions: BandwidthFakeOptions = {}) {
    super(bandwidthOptions, '/api/v1');
    this.accountId = bandwidthOptions.accountId ?? '9900001';
    this.username = bandwidthOptions.username ?? 'api-user';
    this.password = bandwidthOptions.password ?? 'api-password';
    this.model = { accountId: this.accountId, numbers: new Map(), peers: new Map() };
    this.orders = new FakeTnOptionOrders(
      this.model,
      bandwidthOptions.ordersCompleteAfterPolls ?? 2,
      (id) => `${this.baseUrl}/accounts/${this.accountId}/tnoptions/${id}`,
    );
    this.sipPeers = new FakeSipPeers(this.model);
    this.sites = new FakeSites(this.model);
  }

  /** Adds numbers (replacing any with the same number), and their SIP peers when new (no route plan). */
  seedNumbers(numbers: BandwidthFakeNumber[]): void {
    for (const number of numbers) {
      const tn = number.phoneNumber.replace(/^\+1/, '');
      const state: BandwidthFakeNumberState = {
        tn,
        siteId: number.siteId ?? '479',
        sipPeerId: number.sipPeerId ?? '500014',
        callForward: number.callForward ?? null,
        originationRoutePlan: number.originationRoutePlan ?? null,
      };
      this.numbers().set(tn, state);
      if (!this.model.peers.has(peerKey(state.siteId, state.sipPeerId))) {
        this.seedSipPeer({ siteId: state.siteId, sipPeerId: state.sipPeerId, originationRoutePlan: null });
      }
    }
  }

  /** Adds or replaces a SIP peer. */
  seedSipPeer(peer: {
    siteId: string;
    sipPeerId: string;
    originationRoutePlan: BandwidthFakeRoute[] | null;
  }): void {
    this.model.peers.set(peerKey(peer.siteId, peer.sipPeerId), {
      ...peer,
      peerName: `peer${peer.sipPeerId}`.slice(0, 10),
      settings: {
        Description: `SIP peer ${peer.sipPeerId}`,
        IsDefaultPeer: 'false',
        CallingName: { Display: 'true', Enforced: 'false' },
      },
    });
  }

  /**
   * The provider's setup before an outage: the route's SIP peer with a route plan to
   * `route.primarySipUri` only (and the backup SIP peer, when the route names one, to
   * `route.backupSipUri`), the numbers on the SIP peer without settings of their own.
   */
  seedSiteRoute(route: SiteRoute, numbers: readonly string[]): void {
    const siteId = route.ids.bandwidthSiteId;
    const sipPeerId = route.ids.sipPeerId;
    this.seedSipPeer({
      siteId,
      sipPeerId,
      originationRoutePlan: [{ endpoint: route.primarySipUri, priority: 1, weight: 100 }],
    });
    if (route.ids.backupSipPeerId) {
      this.seedSipPeer({
        siteId,
        sipPeerId: route.ids.backupSipPeerId,
        originationRoutePlan: [{ endpoint: route.backupSipUri, priority: 1, weight: 100 }],
      });
    }
    this.seedNumbers(numbers.map((phoneNumber) => ({ phoneNumber, siteId, sipPeerId })));
  }

  /** Where a call to the number goes now (see bandwidth-fake-routing.ts). */
  routeCall(number: string, isUp: TargetIsUp): CallPath {
    return routeBandwidthCall(this.model, number, isUp);
  }

  /** A copy of the number's state (by E.164), or undefined when it is not on the account. */
  routingOf(phoneNumber: string): BandwidthFakeNumberState | undefined {
    const state = this.numbers().get(phoneNumber.replace(/^\+1/, ''));
    return state && structuredClone(state);
  }

  /** A copy of a SIP peer's state, or undefined when the account has none such. */
  sipPeerOf(siteId: string, sipPeerId: string): BandwidthFakeSipPeerState | undefined {
    const peer = this.model.peers.get(peerKey(siteId, sipPeerId));
    return peer && structuredClone(peer);
  }

  /** Makes every later order fail this number (E.164) with an ErrorList entry. */
  failNumberInOrders(phoneNumber: string, error: { code?: string; description: string }): void {
    this.orders.failures.set(phoneNumber.replace(/^\+1/, ''), {
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
        return { ...xml(400, responseStatus('ErrorResponse', '5000', 'Malformed XML')), operation };
      }
      body = requestParser.parse(request.body) as Record<string, unknown>;
    }
    const problems = this.validator.validate(matched, request.query, body, request.headers['content-type']);
    if (problems.length > 0) {
      this.recordViolation(request, operation, problems);
      return { ...xml(400, responseStatus('ErrorResponse', '5000', problems.join('; '))), operation };
    }
    if (matched.params.accountId !== undefined && matched.params.accountId !== this.accountId) {
      return { ...xml(403, responseStatus('ErrorResponse', '403', 'Access is denied')), operation };
    }
    return { ...this.route(operation, matched.params, request.query, body), operation };
  }

  private route(
    operation: string,
    params: Record<string, string>,
    query: Record<string, string>,
    body: Record<string, unknown> | undefined,
  ): FakeResponse {
    switch (operation) {
      case 'RetrieveTnDetails':
        return this.tnDetails(params.tn);
      case 'ReadSipPeerTn':
        return this.sipPeerTn(params);
      case 'UpdateSipPeerTnSettings':
        return this.sipPeers.updateTn(params, body!);
      case 'ReadSipPeerTns':
        return this.sipPeers.listTns(params, query);
      case 'RetrieveSipPeerTnsCount':
        return this.sites.countTns(params);
      case 'ListSites':
        return this.sites.list(query);
      case 'ListSipPeers':
        return this.sites.listSipPeers(params);
      case 'ReadSipPeer':
        return this.sipPeers.read(params);
      case 'UpdateSipPeer':
        return this.sipPeers.update(params, body!);
      case 'CreateSipPeerTelephoneNumberBulk':
        return this.sipPeers.moveTns(params, body!);
      case 'CreateTnOptionOrder':
        return this.orders.create(body!);
      case 'GetTnOptionOrders':
        return this.orders.search(query);
      case 'GetTnOptionOrder':
        return this.orders.poll(params.orderId);
      default:
        return xml(404, responseStatus('ErrorResponse', '404', 'The resource does not exist'));
    }
  }

  private tnDetails(tn: string): FakeResponse {
    const state = this.numbers().get(tn);
    if (!state) {
      return xml(404, responseStatus('TelephoneNumberResponse', '13566', `TN ${tn} is not found`));
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
            ...(state.originationRoutePlan
              ? { OriginationRoutePlan: routePlanView(state.originationRoutePlan, `plan-${state.tn}`) }
              : {}),
          },
        },
      }),
    );
  }

  private sipPeerTn(params: Record<string, string>): FakeResponse {
    const state = this.numbers().get(params.tn);
    if (!state || state.siteId !== params.siteId || state.sipPeerId !== params.sippeerId) {
      return xml(
        404,
        responseStatus('SipPeerTelephoneNumberResponse', '13566', `TN ${params.tn} is not on this SIP peer`),
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

  private numbers(): Map<string, BandwidthFakeNumberState> {
    return this.model.numbers;
  }
}
