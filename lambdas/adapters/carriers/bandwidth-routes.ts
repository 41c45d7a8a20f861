/**
 * Bandwidth route-wide operations on a site's SIP peer (`ids.bandwidthSiteId`, `ids.sipPeerId`).
 *
 * - native: the SIP peer's origination route plan with the site's primary URI alone at priority 1
 *   and the backup URI at a later priority, so Bandwidth itself tries the backup when the primary
 *   does not take a call (how fast it moves on is not documented: see bandwidth-route-plan.ts).
 * - switch (planSwitch reads, switchToBackup applies the record): one UpdateSipPeer putting the backup alone at priority 1 (the other routes after it),
 *   or, with `ids.backupSipPeerId`, the peer's TNs moved to that SIP peer with `movetns` (5,000 a
 *   call). The backup SIP peer is taken to be on the same site: `movetns` is addressed by the
 *   destination's site, and the config names only one.
 */
import { CarrierError } from '../../contracts/errors';
import type {
  CarrierRoutes,
  RouteCall,
  RouteReadBack,
  RouteSwitchRecord,
  SiteRoute,
} from '../../ports/carrier-routes';
import type { BandwidthApi } from './bandwidth-api';
import { numbersNotCarried } from './bandwidth-route-coverage';
import {
  type BandwidthRoute,
  describePlan,
  failsOverTo,
  leadsWith,
  samePlan,
  sipEndpoint,
  withBackupFirst,
  withBackupLast,
} from './bandwidth-route-plan';
import { moveTns, readSipPeer, updateSipPeerRoutePlan } from './bandwidth-sip-peer';
import { listSipPeerTns, type TnDetails } from './bandwidth-tns';

/** How the routes are read. */
export interface BandwidthRoutesOptions {
  /** TNs a ReadSipPeerTns page asks for. @default 5000 (the spec's default page size) */
  readonly sipPeerTnsPageSize?: number;
  /**
   * Whether `armNative` and `audit` look each number on the peer up (RetrieveTnDetails, one
   * request a number) for an origination route plan of its own, which overrides the peer's.
   * @default true (BandwidthCarrier: false when its `numberRoutePlans` is `none`)
   */
  readonly checkNumberRoutePlans?: boolean;
}

/** A switch of the SIP peer's route plan: the plan before, and the one the switch sets. */
export interface RoutePlanSwitchRecord {
  kind: 'sip-peer-route-plan';
  siteId: string;
  sipPeerId: string;
  before: BandwidthRoute[] | null;
  after: BandwidthRoute[];
}

/** A switch by moving the SIP peer's TNs to the backup SIP peer. */
export interface MoveTnsSwitchRecord {
  kind: 'movetns';
  siteId: string;
  fromSipPeerId: string;
  toSipPeerId: string;
  tns: string[];
}

interface RouteIds {
  siteId: string;
  sipPeerId: string;
  backupSipPeerId?: string;
}

/** Bandwidth implementation of CarrierRoutes. */
export class BandwidthRoutes implements CarrierRoutes {
  private readonly pageSize: number;
  private readonly checkNumberRoutePlans: boolean;

  /**
   * @param known the adapter's cache of each TN's site, SIP peer and route plan: the coverage's
   *   lookups fill it, and moved TNs are dropped from it (their SIP peer changed)
   */
  constructor(
    private readonly api: BandwidthApi,
    options: BandwidthRoutesOptions,
    private readonly known: Map<string, TnDetails>,
  ) {
    this.pageSize = options.sipPeerTnsPageSize ?? 5000;
    this.checkNumberRoutePlans = options.checkNumberRoutePlans ?? true;
  }

  /** Puts the backup after the primary in the SIP peer's route plan (unless already so), then reads it back. */
  async armNative(route: SiteRoute, numbers: readonly string[], call: RouteCall): Promise<RouteReadBack> {
    const ids = idsOf(route);
    const primary = sipEndpoint(route.primarySipUri, `arm ${route.siteId}`);
    const backup = sipEndpoint(route.backupSipUri, `arm ${route.siteId}`);
    const peer = await call(() => readSipPeer(this.api, ids.siteId, ids.sipPeerId));
    if (!failsOverTo(peer.routePlan, primary, backup)) {
      const armed = withBackupLast(peer.routePlan, primary, backup);
      await call(() => updateSipPeerRoutePlan(this.api, ids.siteId, ids.sipPeerId, peer, armed));
    }
    return this.readBack(route, numbers, call, 'native');
  }

  /** Reads the SIP peer's route plan (and the backup SIP peer's, when set) and which numbers it carries. */
  async audit(route: SiteRoute, numbers: readonly string[], call: RouteCall): Promise<RouteReadBack> {
    return this.readBack(route, numbers, call, route.mode === 'native' ? 'native' : 'switch');
  }

  /**
   * Reads what the switch will change: the TNs on the SIP peer (to move to the backup SIP peer,
   * which must have a route plan), or the SIP peer's route plan and the same plan with the backup
   * alone first. Refuses, not retryable, a backup SIP peer without routes or a backup URI that is
   * not a SIP URI.
   */
  async planSwitch(route: SiteRoute, call: RouteCall): Promise<RouteSwitchRecord> {
    const ids = idsOf(route);
    const backup = sipEndpoint(route.backupSipUri, `switch ${route.siteId}`);
    if (ids.backupSipPeerId !== undefined) {
      const backupPeer = await call(() => readSipPeer(this.api, ids.siteId, ids.backupSipPeerId as string));
      if (backupPeer.routePlan === null) {
        throw new CarrierError(
          'bandwidth',
          `switch ${route.siteId}: backup SIP peer ${ids.backupSipPeerId} has no route plan, so moving the numbers there would leave their calls nowhere; give it a route to ${backup}`,
          { retryable: false },
        );
      }
      const tns = (await listSipPeerTns(this.api, ids.siteId, ids.sipPeerId, this.pageSize, call)).map(
        (entry) => entry.tn,
      );
      const record: MoveTnsSwitchRecord = {
        kind: 'movetns',
        siteId: ids.siteId,
        fromSipPeerId: ids.sipPeerId,
        toSipPeerId: ids.backupSipPeerId,
        tns,
      };
      return { ...record };
    }
    const peer = await call(() => readSipPeer(this.api, ids.siteId, ids.sipPeerId));
    const record: RoutePlanSwitchRecord = {
      kind: 'sip-peer-route-plan',
      siteId: ids.siteId,
      sipPeerId: ids.sipPeerId,
      before: peer.routePlan,
      after: withBackupFirst(peer.routePlan, backup),
    };
    return { ...record };
  }

  /**
   * Applies the planned switch: moves the record's TNs still on the SIP peer, or sets the planned
   * route plan when the peer still has the one planned from (nothing when it has the new one).
   */
  async switchToBackup(route: SiteRoute, record: RouteSwitchRecord, call: RouteCall): Promise<void> {
    const plan = recordOf(route, record);
    if (plan.kind === 'movetns') {
      await this.move(plan.siteId, plan.fromSipPeerId, plan.toSipPeerId, plan.tns, call);
      return;
    }
    const peer = await call(() => readSipPeer(this.api, plan.siteId, plan.sipPeerId));
    if (samePlan(peer.routePlan, plan.after)) {
      return;
    }
    if (!samePlan(peer.routePlan, plan.before)) {
      throw new CarrierError(
        'bandwidth',
        `switch ${route.siteId}: SIP peer ${plan.sipPeerId}'s route plan changed since the switch was planned (now ${describePlan(peer.routePlan)}); plan the switch again`,
        { retryable: false },
      );
    }
    await call(() => updateSipPeerRoutePlan(this.api, plan.siteId, plan.sipPeerId, peer, plan.after));
  }

  /**
   * Undoes the record: moves its TNs still on the backup SIP peer back, or puts the route plan
   * back when it is still the one the switch set (a plan changed since is left alone, and named).
   */
  async switchBack(route: SiteRoute, record: RouteSwitchRecord, call: RouteCall): Promise<void> {
    const plan = recordOf(route, record);
    if (plan.kind === 'movetns') {
      await this.move(plan.siteId, plan.toSipPeerId, plan.fromSipPeerId, plan.tns, call);
      return;
    }
    const peer = await call(() => readSipPeer(this.api, plan.siteId, plan.sipPeerId));
    if (samePlan(peer.routePlan, plan.before)) {
      return;
    }
    if (!samePlan(peer.routePlan, plan.after)) {
      throw new CarrierError(
        'bandwidth',
        `switchBack for ${route.siteId}: SIP peer ${plan.sipPeerId}'s route plan changed since the switch (now ${describePlan(peer.routePlan)}); set it back to ${describePlan(plan.before)} by hand if that is still wanted`,
        { retryable: false },
      );
    }
    await call(() => updateSipPeerRoutePlan(this.api, plan.siteId, plan.sipPeerId, peer, plan.before));
  }

  /** Moves those of `tns` still on SIP peer `from` to `to` (reads only when none are left). */
  private async move(
    siteId: string,
    from: string,
    to: string,
    tns: readonly string[],
    call: RouteCall,
  ): Promise<void> {
    if (tns.length === 0) {
      return;
    }
    const onFrom = new Set(
      (await listSipPeerTns(this.api, siteId, from, this.pageSize, call)).map((entry) => entry.tn),
    );
    const moving = tns.filter((tn) => onFrom.has(tn));
    await moveTns(this.api, siteId, to, moving, call);
    for (const tn of moving) this.known.delete(tn);
  }

  private async readBack(
    route: SiteRoute,
    numbers: readonly string[],
    call: RouteCall,
    kind: 'native' | 'switch',
  ): Promise<RouteReadBack> {
    const ids = idsOf(route);
    const primary = sipEndpoint(route.primarySipUri, `audit ${route.siteId}`);
    const backup = sipEndpoint(route.backupSipUri, `audit ${route.siteId}`);
    const peer = await call(() => readSipPeer(this.api, ids.siteId, ids.sipPeerId));
    const details = [
      `SIP peer ${ids.sipPeerId} (site ${ids.siteId}) route plan: ${describePlan(peer.routePlan)}`,
    ];
    let armed: boolean;
    if (kind === 'native') {
      armed = failsOverTo(peer.routePlan, primary, backup);
      details.push(
        armed
          ? `fails over from ${primary} to ${backup}`
          : `does not fail over from ${primary} (alone at priority 1) to ${backup}`,
      );
    } else if (ids.backupSipPeerId !== undefined) {
      const backupPeer = await call(() => readSipPeer(this.api, ids.siteId, ids.backupSipPeerId as string));
      armed = leadsWith(backupPeer.routePlan, backup);
      details.push(
        `backup SIP peer ${ids.backupSipPeerId} route plan: ${describePlan(backupPeer.routePlan)}${armed ? '' : ` (does not send calls to ${backup} first)`}`,
      );
    } else {
      armed = peer.routePlan !== null;
      details.push(
        armed ? `a switch puts ${backup} first` : 'no route plan to switch: the SIP peer has no routes',
      );
    }
    const ignored = await numbersNotCarried(this.api, ids, numbers, call, {
      pageSize: this.pageSize,
      checkNumberRoutePlans: this.checkNumberRoutePlans,
      known: this.known,
    });
    return { armed, details, ignored };
  }
}

function idsOf(route: SiteRoute): RouteIds {
  const siteId = route.ids.bandwidthSiteId;
  const sipPeerId = route.ids.sipPeerId;
  if (!siteId || !sipPeerId) {
    throw new CarrierError(
      'bandwidth',
      `route of ${route.siteId}: set ids.bandwidthSiteId and ids.sipPeerId (the SIP peer its numbers are on)`,
      { retryable: false },
    );
  }
  const backupSipPeerId = route.ids.backupSipPeerId || undefined;
  return { siteId, sipPeerId, ...(backupSipPeerId ? { backupSipPeerId } : {}) };
}

function recordOf(route: SiteRoute, record: RouteSwitchRecord): RoutePlanSwitchRecord | MoveTnsSwitchRecord {
  const valid =
    record.kind === 'movetns'
      ? Array.isArray(record.tns) &&
        typeof record.fromSipPeerId === 'string' &&
        typeof record.toSipPeerId === 'string'
      : record.kind === 'sip-peer-route-plan' &&
        Array.isArray(record.after) &&
        typeof record.sipPeerId === 'string';
  if (!valid || typeof record.siteId !== 'string') {
    throw new CarrierError(
      'bandwidth',
      `switch of ${route.siteId}: not a Bandwidth switch record (plan it with planSwitch)`,
      {
        retryable: false,
      },
    );
  }
  return record as unknown as RoutePlanSwitchRecord | MoveTnsSwitchRecord;
}
