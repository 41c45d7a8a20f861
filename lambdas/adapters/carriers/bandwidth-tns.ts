/**
 * Bandwidth telephone-number reads and the synchronous per-TN write: RetrieveTnDetails (the TN's
 * site, SIP peer and own route plan), ReadSipPeerTn (its CallForward), ReadSipPeerTns (a SIP
 * peer's TNs, paged) and UpdateSipPeerTnSettings (CallForward set on one TN, answered at once).
 */
import { CarrierError } from '../../contracts/errors';
import { type BandwidthApi, childOf, childrenOf, textOf } from './bandwidth-api';
import { type BandwidthRoute, parseRoutePlan } from './bandwidth-route-plan';
import { malformedResponse } from './carrier-http';

/** Where a TN is and its own route plan, from RetrieveTnDetails. */
export interface TnDetails {
  siteId: string;
  sipPeerId: string;
  routePlan: BandwidthRoute[] | null;
}

/** What this run's lookup of `tn` found, when it found the TN on that SIP peer; else undefined. */
export function knownAtPeer(
  known: ReadonlyMap<string, TnDetails>,
  tn: string,
  at: { siteId: string; sipPeerId: string },
): TnDetails | undefined {
  const learned = known.get(tn);
  return learned?.siteId === at.siteId && learned.sipPeerId === at.sipPeerId ? learned : undefined;
}

/** A TN as a SIP peer's TN list shows it. */
export interface SipPeerTn {
  tn: string;
  callForward: string | null;
}

/** Reads the TN's site, SIP peer and route plan. */
export async function retrieveTnDetails(api: BandwidthApi, number: string, tn: string): Promise<TnDetails> {
  const request = api.get('RetrieveTnDetails', number, `${api.baseUrl}/tns/${tn}/tndetails`);
  const details = childOf(
    childOf(await api.send(request), 'TelephoneNumberResponse'),
    'TelephoneNumberDetails',
  );
  const siteId = textOf(childOf(details, 'Site'), 'Id');
  const sipPeerId = textOf(childOf(details, 'SipPeer'), 'PeerId');
  if (siteId === undefined || sipPeerId === undefined) {
    throw malformedResponse('bandwidth', request, 'no Site/Id and SipPeer/PeerId in TelephoneNumberDetails');
  }
  return { siteId, sipPeerId, routePlan: parseRoutePlan(details?.OriginationRoutePlan) };
}

/** Reads the TN's CallForward (10 digits) on its SIP peer, or null when it has none. */
export async function readCallForward(
  api: BandwidthApi,
  number: string,
  tn: string,
  at: Pick<TnDetails, 'siteId' | 'sipPeerId'>,
): Promise<string | null> {
  const request = api.get('ReadSipPeerTn', number, `${api.sipPeerUrl(at.siteId, at.sipPeerId)}/tns/${tn}`);
  const info = childOf(
    childOf(await api.send(request), 'SipPeerTelephoneNumberResponse'),
    'SipPeerTelephoneNumber',
  );
  if (info === undefined) {
    throw malformedResponse('bandwidth', request, 'no SipPeerTelephoneNumber element');
  }
  return textOf(info, 'CallForward') ?? null;
}

/**
 * Sets the TN's CallForward with UpdateSipPeerTnSettings, which answers once it is set. Sends only
 * FullNumber and CallForward: the spec does not say whether the elements left out keep their
 * values (docs gap), and these are the ones this write means to touch.
 */
export async function updateCallForward(
  api: BandwidthApi,
  number: string,
  tn: string,
  at: Pick<TnDetails, 'siteId' | 'sipPeerId'>,
  callForward: string,
): Promise<void> {
  const request = api.write(
    'UpdateSipPeerTnSettings',
    number,
    'PUT',
    `${api.sipPeerUrl(at.siteId, at.sipPeerId)}/tns/${tn}`,
    {
      SipPeerTelephoneNumber: { FullNumber: tn, CallForward: callForward },
    },
  );
  const answer = childOf(
    childOf(await api.send(request), 'SipPeerTelephoneNumberResponse'),
    'ResponseStatus',
  );
  const code = textOf(answer, 'ErrorCode');
  if (code !== undefined) {
    throw new CarrierError(
      'bandwidth',
      `UpdateSipPeerTnSettings for ${number} answered error ${code}: ${textOf(answer, 'Description') ?? 'no description'}`,
      {
        retryable: false,
        code,
      },
    );
  }
}

/**
 * Every TN on the SIP peer with its CallForward, read `pageSize` a page. The spec gives no total
 * or next link for this list (docs gap), so a page shorter than `pageSize` is taken as the last.
 */
export async function listSipPeerTns(
  api: BandwidthApi,
  siteId: string,
  sipPeerId: string,
  pageSize: number,
  call: <T>(request: () => Promise<T>) => Promise<T>,
): Promise<SipPeerTn[]> {
  const tns: SipPeerTn[] = [];
  for (let page = 1; ; page++) {
    const entries = await call(() => readSipPeerTnsPage(api, { siteId, sipPeerId }, page, pageSize));
    tns.push(...entries);
    if (entries.length < pageSize) {
      return tns;
    }
  }
}

/**
 * One page of ReadSipPeerTns (`page` from 1, `size` TNs), with the attributes that carry the
 * CallForward (`includeAttributes`, the spec's default, sent so it holds whatever the default).
 */
export async function readSipPeerTnsPage(
  api: BandwidthApi,
  at: Pick<TnDetails, 'siteId' | 'sipPeerId'>,
  page: number,
  size: number,
): Promise<SipPeerTn[]> {
  const request = api.get(
    'ReadSipPeerTns',
    `SIP peer ${at.sipPeerId}`,
    `${api.sipPeerUrl(at.siteId, at.sipPeerId)}/tns?page=${page}&size=${size}&includeAttributes=true`,
  );
  const list = childOf(
    childOf(await api.send(request), 'SipPeerTelephoneNumbersResponse'),
    'SipPeerTelephoneNumbers',
  );
  return childrenOf(list, 'SipPeerTelephoneNumber').flatMap((entry) => {
    const tn = textOf(entry, 'FullNumber');
    return tn === undefined ? [] : [{ tn, callForward: textOf(entry, 'CallForward') ?? null }];
  });
}
