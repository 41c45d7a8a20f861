/**
 * Reads many Bandwidth numbers' routing in SIP peer TN pages (ReadSipPeerTns, `size` TNs a page,
 * each TN with its CallForward) instead of RetrieveTnDetails and ReadSipPeerTn each.
 *
 * Which SIP peers: one ListSites (`sipPeerDetails`, `tnCounts`) names every SIP peer of the account
 * and each site's TN count, so a cold adapter needs no other lookup; when the adapter already knows
 * every number's SIP peer, only those SIP peers are listed. ReadSipPeerTns gives no total or next
 * link (docs gap), so each SIP peer's page count comes from its site's count (a site with one SIP
 * peer) or RetrieveSipPeerTnsCount, and then every page is handed to `call` at once.
 *
 * Complete or not: the list shows no TN origination route plan. The spec says a route plan and a
 * CallForward "cannot co-exist" (CreateTnOptionOrder), so a TN listed with a CallForward has no
 * route plan and its reading is complete; a TN without one may have a route plan, so its reading
 * is incomplete and `confirms` holds it against the baseline's site, SIP peer and CallForward.
 * When the operator states that no TN has a route plan (`noNumberRoutePlans`), every reading is
 * complete; so is one of a TN this adapter looked up at the same SIP peer (the route coverage of
 * `arm` and `audit`, a forward), until an order of its own sets that TN's route plan.
 */
import { CarrierError } from '../../contracts/errors';
import type { CarrierCall, PageReading, RoutingPages, RoutingSnapshot } from '../../ports/carriers';
import {
  type AccountSite,
  countSipPeerTns,
  listAccountSites,
  listSiteSipPeers,
} from './bandwidth-account-peers';
import type { BandwidthApi } from './bandwidth-api';
import { type BandwidthRoutingSettings, bandwidthSnapshotOf } from './bandwidth-snapshot';
import {
  knownAtPeer,
  readCallForward,
  readSipPeerTnsPage,
  retrieveTnDetails,
  type SipPeerTn,
  type TnDetails,
} from './bandwidth-tns';

const NANP_E164 = /^\+1([2-9]\d{2}[2-9]\d{6})$/;

/** Requests the smallest listing costs (ListSites and one page): reading fewer numbers alone is cheaper. */
export const MIN_LISTING_REQUESTS = 2;

/** How the pages are read. */
export interface BandwidthRoutingPagesOptions {
  /** TNs a ReadSipPeerTns page asks for. */
  readonly pageSize: number;
  /** Requests readRouting sends a number: what listing must cost less than. */
  readonly requestsPerRead: number;
  /**
   * True when no TN on the account has an origination route plan of its own (the operator says
   * so: the list cannot show it), so a TN listed without a CallForward is read completely too.
   * @default false
   */
  readonly noNumberRoutePlans?: boolean;
}

/** A SIP peer to list, with how many TNs it holds. */
interface PeerToList {
  siteId: string;
  sipPeerId: string;
  tnCount: number;
}

/** Bandwidth's RoutingPages: the account's SIP peer TN lists. */
export class BandwidthRoutingPages implements RoutingPages {
  readonly pageSize: number;
  /** The lookups (ListSites, counts) are per read, not per page: see the file comment. */
  readonly extraRequestsPerPage = 0;
  private readonly requestsPerRead: number;
  private readonly noNumberRoutePlans: boolean;
  /** Requests the last listing took, so that a later read too small to list sends nothing. */
  private lastListingCost: number | undefined;

  /**
   * @param known the adapter's cache of each TN's site, SIP peer and route plan: read to pick SIP
   *   peers, and filled from complete readings and confirmed ones, so forwards skip RetrieveTnDetails
   */
  constructor(
    private readonly api: BandwidthApi,
    private readonly known: Map<string, TnDetails>,
    options: BandwidthRoutingPagesOptions,
  ) {
    this.pageSize = options.pageSize;
    this.requestsPerRead = options.requestsPerRead;
    this.noNumberRoutePlans = options.noNumberRoutePlans ?? false;
  }

  async read(
    numbers: readonly string[],
    call: CarrierCall,
    onPage: (readings: PageReading[]) => void,
  ): Promise<{ unseen: string[] }> {
    const wanted = new Map<string, string>();
    for (const number of numbers) {
      const tn = NANP_E164.exec(number)?.[1];
      if (tn !== undefined) wanted.set(tn, number);
    }
    const seen = new Set<string>();
    const unseen = () => numbers.filter((number) => !seen.has(NANP_E164.exec(number)?.[1] ?? ''));
    const oneByOne = wanted.size * this.requestsPerRead;
    if (oneByOne <= Math.max(MIN_LISTING_REQUESTS, this.lastListingCost ?? 0)) {
      return { unseen: unseen() };
    }
    // Without the sites nothing can be listed: its error is the read's.
    const sites = await call(() => listAccountSites(this.api));
    const { peers, cost } = await this.peersToList(sites, this.knownPeersOf(wanted), call, oneByOne);
    const pages = peers.flatMap((peer) =>
      Array.from({ length: this.pagesOf(peer.tnCount) }, (_, index) => ({ peer, page: index + 1 })),
    );
    this.lastListingCost = 1 + cost;
    if (pages.length === 0 || pages.length >= oneByOne) {
      return { unseen: unseen() };
    }
    let read = 0;
    const errors: unknown[] = [];
    await Promise.all(
      pages.map(async ({ peer, page }) => {
        let entries: SipPeerTn[];
        try {
          entries = await call(() => readSipPeerTnsPage(this.api, peer, page, this.pageSize));
        } catch (error) {
          errors.push(error);
          return;
        }
        read += 1;
        // Outside the try: an error of the caller's onPage is not a failed page.
        const readings = this.readingsOf(entries, peer, wanted, seen);
        if (readings.length > 0) onPage(readings);
      }),
    );
    if (read === 0 && errors.length > 0) throw errors[0];
    return { unseen: unseen() };
  }

  /**
   * True when the page shows the baseline's site, SIP peer and CallForward. The page cannot show a
   * TN route plan, so the baseline's stands; it is learned, so a forward needs no RetrieveTnDetails.
   */
  confirms(reading: RoutingSnapshot, baseline: RoutingSnapshot): boolean {
    if (
      reading.carrier !== 'bandwidth' ||
      baseline.carrier !== 'bandwidth' ||
      reading.number !== baseline.number
    ) {
      return false;
    }
    const now = reading.settings as Partial<BandwidthRoutingSettings>;
    const then = baseline.settings as Partial<BandwidthRoutingSettings>;
    if (
      typeof now.tn !== 'string' ||
      typeof now.siteId !== 'string' ||
      typeof now.sipPeerId !== 'string' ||
      now.tn !== then.tn ||
      now.siteId !== then.siteId ||
      now.sipPeerId !== then.sipPeerId ||
      (now.callForward ?? null) !== (then.callForward ?? null)
    ) {
      return false;
    }
    this.known.set(now.tn, {
      siteId: now.siteId,
      sipPeerId: now.sipPeerId,
      routePlan: then.originationRoutePlan ?? null,
    });
    return true;
  }

  /**
   * The route plan of a TN its page listed without a CallForward: RetrieveTnDetails alone, learned.
   * A TN that moved to another SIP peer since its page was read has its CallForward read there too.
   */
  async completeReading(reading: RoutingSnapshot, call: CarrierCall): Promise<RoutingSnapshot> {
    const listed = reading.settings as Partial<BandwidthRoutingSettings>;
    if (reading.carrier !== 'bandwidth' || typeof listed.tn !== 'string') {
      throw new CarrierError(
        'bandwidth',
        `completeReading for ${reading.number}: not a Bandwidth page reading`,
        {
          retryable: false,
        },
      );
    }
    const tn = listed.tn;
    const details = await call(() => retrieveTnDetails(this.api, reading.number, tn));
    this.known.set(tn, details);
    const moved = details.siteId !== listed.siteId || details.sipPeerId !== listed.sipPeerId;
    const callForward = moved
      ? await call(() => readCallForward(this.api, reading.number, tn, details))
      : (listed.callForward ?? null);
    return bandwidthSnapshotOf(reading.number, {
      tn,
      siteId: details.siteId,
      sipPeerId: details.sipPeerId,
      callForward,
      originationRoutePlan: details.routePlan,
    });
  }

  /**
   * The SIP peers to list and their TN counts, and what listing them costs besides ListSites
   * (lookups and pages). When the lookups and the pages known so far already cost at least
   * `budget`, no SIP peer is counted or listed: no peers, and that cost. A lookup whose `call`
   * rejects drops its site or SIP peer: those numbers stay unseen.
   */
  private async peersToList(
    sites: AccountSite[],
    onlyPeers: Set<string> | undefined,
    call: CarrierCall,
    budget: number,
  ): Promise<{ peers: PeerToList[]; cost: number }> {
    const relevant = sites.filter(
      (site) =>
        site.tnCount !== 0 &&
        (onlyPeers === undefined || [...onlyPeers].some((key) => key.startsWith(`${site.siteId}/`))),
    );
    const peerLists = relevant.filter((site) => site.sipPeerIds === undefined).length;
    const withPeers = await Promise.all(
      relevant.map(async (site) => {
        const sipPeerIds =
          site.sipPeerIds ?? (await call(() => listSiteSipPeers(this.api, site.siteId)).catch(() => []));
        return { site, sipPeerIds };
      }),
    );
    const counted: PeerToList[] = [];
    const toCount: Omit<PeerToList, 'tnCount'>[] = [];
    for (const { site, sipPeerIds } of withPeers) {
      const listed = sipPeerIds.filter(
        (id) => onlyPeers === undefined || onlyPeers.has(`${site.siteId}/${id}`),
      );
      if (sipPeerIds.length === 1 && listed.length === 1 && site.tnCount !== undefined) {
        counted.push({ siteId: site.siteId, sipPeerId: listed[0], tnCount: site.tnCount });
      } else {
        toCount.push(...listed.map((sipPeerId) => ({ siteId: site.siteId, sipPeerId })));
      }
    }
    const knownPages = counted.reduce((sum, peer) => sum + this.pagesOf(peer.tnCount), 0);
    if (toCount.length + knownPages >= budget) {
      return { peers: [], cost: peerLists + toCount.length + knownPages };
    }
    const counts = await Promise.all(
      toCount.map((peer) =>
        call(() => countSipPeerTns(this.api, peer.siteId, peer.sipPeerId)).then(
          (tnCount) => ({ ...peer, tnCount }),
          () => ({ ...peer, tnCount: 0 }),
        ),
      ),
    );
    const peers = [...counted, ...counts].filter((peer) => peer.tnCount > 0);
    const pages = peers.reduce((sum, peer) => sum + this.pagesOf(peer.tnCount), 0);
    return { peers, cost: peerLists + toCount.length + pages };
  }

  private pagesOf(tnCount: number): number {
    return Math.ceil(tnCount / this.pageSize);
  }

  /** The SIP peers (`site/peer`) of every wanted TN when the adapter knows them all; else undefined. */
  private knownPeersOf(wanted: Map<string, string>): Set<string> | undefined {
    const peers = new Set<string>();
    for (const tn of wanted.keys()) {
      const details = this.known.get(tn);
      if (details === undefined) return undefined;
      peers.add(`${details.siteId}/${details.sipPeerId}`);
    }
    return peers;
  }

  /** The page's readings of wanted TNs not handed out yet; complete ones are learned. */
  private readingsOf(
    entries: SipPeerTn[],
    at: Pick<PeerToList, 'siteId' | 'sipPeerId'>,
    wanted: Map<string, string>,
    seen: Set<string>,
  ): PageReading[] {
    const readings: PageReading[] = [];
    for (const { tn, callForward } of entries) {
      const number = wanted.get(tn);
      if (number === undefined || seen.has(tn)) continue;
      seen.add(tn);
      // A lookup of this run (RetrieveTnDetails) at this SIP peer tells the route plan the page cannot.
      const looked = callForward === null ? knownAtPeer(this.known, tn, at) : undefined;
      const complete = callForward !== null || this.noNumberRoutePlans || looked !== undefined;
      const routePlan = looked?.routePlan ?? null;
      if (complete) this.known.set(tn, { siteId: at.siteId, sipPeerId: at.sipPeerId, routePlan });
      const settings: BandwidthRoutingSettings = {
        tn,
        siteId: at.siteId,
        sipPeerId: at.sipPeerId,
        callForward,
        originationRoutePlan: routePlan,
      };
      readings.push({ snapshot: bandwidthSnapshotOf(number, settings), complete });
    }
    return readings;
  }
}
