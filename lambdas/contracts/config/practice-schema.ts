import * as z from 'zod';
import { DEFAULT_PRACTICE_SCHEDULE } from './config-constants';

/** EventBridge schedule expressions: `cron(` six fields `)` or `rate(N unit)`. */
const SCHEDULE_PATTERN = /^(cron\((\S+ ){5}\S+\)|rate\([1-9]\d* (minute|minutes|hour|hours|day|days)\))$/;

/** The weekly practice of the failover path: whether, when and what it audits. */
export const practiceSchema = z
  .object({
    enabled: z
      .boolean({ error: 'expected true or false' })
      .default(true)
      .describe(
        'Run the scheduled practice (the canary failover and the path checks) in the watchdog regions.',
      ),
    schedule: z
      .string({ error: 'expected an EventBridge schedule expression' })
      .regex(SCHEDULE_PATTERN, {
        error: 'expected an EventBridge schedule expression such as cron(0 15 ? * TUE *) or rate(7 days)',
      })
      .default(DEFAULT_PRACTICE_SCHEDULE)
      .describe(
        'EventBridge schedule of the practice function in every watchdog region (UTC). Regions take turns by week: each week one region runs, the others return at once.',
      ),
    audit: z
      .enum(['armed', 'normal'], { error: 'expected armed or normal' })
      .default('armed')
      .describe(
        'What the practice run audits on the plan numbers: armed (every carrier-native fallback set, as carrier-failover arm leaves it) or normal (only that no number is left forwarding).',
      ),
  })
  .strict();
