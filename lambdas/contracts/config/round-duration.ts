import { CALL_TEARDOWN_MS } from './config-constants';
import type { DetectionSettings, Site, TestCall } from './schema';

/**
 * The longest a probe round of these sites may take: the probe timeout, or a test call's answer
 * window plus its teardown when that is longer. The probe starts a round only when this much time
 * is left in its invocation, and the decision waits this long (plus the write margin) before it
 * judges a round, so no region judges a round another is still placing calls in.
 */
export function longestProbeMs(
  detection: Pick<DetectionSettings, 'probeTimeoutMs'>,
  sites: readonly Partial<Pick<Site, 'calls'>>[],
  teardownMs: number = CALL_TEARDOWN_MS,
): number {
  const calls = sites.flatMap((site) => site.calls ?? []);
  return Math.max(detection.probeTimeoutMs, ...calls.map((call) => call.answerWithinMs + teardownMs));
}

/**
 * Whether a test call is placed in the round starting `at`: every `intervalSeconds` (default every
 * round), counted in whole probe intervals from the epoch, so every region places it in the same
 * rounds and the simulator schedules it as the probe does.
 */
export function isCallDue(
  call: Partial<Pick<TestCall, 'intervalSeconds'>>,
  at: number,
  probeIntervalSeconds: number,
): boolean {
  const every = Math.max(
    1,
    Math.round((call.intervalSeconds ?? probeIntervalSeconds) / probeIntervalSeconds),
  );
  return Math.floor(at / (probeIntervalSeconds * 1000)) % every === 0;
}
