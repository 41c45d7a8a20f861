/**
 * The drill's version of the deployment: the example config's outage on loopback and in seconds
 * instead of minutes.
 */
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import { longestProbeMs } from '../../../lambdas/contracts/config/round-duration';
import type { Config, Site } from '../../../lambdas/contracts/config/schema';
import type { DeploymentFiles } from '../../../lambdas/runtime/deployment-files';
import type { LocalControlTarget } from './local-control-target';
import type { LocalSite } from './local-site';

/**
 * The time scale of a drill: the example config's outage, played in seconds instead of minutes. Only
 * timing changes; quorum, failuresToTrip, waves and every code path stay as configured.
 */
export const DRILL_TIME_SCALE = {
  probeIntervalSeconds: 1,
  probeTimeoutMs: 300,
  recoveryHoldMinutes: 0.1,
  minutesBetweenWaves: 0.05,
  /** How long one probe "invocation" lasts before the next starts (a Lambda's minute). */
  probeWindowMs: 5_000,
  /** How often each region's failback function is "scheduled". */
  failbackTickMs: 500,
  // The adapters' production timeout: shorter ones time out under the drill's own load and turn slow
  // answers into writes of unknown outcome that are not the carrier's doing.
  carrierTimeoutMs: 5_000,
  carrierPollMs: 50,
  /** How long a test call's teardown may take on loopback (the deployed probe allows 2 s). */
  callTeardownMs: 300,
} as const;

/** The longest a drill round takes: the probe timeout, or a test call's answer window and its loopback teardown. */
export function drillRoundMs(config: Pick<Config, 'detection' | 'sites'>): number {
  return longestProbeMs(config.detection, config.sites, DRILL_TIME_SCALE.callTeardownMs);
}

/** The deployment files the drill's functions read: the config on loopback and on the drill's time scale. */
export function drillFiles(
  config: Config,
  plan: PlanEntry[],
  site: LocalSite,
  control: LocalControlTarget,
  fakeCarriers: Config['carriers'],
  rateLimit?: number,
): DeploymentFiles {
  const primary = config.sites.find((candidate) => candidate.role === 'primary')!;
  const carriersConfig = Object.fromEntries(
    Object.entries(fakeCarriers).map(([name, carrier]) => [
      name,
      // A higher rate needs more requests in flight (Little's law), with room for slow answers.
      rateLimit !== undefined
        ? {
            ...carrier,
            rateLimitPerSecond: rateLimit,
            maxConcurrency: Math.max(carrier.maxConcurrency, Math.ceil(rateLimit * 0.15)),
          }
        : carrier,
    ]),
  ) as Config['carriers'];
  return {
    config: {
      ...config,
      // Only the primary site is played; standby sites point at hosts that do not exist here.
      sites: [site.describe(primary) as Site],
      detection: {
        ...config.detection,
        probeIntervalSeconds: DRILL_TIME_SCALE.probeIntervalSeconds,
        probeTimeoutMs: DRILL_TIME_SCALE.probeTimeoutMs,
        recoveryHoldMinutes: DRILL_TIME_SCALE.recoveryHoldMinutes,
        // The public control targets are out of reach here; one loopback target stands in for them.
        controlTargets: config.detection.controlTargets.length > 0 ? [control.url] : [],
      },
      failback: { ...config.failback, minutesBetweenWaves: DRILL_TIME_SCALE.minutesBetweenWaves },
      carriers: carriersConfig,
    },
    plan: plan.filter((entry) => entry.siteId === primary.id),
  };
}
