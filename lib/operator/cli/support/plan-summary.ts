/** The short summary `config check` and `plan check` print on success. */
import type { PlanEntry } from '../../../../lambdas/contracts/config/plan-entry';
import { CARRIER_NAMES, type CarrierName, type Config } from '../../../../lambdas/contracts/config/schema';
import { formatTable } from './output';

/** How many numbers the plan forwards, by carrier and by site. */
export interface PlanCounts {
  total: number;
  byCarrier: Partial<Record<CarrierName, number>>;
  bySite: Record<string, number>;
}

/** Counts the plan's numbers per carrier (configured ones, in the config's order) and per site. */
export function countPlan(config: Config, plan: readonly PlanEntry[]): PlanCounts {
  const byCarrier: Partial<Record<CarrierName, number>> = {};
  for (const name of CARRIER_NAMES) {
    if (config.carriers[name]) byCarrier[name] = plan.filter((entry) => entry.carrier === name).length;
  }
  const bySite: Record<string, number> = {};
  for (const site of config.sites) bySite[site.id] = plan.filter((entry) => entry.siteId === site.id).length;
  return { total: plan.length, byCarrier, bySite };
}

/** The sites and their endpoints and numbers, as a table. */
export function sitesTable(config: Config, counts: PlanCounts): string {
  return formatTable(
    ['SITE', 'ROLE', 'SIP', 'HTTP', 'NUMBERS'],
    config.sites.map((site) => [
      site.id,
      site.role,
      String(site.sip.length),
      String(site.http.length),
      String(counts.bySite[site.id] ?? 0),
    ]),
  );
}

/** The numbers per carrier, as a table. */
export function carriersTable(counts: PlanCounts): string {
  return formatTable(
    ['CARRIER', 'NUMBERS'],
    Object.entries(counts.byCarrier).map(([carrier, count]) => [carrier, String(count)]),
  );
}
