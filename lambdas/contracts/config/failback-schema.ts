import * as z from 'zod';
import { intInRange } from './field-schemas';

/** How numbers come home after the site recovers: the mode and the waves. */
export const failbackSchema = z
  .object({
    mode: z
      .enum(['manual', 'automatic'], { error: 'expected manual or automatic' })
      .default('manual')
      .describe(
        "manual: failback waits for an operator's approval; automatic: it starts after the recovery hold.",
      ),
    waves: z
      .array(intInRange(1, 100))
      .min(1, { error: 'expected at least one wave' })
      .default([10, 25, 50, 100])
      .describe('Cumulative percentages of numbers restored by each wave, increasing, ending at 100.'),
    minutesBetweenWaves: intInRange(0, 1440)
      .default(5)
      .describe('Minutes to wait (and re-check health) between waves.'),
    switchBack: z
      .enum(['before-first-wave', 'after-last-wave'], {
        error: 'expected before-first-wave or after-last-wave',
      })
      .default('before-first-wave')
      .describe(
        'When failback undoes a route switch (sites[].failover mode switch): before its first wave, or once the last wave has brought every forwarded number home.',
      ),
  })
  .strict();
