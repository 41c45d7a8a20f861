/**
 * The account's SIP peers and how many TNs each holds, which the SIP peer TN pages need: ListSites
 * (`sipPeerDetails=true` lists every site's SIP peers, `tnCounts=true` each site's TN count, in one
 * request), ListSipPeers for a site answered without its peers, and RetrieveSipPeerTnsCount.
 *
 * Docs gap: ListSites' example shows neither the SIP peers nor the count; their element names
 * (`SipPeers/SipPeer/PeerId`, `TotalTnCount`) are the spec's `Site` schema. A site answered without
 * them costs a ListSipPeers, or a count a SIP peer, instead of a wrong reading.
 */
import { type BandwidthApi, childOf, childrenOf, textOf } from './bandwidth-api';
import { malformedResponse } from './carrier-http';

/** A site as ListSites shows it. */
export interface AccountSite {
  siteId: string;
  /** Its SIP peers' ids; undefined when the answer did not list them. */
  sipPeerIds: string[] | undefined;
  /** TNs on the site (all its SIP peers); undefined when the answer did not count them. */
  tnCount: number | undefined;
}

/** Every site of the account, with its SIP peers and TN count where the answer holds them. */
export async function listAccountSites(api: BandwidthApi): Promise<AccountSite[]> {
  const request = api.get(
    'ListSites',
    'the account',
    `${api.accountUrl}/sites?sipPeerDetails=true&tnCounts=true`,
  );
  const sites = childOf(childOf(await api.send(request), 'SitesResponse'), 'Sites');
  return childrenOf(sites, 'Site').flatMap((site) => {
    const siteId = textOf(site, 'Id');
    if (siteId === undefined) return [];
    const peers = childOf(site, 'SipPeers');
    return [
      {
        siteId,
        sipPeerIds: peers === undefined ? undefined : peerIdsOf(peers),
        tnCount: countOf(textOf(site, 'TotalTnCount')),
      },
    ];
  });
}

/** The ids of the site's SIP peers (ListSipPeers). */
export async function listSiteSipPeers(api: BandwidthApi, siteId: string): Promise<string[]> {
  const request = api.get(
    'ListSipPeers',
    `site ${siteId}`,
    `${api.accountUrl}/sites/${encodeURIComponent(siteId)}/sippeers`,
  );
  const peers = childOf(childOf(await api.send(request), 'TNSipPeersResponse'), 'SipPeers');
  return peers === undefined ? [] : peerIdsOf(peers);
}

/** How many TNs are on the SIP peer (RetrieveSipPeerTnsCount). */
export async function countSipPeerTns(api: BandwidthApi, siteId: string, sipPeerId: string): Promise<number> {
  const request = api.get(
    'RetrieveSipPeerTnsCount',
    `SIP peer ${sipPeerId}`,
    `${api.sipPeerUrl(siteId, sipPeerId)}/totaltns`,
  );
  const outer = childOf(
    childOf(await api.send(request), 'SipPeerTelephoneNumbersCountResponse'),
    'SipPeerTelephoneNumbersCount',
  );
  const count = countOf(textOf(outer, 'SipPeerTelephoneNumbersCount'));
  if (count === undefined) {
    throw malformedResponse('bandwidth', request, 'no SipPeerTelephoneNumbersCount number');
  }
  return count;
}

function peerIdsOf(peers: unknown): string[] {
  return childrenOf(peers, 'SipPeer').flatMap((peer) => {
    const id = textOf(peer, 'PeerId');
    return id === undefined ? [] : [id];
  });
}

function countOf(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}
