/**
 * Telnyx's route-wide operations on a site's connection (`route.ids.connectionId`):
 * - `native` (armNative/audit): the connection's own sequential failover from the site's FQDN to
 *   the backup's (telnyx-fqdn-connection.ts). Per-number `call_forwarding` with `forwarding_type:
 *   on-failure` is Telnyx's other native form, for E.164 destinations; the engine pre-arms it
 *   through the Carrier port's forward, not here.
 * - `switch` (planSwitch/switchToBackup/switchBack): the connection's numbers moved to
 *   `route.ids.backupConnectionId` and back, with one filter job each way when the backup
 *   connection has no numbers of its own (telnyx-filter-move.ts), else with the numbers listed
 *   in the record (telnyx-connection-move.ts); telnyx-switch-plan.ts chooses.
 * Every request goes through the run's `call`.
 */
import { CarrierError } from '../../contracts/errors';
import type {
  CarrierRoutes,
  RouteCall,
  RouteReadBack,
  RouteSwitchRecord,
  SiteRoute,
} from '../../ports/carrier-routes';
import { applyConnectionMove, type MoveLimits, undoConnectionMove } from './telnyx-connection-move';
import { moveByFilter } from './telnyx-filter-move';
import {
  armedInbound,
  createFqdn,
  describeFailover,
  inboundChanges,
  isTarget,
  parseSipTarget,
  readConnectionTargets,
  updateInbound,
} from './telnyx-fqdn-connection';
import { throughCall } from './telnyx-route-api';
import { readRouteNumbers } from './telnyx-route-numbers';
import { asTelnyxSwitchRecord, planTelnyxSwitch } from './telnyx-switch-plan';
import type { TelnyxJobContext } from './telnyx-update-job';

/** Options of Telnyx's route operations. */
export interface TelnyxRoutesOptions {
  /**
   * Update jobs one switch keeps in flight. Telnyx allows 20 pending jobs an account (forwarding
   * jobs count too), so the default leaves room. @default 10
   */
  readonly maxJobsInFlight?: number;
}

/** Telnyx implementation of the CarrierRoutes port. */
export class TelnyxRoutes implements CarrierRoutes {
  private readonly limits: MoveLimits;

  constructor(
    private readonly context: TelnyxJobContext,
    options: TelnyxRoutesOptions = {},
  ) {
    this.limits = { maxJobsInFlight: options.maxJobsInFlight ?? 10 };
  }

  /**
   * Makes the connection try the site's FQDN first and the backup's next (routing sequential),
   * creating the backup's FQDN on the connection when missing and writing only what differs, then
   * reads it back. `route.nativeFailoverSeconds`, when set, becomes the connection's
   * `inbound.timeout_1xx_secs` (how long Telnyx waits for a target before aborting it; Telnyx's
   * default 3 s; that its failover moves on after it is Telnyx support's word, not the spec's).
   * A connection without the site's FQDN is not changed at all (that would change where today's
   * calls go): the read-back says so.
   */
  async armNative(route: SiteRoute, numbers: readonly string[], call: RouteCall): Promise<RouteReadBack> {
    const context = throughCall(this.context, call);
    const connectionId = idOf(route, 'connectionId');
    const timeout1xxSecs = timeoutOf(route);
    const targets = await readConnectionTargets(context, connectionId);
    const primary = targets?.fqdns.find((fqdn) => isTarget(fqdn, parseSipTarget(route.primarySipUri)));
    if (targets && primary) {
      const backupTarget = parseSipTarget(route.backupSipUri);
      const backup =
        targets.fqdns.find((fqdn) => isTarget(fqdn, backupTarget)) ??
        (await createFqdn(context, connectionId, backupTarget));
      const changes = inboundChanges(targets.connection, armedInbound(primary, backup, timeout1xxSecs));
      if (Object.keys(changes).length > 0) {
        await updateInbound(context, connectionId, changes);
      }
    }
    return this.audit(route, numbers, call);
  }

  /** Reads the connection's failover and which of `numbers` it carries, changing nothing. */
  async audit(route: SiteRoute, numbers: readonly string[], call: RouteCall): Promise<RouteReadBack> {
    const context = throughCall(this.context, call);
    const connectionId = idOf(route, 'connectionId');
    const targets = await readConnectionTargets(context, connectionId);
    if (!targets) {
      return {
        armed: false,
        details: [
          `connection ${connectionId} is not an FQDN connection at Telnyx (RetrieveFqdnConnection: 404): native failover needs one; use switch mode or fix sites[].failover.telnyx.connectionId`,
        ],
        ignored: numbers.map((number) => ({
          number,
          reason: `connection ${connectionId} is not an FQDN connection at Telnyx`,
        })),
      };
    }
    const { armed, details } = describeFailover(targets, route);
    const hasPrimary = targets.fqdns.some((fqdn) => isTarget(fqdn, parseSipTarget(route.primarySipUri)));
    const carried = await readRouteNumbers(
      context,
      { id: connectionId, name: targets.connection.connection_name },
      numbers,
    );
    return {
      armed,
      details: [
        ...details,
        ...(hasPrimary
          ? []
          : [
              `the connection has no FQDN for the site's ${route.primarySipUri}, so arm changed nothing: fix the site's SIP URI or the connection`,
            ]),
        `${carried.onConnection} of ${numbers.length} numbers on the connection, ${carried.ignored.length} ignored`,
      ],
      ignored: carried.ignored,
    };
  }

  /**
   * Checks the backup connection and counts its numbers: none, and the record is a filter move
   * (`{ carrier, kind: 'filter', from, to }`); some, and it lists the site's numbers (refused
   * beyond MAX_LISTED_SWITCH_NUMBERS).
   */
  planSwitch(route: SiteRoute, call: RouteCall): Promise<RouteSwitchRecord> {
    return planTelnyxSwitch(
      throughCall(this.context, call),
      idOf(route, 'connectionId'),
      idOf(route, 'backupConnectionId'),
    );
  }

  /** Moves what is still on the site connection (the record's numbers, or all by filter) to the backup. */
  async switchToBackup(_route: SiteRoute, record: RouteSwitchRecord, call: RouteCall): Promise<void> {
    const switched = asTelnyxSwitchRecord(record);
    const context = throughCall(this.context, call);
    if (switched.kind === 'filter') {
      await moveByFilter(context, switched.from, switched.to);
    } else {
      await applyConnectionMove(context, switched, this.limits);
    }
  }

  /** Moves what is still on the backup connection (the record's numbers, or all by filter) back. */
  async switchBack(_route: SiteRoute, record: RouteSwitchRecord, call: RouteCall): Promise<void> {
    const switched = asTelnyxSwitchRecord(record);
    const context = throughCall(this.context, call);
    if (switched.kind === 'filter') {
      await moveByFilter(context, switched.to, switched.from);
    } else {
      await undoConnectionMove(context, switched, this.limits);
    }
  }
}

function idOf(route: SiteRoute, key: 'connectionId' | 'backupConnectionId'): string {
  const id = route.ids[key];
  if (!id) {
    throw new CarrierError(
      'telnyx',
      `site ${route.siteId} has no ${key} for Telnyx; set sites[].failover.telnyx.${key}`,
      { retryable: false },
    );
  }
  return id;
}

// The config allows 1-120 (Telnyx's range for timeout_1xx_secs); a route built elsewhere is checked
// here so Telnyx never gets a value it refuses.
function timeoutOf(route: SiteRoute): number | undefined {
  const seconds = route.nativeFailoverSeconds;
  if (seconds !== undefined && !(Number.isInteger(seconds) && seconds >= 1 && seconds <= 120)) {
    throw new CarrierError(
      'telnyx',
      `site ${route.siteId}: nativeFailoverSeconds ${seconds} is not a whole number of seconds from 1 to 120 (Telnyx's timeout_1xx_secs); fix sites[].failover.telnyx.nativeFailoverSeconds`,
      { retryable: false },
    );
  }
  return seconds;
}
