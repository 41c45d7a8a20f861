import type * as z from 'zod';
import { CALL_TEARDOWN_MS } from './config-constants';
import { detectionSchema } from './detection-schema';

/** A site as the rules may see it: possibly partly invalid. */
type LooseSite = { calls?: unknown } | undefined;
type LooseCall = {
  host?: unknown;
  port?: unknown;
  to?: unknown;
  answerWithinMs?: unknown;
  intervalSeconds?: unknown;
};

/**
 * Test calls fit the probe rounds: placed every whole number of rounds (so every region places them
 * in the same rounds), answered and torn down before the next round starts, and each placed once.
 */
export function checkTestCalls(sites: readonly LooseSite[], detection: unknown, ctx: z.RefinementCtx): void {
  const interval = (detection as { probeIntervalSeconds?: unknown } | undefined)?.probeIntervalSeconds;
  // An interval out of its range is reported on its own field; judging calls by it would mislead.
  const intervalValid = detectionSchema.shape.probeIntervalSeconds.safeParse(interval).success;
  const intervalSeconds = intervalValid ? (interval as number) : undefined;
  sites.forEach((site, siteIndex) => {
    const calls = Array.isArray(site?.calls) ? (site.calls as LooseCall[]) : [];
    const seen = new Set<string>();
    calls.forEach((call, index) => {
      const path = ['sites', siteIndex, 'calls', index];
      const key = `${String(call?.host)}:${String(call?.port)}:${String(call?.to)}`;
      if (seen.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'to'],
          message: `the test call to ${String(call?.to)} at ${String(call?.host)} is listed twice`,
        });
      }
      seen.add(key);
      if (intervalSeconds === undefined) return;
      const every = call?.intervalSeconds;
      if (typeof every === 'number' && (every < intervalSeconds || every % intervalSeconds !== 0)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'intervalSeconds'],
          message: `expected a multiple of detection.probeIntervalSeconds (${intervalSeconds}), got ${every}`,
        });
      }
      const answerWithin = call?.answerWithinMs;
      if (typeof answerWithin === 'number' && answerWithin + CALL_TEARDOWN_MS >= intervalSeconds * 1000) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'answerWithinMs'],
          message: `expected at most ${intervalSeconds * 1000 - CALL_TEARDOWN_MS - 1} ms: the call and its ${CALL_TEARDOWN_MS} ms teardown must end before the next probe round (detection.probeIntervalSeconds ${intervalSeconds}), got ${answerWithin}`,
        });
      }
    });
  });
}
