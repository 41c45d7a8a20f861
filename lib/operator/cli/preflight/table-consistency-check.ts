/** Check `table consistency`: whether the watchdog regions give the incident table strong consistency. */
import {
  incidentTableConsistency,
  STRONG_CONSISTENCY_REGION_SETS,
} from '../../../../lambdas/contracts/incident-table-design';
import type { PreflightCheck } from './preflight-check';

/** Strong when the regions are three of one multi-region strong-consistency set; a warning otherwise. */
export function checkConsistency(watchdogRegions: readonly string[]): PreflightCheck {
  const regions = watchdogRegions.join(', ');
  if (incidentTableConsistency(watchdogRegions) === 'STRONG') {
    return {
      check: 'table consistency',
      region: 'all',
      status: 'ok',
      detail: `strong (multi-region strong consistency across ${regions}): a region's conditional write is decided once for all regions`,
    };
  }
  const sets = STRONG_CONSISTENCY_REGION_SETS.map((set) => set.join('/')).join('; ');
  return {
    check: 'table consistency',
    region: 'all',
    status: 'warn',
    detail: `eventual: ${regions} are not three regions of one strong-consistency set (${sets}); only each region's own per-site conditional write keeps an outage to one incident, so two regions opening it within the replication delay can both win (README "Known limits"); choose three regions of one set for strong consistency`,
  };
}
