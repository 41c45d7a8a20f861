import * as z from 'zod/mini';
import '../zod-english-messages';

/**
 * The probe's event: EventBridge's `Scheduled Event`, every minute. Other fields (id, time,
 * resources, ...) are not read.
 */
export const probeEventSchema = z.looseObject({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
});

/**
 * Why an event is not one the probe runs for, or nothing. Accepted: EventBridge's `Scheduled Event`
 * and `{}` (an operator's manual `aws lambda invoke`). Anything else is a wiring mistake.
 */
export function probeEventProblems(event: unknown): string[] {
  const isObject = typeof event === 'object' && event !== null && !Array.isArray(event);
  if (isObject && Object.keys(event).length === 0) return [];
  const parsed = probeEventSchema.safeParse(event);
  if (parsed.success) return [];
  return [
    'expected an EventBridge Scheduled Event (source aws.events) or {}',
    ...parsed.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`),
  ];
}
