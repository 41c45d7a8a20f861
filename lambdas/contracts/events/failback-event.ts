import * as z from 'zod';

/** Advance failback now (one site, or every primary site). */
const tickEventSchema = z
  .object({ action: z.literal('tick'), siteId: z.string().min(1).max(40).optional() })
  .strict();

/** An operator's approval of failback (manual mode), sent by `carrier-failover failback --approve`. */
const approveEventSchema = z
  .object({
    action: z.literal('approve'),
    siteId: z.string().min(1).max(40),
    approvedBy: z.object({ name: z.string().min(1).max(200), region: z.string().min(1) }).strict(),
  })
  .strict();

/** The schedule's EventBridge "Scheduled Event" means: advance every primary site's failback. */
function scheduledToTick(event: unknown): unknown {
  const candidate = event as { source?: unknown; 'detail-type'?: unknown } | null;
  return candidate?.source === 'aws.events' && candidate['detail-type'] === 'Scheduled Event'
    ? { action: 'tick' }
    : event;
}

/** Everything the failback function accepts; problems are reported per field of the chosen action. */
export const failbackEventSchema = z.preprocess(
  scheduledToTick,
  z.discriminatedUnion('action', [tickEventSchema, approveEventSchema]),
);
export type FailbackEvent = z.output<typeof failbackEventSchema>;
export type ApproveFailbackEvent = z.input<typeof approveEventSchema>;
