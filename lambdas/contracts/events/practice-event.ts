import * as z from 'zod/mini';
import '../zod-english-messages';
import { CARRIER_NAMES } from '../config/config-constants';

/**
 * The practice function's event: `{action: "practice"}`, optionally for one carrier, and `force` to
 * run even in another region's week (a manual run after fixing something). The weekly EventBridge
 * "Scheduled Event" means a plain practice.
 */
const practiceRequestSchema = z.strictObject({
  action: z.literal('practice'),
  carrier: z.optional(z.enum(CARRIER_NAMES)),
  force: z._default(z.boolean(), false),
});

function scheduledToPractice(event: unknown): unknown {
  const candidate = event as { source?: unknown; 'detail-type'?: unknown } | null;
  return candidate?.source === 'aws.events' && candidate['detail-type'] === 'Scheduled Event'
    ? { action: 'practice' }
    : event;
}

/** Everything the practice function accepts (a transform piped into the schema: classic's preprocess). */
export const practiceEventSchema = z.pipe(z.transform(scheduledToPractice), practiceRequestSchema);
export type PracticeEvent = z.output<typeof practiceEventSchema>;
