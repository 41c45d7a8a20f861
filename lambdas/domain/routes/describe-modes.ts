/** Which mode moved which numbers: the lines the alerts and the report show per carrier. */
import type { CarrierName, FailoverMode } from '../../contracts/config/config-constants';
import type { PlanEntry } from '../../contracts/config/plan-entry';
import type { IncidentRoute } from '../../ports/incidents';

/** One carrier's share of a failover, by the mode that moved its numbers. */
export interface ModeShare {
  carrier: CarrierName;
  /** The mode that carried these numbers. */
  mode: FailoverMode;
  numbers: number;
}

/**
 * Splits the site's numbers by carrier and by the mode that moved them: a route's covered numbers by
 * its mode (native, or switch), the rest by the carrier's per-number or bulk mode (`slowModeOf`).
 */
export function modeShares(
  entries: readonly PlanEntry[],
  routes: readonly IncidentRoute[] | undefined,
  slowModeOf: (carrier: CarrierName) => FailoverMode,
): ModeShare[] {
  const shares: ModeShare[] = [];
  const carriers = [...new Set(entries.map((entry) => entry.carrier))];
  for (const carrier of carriers) {
    const total = entries.filter((entry) => entry.carrier === carrier).length;
    const route = routes?.find((item) => item.carrier === carrier);
    const carried = route && route.state !== 'not-covering' ? route.covered : 0;
    if (carried > 0) {
      shares.push({ carrier, mode: route?.state === 'covered' ? 'native' : 'switch', numbers: carried });
    }
    if (total - carried > 0) {
      shares.push({ carrier, mode: slowModeOf(carrier), numbers: total - carried });
    }
  }
  return shares;
}

/** The alert lines: `By mode:` then one line a carrier and mode. */
export function describeModeShares(shares: readonly ModeShare[]): string[] {
  if (shares.length === 0) return [];
  return [
    'By mode:',
    ...shares.map((share) => `  ${share.carrier}: ${share.numbers} by ${MODE_WORDS[share.mode]}`),
  ];
}

const MODE_WORDS: Record<FailoverMode, string> = {
  native: "the carrier's own failover (native, no request during the outage)",
  switch: 'the route switch (switch)',
  bulk: 'bulk updates (bulk)',
  'per-number': 'one request per number (per-number)',
};
