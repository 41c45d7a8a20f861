import * as z from 'zod';
import { CARRIER_NAMES } from '../config/schema';

/**
 * The practice function's event: `{action: "practice"}`, optionally for one carrier, and `force` to
 * run even in another region's week (a manual run after fixing something). The weekly EventBridge
 * "Scheduled Event" means a plain practice.
 */
const practiceRequestSchema = z
  .object({
    action: z.literal('practice'),
    carrier: z.enum(CARRIER_NAMES).optional(),
    force: z.boolean().default(false),
  })
  .strict();

function scheduledToPractice(event: unknown): unknown {
  const candidate = event as { source?: unknown; 'detail-type'?: unknown } | null;
  return candidate?.source === 'aws.events' && candidate['detail-type'] === 'Scheduled Event'
    ? { action: 'practice' }
    : event;
}

/** Everything the practice function accepts. */
export const practiceEventSchema = z.preprocess(scheduledToPractice, practiceRequestSchema);
export type PracticeEvent = z.output<typeof practiceEventSchema>;
