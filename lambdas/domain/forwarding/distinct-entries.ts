/** The plan's rows as every forwarding run takes them: one row a number. */

import type { PlanEntry } from '../../contracts/config/plan-entry';
import { ValidationError } from '../../contracts/errors';

/** Rejects duplicated numbers: two plan rows for one number would make its destination ambiguous. */
export function distinctEntries(entries: PlanEntry[]): PlanEntry[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const { number } of entries) {
    if (seen.has(number)) duplicates.add(number);
    seen.add(number);
  }
  if (duplicates.size > 0) {
    throw new ValidationError(
      'The forwarding plan lists some numbers more than once: keep one row per number',
      [...duplicates].map((number) => `${number} appears more than once`),
    );
  }
  return entries;
}
