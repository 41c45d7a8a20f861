import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import type { CarrierName } from '../../../lambdas/contracts/config/schema';

/** Backup destination every test plan forwards to. */
export const BACKUP = '+14155559999';

/** `count` plan rows with distinct E.164 numbers, all on `carrier`, forwarding to BACKUP. */
export function planEntries(
  count: number,
  carrier: CarrierName = 'telnyx',
  first = 14155550000,
): PlanEntry[] {
  return Array.from({ length: count }, (_, index) => ({
    number: `+${first + index}`,
    carrier,
    siteId: 'primary-dc',
    forwardTo: BACKUP,
  }));
}

/** The numbers of some plan rows. */
export function numbersOf(entries: PlanEntry[]): string[] {
  return entries.map((entry) => entry.number);
}
