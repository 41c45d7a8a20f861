import type { DetectionSettings } from '../../contracts/config/schema';
import type { SiteHealthState } from '../../ports/detection';
import {
  callVerdictLifetimeMs,
  type DecisionOptions,
  freshnessWindowMs,
} from '../detection/decide-site-health';

/** Whether numbers may go home now, and why not. */
export type FailbackReadiness = { ready: true } | { ready: false; reason: string };

/**
 * The gate before every failback wave, read from the same quorum decision the probes keep: the site
 * must be declared up (healthy quorum for the whole recovery hold), at least `quorum` regions must have
 * fresh probe rounds, no region may be voting it down, and no fresh region's latest test calls may
 * have failed. Stricter than the trip rule on purpose:
 * halting a failback leaves callers forwarded and costs nothing, failing back onto a sick site does.
 */
export function judgeFailbackReadiness(
  state: SiteHealthState | undefined,
  settings: DetectionSettings,
  nowMs: number,
  options: DecisionOptions = {},
): FailbackReadiness {
  if (!state) return { ready: false, reason: 'no probe has reported on the site yet' };
  if (state.status !== 'up') {
    return {
      ready: false,
      reason: `the site is not declared up yet (healthy for ${settings.recoveryHoldMinutes} min is required)`,
    };
  }
  const freshAfter = nowMs - freshnessWindowMs(settings, options);
  const fresh = Object.entries(state.regions).filter(([, region]) => region.lastRoundAt >= freshAfter);
  if (fresh.length < settings.quorum) {
    return {
      ready: false,
      reason: `only ${fresh.length} region(s) have fresh probes (quorum ${settings.quorum}); the monitor must see the site`,
    };
  }
  const voting = fresh.filter(([, region]) => region.consecutiveFailures >= settings.failuresToTrip);
  if (voting.length > 0) {
    const reasons = voting.map(([name, region]) => `${name}: ${region.lastReason ?? 'failing'}`).join('; ');
    return { ready: false, reason: `the site is failing again (${reasons})` };
  }
  // A site that answers OPTIONS and HTTP but fails calls is not home yet (2022-08-12's second act).
  const callsFailing = fresh.filter(
    ([, region]) =>
      region.lastCalls !== undefined &&
      !region.lastCalls.ok &&
      nowMs - region.lastCalls.at <= callVerdictLifetimeMs(options),
  );
  if (callsFailing.length > 0) {
    const reasons = callsFailing.map(([name, region]) => `${name}: ${region.lastCalls?.reason}`).join('; ');
    return { ready: false, reason: `test calls through the site are failing (${reasons})` };
  }
  return { ready: true };
}

/**
 * Which numbers each wave restores: `waves` are cumulative percentages (e.g. 10, 25, 50, 100) of the
 * numbers, taken in a stable order so every run and region cuts the same slices.
 */
export function waveSlices(numbers: readonly string[], waves: readonly number[]): string[][] {
  const sorted = [...numbers].sort();
  let start = 0;
  return waves.map((percent) => {
    const end = Math.ceil((percent / 100) * sorted.length);
    const slice = sorted.slice(start, Math.max(start, end));
    start = Math.max(start, end);
    return slice;
  });
}
