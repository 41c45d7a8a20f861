import * as z from 'zod';
import { httpUrl, intInRange } from './field-schemas';

/** How a site is judged down or up again. */
export const detectionSchema = z
  .object({
    probeIntervalSeconds: intInRange(5, 60)
      .default(10)
      .describe(
        'Seconds between probes of one site from one region (the probe runs every minute and probes this often within it).',
      ),
    failuresToTrip: intInRange(1, 20)
      .default(3)
      .describe('Consecutive failed probes a region must see before it votes the site down.'),
    quorum: intInRange(1, 10)
      .default(2)
      .describe(
        'How many regions must vote a site down before it is declared down. Never above the number of watchdog regions.',
      ),
    recoveryHoldMinutes: intInRange(0, 240)
      .default(10)
      .describe(
        'A down site is declared up again only after this many minutes of healthy quorum (flap damping).',
      ),
    probeTimeoutMs: intInRange(100, 30000).default(2000).describe('Time a single probe waits for an answer.'),
    controlTargets: z
      .array(httpUrl)
      .max(5, { error: 'expected at most 5 control targets' })
      .refine((urls) => new Set(urls).size === urls.length, { error: 'expected each control target once' })
      .default([])
      .describe(
        "URLs outside every site (public endpoints of other companies) that each region also requests every round; any HTTP answer counts as reached. A region that reaches none of them while the site fails blames its own network and abstains from the vote, so two regions' network troubles cannot fail a healthy site over. Empty: regions never abstain.",
      ),
  })
  .strict();
