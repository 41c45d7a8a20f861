import * as z from 'zod/mini';
import '../zod-english-messages';
import { CARRIER_NAMES } from '../config/config-constants';

/**
 * A practice: `{action: "practice"}`, optionally for one carrier, and `force` to run even in another
 * region's week (a manual run after fixing something). The weekly EventBridge "Scheduled Event"
 * means a plain practice.
 */
const practiceRequestSchema = z.strictObject({
  action: z.literal('practice'),
  carrier: z.optional(z.enum(CARRIER_NAMES)),
  force: z._default(z.boolean(), false),
});

/**
 * The daily read of the routing baseline: `{action: "refresh-baseline"}` (what the daily schedule
 * sends), optionally for one `site`, and `force` to read even a baseline younger than 20 hours.
 */
const baselineRequestSchema = z.strictObject({
  action: z.literal('refresh-baseline'),
  site: z.optional(z.string().check(z.minLength(1))),
  force: z._default(z.boolean(), false),
});

/** What the daily schedule's target sends (its input replaces the Scheduled Event). */
export const DAILY_BASELINE_EVENT = { action: 'refresh-baseline' } as const;

/** The UTC hour the first watchdog region reads the baseline; each next region an hour later. */
export const DAILY_BASELINE_FIRST_HOUR_UTC = 3;

/**
 * The UTC hour of the daily read in the watchdog region at `regionIndex` (config order). Staggered
 * by an hour, so the first region to answer reads and the others find a baseline younger than
 * 20 hours and leave it alone; when that region is down, the next takes over an hour later.
 */
export function dailyBaselineHourUtc(regionIndex: number): number {
  return (DAILY_BASELINE_FIRST_HOUR_UTC + regionIndex) % 24;
}

function scheduledToPractice(event: unknown): unknown {
  const candidate = event as { source?: unknown; 'detail-type'?: unknown } | null;
  return candidate?.source === 'aws.events' && candidate['detail-type'] === 'Scheduled Event'
    ? { action: 'practice' }
    : event;
}

/** Everything the practice function accepts (a transform piped into the schema: classic's preprocess). */
export const practiceEventSchema = z.pipe(
  z.transform(scheduledToPractice),
  z.discriminatedUnion('action', [practiceRequestSchema, baselineRequestSchema]),
);
export type PracticeEvent = z.output<typeof practiceEventSchema>;
