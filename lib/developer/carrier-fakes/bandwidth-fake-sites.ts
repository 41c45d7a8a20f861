/**
 * The fake's account structure reads: ListSites (with `sipPeerDetails` each site's SIP peers, with
 * `tnCounts` its TN count, as the spec's ListSites parameters describe them; element names from the
 * spec's `Site` schema), ListSipPeers and RetrieveSipPeerTnsCount. Sites are those of the SIP peers.
 */
import {
  type BandwidthFakeModel,
  type BandwidthFakeSipPeerState,
  build,
  responseStatus,
  xml,
} from './bandwidth-fake-model';
import type { FakeResponse } from './fake-carrier-server';

/** Account structure operations over the fake's model. */
export class FakeSites {
  constructor(private readonly model: BandwidthFakeModel) {}

  /** ListSites. */
  list(query: Record<string, string>): FakeResponse {
    const withPeers = query.sipPeerDetails === 'true' || query.summary === 'true';
    const withCounts = query.tnCounts === 'true';
    const sites = [...this.sites().entries()].map(([siteId, peers]) => ({
      Id: siteId,
      Name: `site${siteId}`.slice(0, 10),
      Description: `Site ${siteId}`,
      ...(withPeers
        ? { SipPeerCount: String(peers.length), SipPeers: { SipPeer: peers.map(peerSummary) } }
        : {}),
      ...(withCounts ? { TotalTnCount: String(this.tnsOn(siteId).length) } : {}),
    }));
    return xml(200, build({ SitesResponse: { Sites: { Site: sites } } }));
  }

  /** ListSipPeers. */
  listSipPeers(params: Record<string, string>): FakeResponse {
    const peers = this.sites().get(params.siteId);
    if (!peers) return this.noSite(params.siteId, 'TNSipPeersResponse');
    return xml(200, build({ TNSipPeersResponse: { SipPeers: { SipPeer: peers.map(peerSummary) } } }));
  }

  /** RetrieveSipPeerTnsCount. */
  countTns(params: Record<string, string>): FakeResponse {
    const peers = this.sites().get(params.siteId);
    if (!peers?.some((peer) => peer.sipPeerId === params.sippeerId)) {
      return this.noSite(params.siteId, 'SipPeerTelephoneNumbersCountResponse');
    }
    const count = this.tnsOn(params.siteId).filter((state) => state.sipPeerId === params.sippeerId).length;
    return xml(
      200,
      build({
        SipPeerTelephoneNumbersCountResponse: {
          SipPeerTelephoneNumbersCount: {
            SipPeerTelephoneNumbersCount: String(count),
            CnamCount: '0',
            LidbCount: '0',
          },
        },
      }),
    );
  }

  private sites(): Map<string, BandwidthFakeSipPeerState[]> {
    const sites = new Map<string, BandwidthFakeSipPeerState[]>();
    for (const peer of this.model.peers.values()) {
      sites.set(peer.siteId, [...(sites.get(peer.siteId) ?? []), peer]);
    }
    return sites;
  }

  private tnsOn(siteId: string) {
    return [...this.model.numbers.values()].filter((state) => state.siteId === siteId);
  }

  private noSite(siteId: string, root: string): FakeResponse {
    return xml(
      404,
      responseStatus(
        root,
        '12037',
        `Site '${siteId}' or its SIP peer does not exist on account '${this.model.accountId}'`,
      ),
    );
  }
}

function peerSummary(peer: BandwidthFakeSipPeerState): Record<string, unknown> {
  return {
    PeerId: peer.sipPeerId,
    PeerName: peer.peerName,
    Description: (peer.settings.Description as string | undefined) ?? '',
    IsDefaultPeer: (peer.settings.IsDefaultPeer as string | undefined) ?? 'false',
  };
}
