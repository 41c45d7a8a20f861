/**
 * A Bandwidth SIP peer's origination route plan (ReadSipPeer / UpdateSipPeer) and moving TNs to
 * another SIP peer (CreateSipPeerTelephoneNumberBulk, `movetns`).
 */
import { CarrierError } from '../../contracts/errors';
import { type BandwidthApi, childOf, type XmlDocument } from './bandwidth-api';
import { type BandwidthRoute, parseRoutePlan, routePlanElement } from './bandwidth-route-plan';
import { malformedResponse } from './carrier-http';

/** Most TNs one `movetns` call takes (the spec's limit). */
export const MOVE_TNS_LIMIT = 5000;

/**
 * The SipPeer elements an update sends back as read. UpdateSipPeer replaces the peer's settings
 * (the spec: a missing CallingName turns CNAM off), so everything it takes is sent again; the
 * rest of what ReadSipPeer shows (PeerId, TnCount, TerminationHosts...) is not in its schema.
 */
const WRITABLE = [
  'PeerName',
  'Description',
  'IsDefaultPeer',
  'BillingIdentifier',
  'FinalDestinationUri',
  'PremiseTrunks',
  'SsSendToCustomer',
  'CallVerificationEnabled',
  'PindropEnabled',
  'VoiceHosts',
  'VoiceHostGroups',
  'Address',
  'CallingName',
] as const;

/** A SIP peer as read: its route plan and the settings an update must send back. */
export interface SipPeerState {
  routePlan: BandwidthRoute[] | null;
  settings: XmlDocument;
}

/** Reads the SIP peer. */
export async function readSipPeer(
  api: BandwidthApi,
  siteId: string,
  sipPeerId: string,
): Promise<SipPeerState> {
  const request = api.get('ReadSipPeer', `SIP peer ${sipPeerId}`, api.sipPeerUrl(siteId, sipPeerId));
  const peer = childOf(childOf(await api.send(request), 'SipPeerResponse'), 'SipPeer');
  if (peer === undefined) {
    throw malformedResponse('bandwidth', request, 'no SipPeer element');
  }
  const settings: XmlDocument = {};
  for (const name of WRITABLE) {
    // Empty host lists are left out: an account on route plans refuses voice hosts (13687).
    if (peer[name] !== undefined && peer[name] !== '') {
      settings[name] = peer[name];
    }
  }
  return { routePlan: parseRoutePlan(peer.OriginationRoutePlan), settings };
}

/** Sets the SIP peer's route plan (null removes it), sending its other settings back as read. */
export async function updateSipPeerRoutePlan(
  api: BandwidthApi,
  siteId: string,
  sipPeerId: string,
  peer: SipPeerState,
  routePlan: readonly BandwidthRoute[] | null,
): Promise<void> {
  const request = api.write(
    'UpdateSipPeer',
    `SIP peer ${sipPeerId}`,
    'PUT',
    api.sipPeerUrl(siteId, sipPeerId),
    {
      SipPeer: { ...peer.settings, OriginationRoutePlan: routePlanElement(routePlan) },
    },
  );
  await api.send(request);
}

/** Moves the TNs to the SIP peer, {@link MOVE_TNS_LIMIT} a call. */
export async function moveTns(
  api: BandwidthApi,
  siteId: string,
  toSipPeerId: string,
  tns: readonly string[],
  call: <T>(request: () => Promise<T>) => Promise<T>,
): Promise<void> {
  for (let start = 0; start < tns.length; start += MOVE_TNS_LIMIT) {
    const batch = tns.slice(start, start + MOVE_TNS_LIMIT);
    const request = api.write(
      'CreateSipPeerTelephoneNumberBulk',
      `${batch.length} numbers to SIP peer ${toSipPeerId}`,
      'POST',
      `${api.sipPeerUrl(siteId, toSipPeerId)}/movetns`,
      { SipPeerTelephoneNumbers: { FullNumber: batch } },
    );
    const answer = await call(() => api.send(request));
    const status = childOf(childOf(answer, 'SipPeerTelephoneNumberMoveResponse'), 'ResponseStatus');
    if (status !== undefined) {
      throw new CarrierError(
        'bandwidth',
        `movetns to SIP peer ${toSipPeerId} answered ${JSON.stringify(status)}`,
        {
          retryable: false,
        },
      );
    }
  }
}
