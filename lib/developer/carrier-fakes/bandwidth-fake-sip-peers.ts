/**
 * The fake's SIP peer operations: ReadSipPeer / UpdateSipPeer (its route plan; an update replaces
 * the peer's settings, a missing CallingName turning CNAM off as the spec says), ReadSipPeerTns
 * (paged), `movetns`, and the synchronous UpdateSipPeerTnSettings (which refuses a CallForward on
 * a TN with a route plan of its own).
 */
import {
  applyRoutePlan,
  type BandwidthFakeModel,
  type BandwidthFakeSipPeerState,
  build,
  peerKey,
  responseStatus,
  routePlanChange,
  routePlanProblem,
  routePlanView,
  xml,
} from './bandwidth-fake-model';
import { ROUTE_PLAN_CONFLICT_CODE } from './bandwidth-fake-orders';
import type { FakeResponse } from './fake-carrier-server';

type Params = Record<string, string>;
type Body = Record<string, unknown>;

/** SIP peer operations over the fake's model. */
export class FakeSipPeers {
  constructor(private readonly model: BandwidthFakeModel) {}

  /** ReadSipPeer. */
  read(params: Params): FakeResponse {
    const peer = this.peer(params.siteId, params.sipPeerId);
    if (!peer) return this.noPeer(params.siteId, params.sipPeerId);
    const { CallingName, ...settings } = peer.settings;
    return xml(
      200,
      build({
        SipPeerResponse: {
          SipPeer: {
            PeerId: peer.sipPeerId,
            PeerName: peer.peerName,
            ...settings,
            VoiceHosts: '',
            VoiceHostGroups: '',
            TerminationHosts: '',
            OriginationRoutePlan: routePlanView(peer.originationRoutePlan, `plan-${peer.sipPeerId}`),
            CallingName: CallingName ?? { Display: 'false', Enforced: 'false' },
          },
        },
      }),
    );
  }

  /** UpdateSipPeer. */
  update(params: Params, body: Body): FakeResponse {
    const peer = this.peer(params.siteId, params.sipPeerId);
    if (!peer) return this.noPeer(params.siteId, params.sipPeerId);
    const { PeerName, OriginationRoutePlan, ...settings } = body.SipPeer as Body;
    const change = routePlanChange(OriginationRoutePlan);
    const problem = change.action === 'asSpecified' ? routePlanProblem(change.routes) : undefined;
    if (problem) {
      return xml(400, responseStatus('SipPeerResponse', problem.code, problem.description));
    }
    peer.peerName = PeerName as string;
    peer.settings = {
      ...settings,
      CallingName: settings.CallingName ?? { Display: 'false', Enforced: 'false' },
    };
    peer.originationRoutePlan = applyRoutePlan(peer.originationRoutePlan, change);
    return this.read(params);
  }

  /** ReadSipPeerTns: `size` a page (default 5000), `page` from 1. */
  listTns(params: Params, query: Record<string, string>): FakeResponse {
    const peer = this.peer(params.siteId, params.sippeerId);
    if (!peer) return this.noPeer(params.siteId, params.sippeerId);
    const size = Number(query.size ?? 5000);
    const page = Number(query.page ?? 1);
    const withAttributes = query.includeAttributes !== 'false';
    const tns = [...this.model.numbers.values()]
      .filter((state) => state.siteId === peer.siteId && state.sipPeerId === peer.sipPeerId)
      .sort((a, b) => a.tn.localeCompare(b.tn))
      .slice((page - 1) * size, page * size);
    return xml(
      200,
      build({
        SipPeerTelephoneNumbersResponse: {
          SipPeerTelephoneNumbers: {
            SipPeerTelephoneNumber: tns.map((state) => ({
              FullNumber: state.tn,
              ...(withAttributes && state.callForward ? { CallForward: state.callForward } : {}),
              ...(withAttributes ? { CallingNameDisplay: 'true' } : {}),
            })),
          },
        },
      }),
    );
  }

  /** CreateSipPeerTelephoneNumberBulk (`movetns`): all or nothing. */
  moveTns(params: Params, body: Body): FakeResponse {
    const peer = this.peer(params.siteId, params.sipPeerId);
    if (!peer) return this.noPeer(params.siteId, params.sipPeerId, 'SipPeerTelephoneNumberMoveResponse');
    const tns = (body.SipPeerTelephoneNumbers as { FullNumber: string[] }).FullNumber;
    const missing = tns.find((tn) => !this.model.numbers.has(tn));
    if (missing) {
      return xml(
        400,
        responseStatus(
          'SipPeerTelephoneNumberMoveResponse',
          '13536',
          `Telephone number ${missing} does not exist on Account ${this.model.accountId}`,
        ),
      );
    }
    for (const tn of tns) {
      const state = this.model.numbers.get(tn)!;
      state.siteId = peer.siteId;
      state.sipPeerId = peer.sipPeerId;
    }
    return {
      ...xml(
        200,
        build({ SipPeerTelephoneNumberMoveResponse: { SipPeerTelephoneNumbers: { FullNumber: tns } } }),
      ),
      applied: tns.map((tn) => `+1${tn}`),
    };
  }

  /** UpdateSipPeerTnSettings: applied at once; 200 with no body. */
  updateTn(params: Params, body: Body): FakeResponse {
    const state = this.model.numbers.get(params.tn);
    const root = 'SipPeerTelephoneNumberResponse';
    if (!state || state.siteId !== params.siteId || state.sipPeerId !== params.sippeerId) {
      return xml(
        400,
        responseStatus(
          root,
          '13536',
          `Telephone number ${params.tn} does not exist on Account ${this.model.accountId}, Site ${params.siteId}, and Sip Peer ${params.sippeerId}`,
        ),
      );
    }
    const settings = body.SipPeerTelephoneNumber as Body;
    if (settings.FullNumber !== params.tn) {
      return xml(
        400,
        responseStatus(root, '13519', `There is an issue with telephone number '${params.tn}'`),
      );
    }
    const callForward = settings.CallForward as string | undefined;
    if (callForward !== undefined && state.originationRoutePlan !== null) {
      // The spec states the rule (route plan and CallForward cannot co-exist) but no code.
      return xml(
        400,
        responseStatus(
          root,
          ROUTE_PLAN_CONFLICT_CODE,
          `Telephone number ${params.tn} has an origination route plan, which cannot co-exist with a CallForward`,
        ),
      );
    }
    if (callForward !== undefined) {
      state.callForward = callForward;
    }
    return {
      status: 200,
      headers: { 'Content-Type': 'application/xml' },
      body: '',
      applied: [`+1${state.tn}`],
    };
  }

  /** The SIP peer, or undefined when the account has none such. */
  peer(siteId: string, sipPeerId: string): BandwidthFakeSipPeerState | undefined {
    return this.model.peers.get(peerKey(siteId, sipPeerId));
  }

  private noPeer(siteId: string, sipPeerId: string, root = 'SipPeerResponse'): FakeResponse {
    return xml(
      400,
      responseStatus(
        root,
        '13563',
        `Sip Peer '${sipPeerId}' account '${this.model.accountId}' and site '${siteId}' does not exist`,
      ),
    );
  }
}
