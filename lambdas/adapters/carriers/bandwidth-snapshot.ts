/**
 * A Bandwidth number's RoutingSnapshot, built in one place so that a single read (readRouting) and a
 * SIP peer TN page (bandwidth-routing-pages.ts) give the same snapshot for the same routing.
 */
import type { RoutingSnapshot } from '../../ports/carriers';
import { type BandwidthRoute, forwardedNumberOf } from './bandwidth-route-plan';

/** The carrier-specific part of a Bandwidth RoutingSnapshot. */
export interface BandwidthRoutingSettings {
  /** 10-digit telephone number. */
  tn: string;
  siteId: string;
  sipPeerId: string;
  /** The 10-digit CallForward number, or null when the number is not forwarded. */
  callForward: string | null;
  /** The TN's own origination route plan, or null when it follows its SIP peer's. */
  originationRoutePlan: BandwidthRoute[] | null;
}

/** The snapshot of `number` with these settings (forwarded by CallForward, else by its own route plan). */
export function bandwidthSnapshotOf(number: string, settings: BandwidthRoutingSettings): RoutingSnapshot {
  const forwardsTo = settings.callForward ?? forwardedNumberOf(settings.originationRoutePlan);
  return {
    carrier: 'bandwidth',
    number,
    settings: { ...settings },
    forwardsTo: forwardsTo ? `+1${forwardsTo}` : null,
    mode: forwardsTo ? 'always' : null,
  };
}
