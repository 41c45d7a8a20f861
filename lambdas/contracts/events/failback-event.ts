import * as z from 'zod/mini';
import '../zod-english-messages';

/** Advance failback now (one site, or every primary site). */
const tickEventSchema = z.strictObject({
  action: z.literal('tick'),
  siteId: z.optional(z.string().check(z.minLength(1), z.maxLength(40))),
});

/** An operator's approval of failback (manual mode), sent by `carrier-failover failback --approve`. */
const approveEventSchema = z.strictObject({
  action: z.literal('approve'),
  siteId: z.string().check(z.minLength(1), z.maxLength(40)),
  approvedBy: z.strictObject({
    name: z.string().check(z.minLength(1), z.maxLength(200)),
    region: z.string().check(z.minLength(1)),
  }),
});

/** The schedule's EventBridge "Scheduled Event" means: advance every primary site's failback. */
function scheduledToTick(event: unknown): unknown {
  const candidate = event as { source?: unknown; 'detail-type'?: unknown } | null;
  return candidate?.source === 'aws.events' && candidate['detail-type'] === 'Scheduled Event'
    ? { action: 'tick' }
    : event;
}

/**
 * Everything the failback function accepts; problems are reported per field of the chosen action.
 * zod/mini has no `preprocess`; a transform piped into the schema is what classic's preprocess is.
 */
export const failbackEventSchema = z.pipe(
  z.transform(scheduledToTick),
  z.discriminatedUnion('action', [tickEventSchema, approveEventSchema]),
);
export type FailbackEvent = z.output<typeof failbackEventSchema>;
export type ApproveFailbackEvent = z.input<typeof approveEventSchema>;
