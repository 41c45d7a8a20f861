import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import { CARRIER_NAMES, type Config } from '../../../lambdas/contracts/config/schema';

/**
 * A forwarding plan of `count` numbers for the drill, shared round-robin between the configured
 * carriers, all on the first primary site. Numbers and destinations are in the North American 555
 * range (fictional), which every carrier's forwarding accepts.
 */
export function generatePlan(config: Config, count: number): PlanEntry[] {
  const carriers = CARRIER_NAMES.filter((name) => config.carriers[name] !== undefined);
  const site = config.sites.find((candidate) => candidate.role === 'primary');
  if (!site || carriers.length === 0)
    throw new Error('the config needs a primary site and a carrier to generate a plan');
  if (!Number.isInteger(count) || count < 1 || count > 1_000_000) {
    throw new RangeError(`--numbers: expected a whole number 1-1000000, got ${count}`);
  }
  return Array.from({ length: count }, (_, index) => ({
    number: `+1602${String(5_000_000 + index).padStart(7, '0')}`,
    carrier: carriers[index % carriers.length],
    siteId: site.id,
    forwardTo: `+1214${String(5_000_000 + index).padStart(7, '0')}`,
    label: `drill ${index + 1}`,
  }));
}
