/**
 * Control targets: URLs outside every site that each region requests once per probe round. They are
 * not health checks of anything of ours: any HTTP answer proves that the region's own network
 * reaches the internet. A round whose site probes and control probes all failed is then most likely
 * the region's fault, and the decision counts it as an abstention (see judgeRound).
 */
import type { DetectionSettings } from '../../contracts/config/schema';
import { controlEndpointId } from '../../contracts/endpoint-ids';
import type { Observation, ProbeSiteFn } from '../../ports/detection';
import { describeFetchError } from './http-probe';
import { type ProbeResult, type ProbeRound, probeSite } from './probe-site';
import type { TestCallRoundOptions } from './test-call-round';

/** How a control probe behaves. */
export interface ControlProbeOptions {
  /** Normally the config's `detection.probeTimeoutMs`. */
  timeoutMs: number;
  /** Injected for tests. @default the global fetch */
  fetch?: typeof fetch;
}

/** Requests `url`; any HTTP status is a reached network. Never throws. */
export async function probeControlTarget(url: string, options: ControlProbeOptions): Promise<ProbeResult> {
  const fetchImpl = options.fetch ?? fetch;
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    const response = await fetchImpl(url, {
      method: 'GET',
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: { 'user-agent': 'carrier-failover-probe', accept: '*/*' },
    });
    await response.body?.cancel().catch(() => {});
    return { ok: true, status: response.status, latencyMs: latency(), reason: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, latencyMs: latency(), reason: describeFetchError(error, options.timeoutMs) };
  }
}

/**
 * Wraps a site prober so every site's round also carries the region's control observations
 * (endpoint `control:<url>`). The control targets are requested once per round, however many sites
 * there are, and at the same time as the sites.
 */
export function withControlTargets(
  probeSite: ProbeSiteFn,
  urls: readonly string[],
  options: ControlProbeOptions,
): ProbeSiteFn {
  if (urls.length === 0) return probeSite;
  let current: { key: string; results: Promise<ProbeResult[]> } | undefined;
  const controlRound = (round: ProbeRound) => {
    const key = `${round.region}@${round.at}`;
    if (current?.key !== key) {
      current = { key, results: Promise.all(urls.map((url) => probeControlTarget(url, options))) };
    }
    return current.results;
  };
  return async (site, round) => {
    const [observations, control] = await Promise.all([probeSite(site, round), controlRound(round)]);
    const controlObservations = control.map(
      (result, index): Observation => ({
        siteId: site.id,
        region: round.region,
        at: round.at,
        ok: result.ok,
        latencyMs: result.latencyMs,
        endpoint: controlEndpointId(urls[index]),
        reason: result.reason,
      }),
    );
    return [...observations, ...controlObservations];
  };
}

/**
 * The probe a watchdog region runs with the config's detection settings: every endpoint of a site,
 * its test calls when due and the control targets, each within its timeout. The Lambda, the CLI and
 * the drill all run it; `calls` says where the calls' digest credentials come from.
 */
export function configuredProbe(
  detection: Pick<DetectionSettings, 'probeTimeoutMs' | 'controlTargets' | 'probeIntervalSeconds'>,
  calls: Omit<TestCallRoundOptions, 'probeIntervalSeconds'> = {},
): ProbeSiteFn {
  const timeoutMs = detection.probeTimeoutMs;
  const callOptions = { ...calls, probeIntervalSeconds: detection.probeIntervalSeconds };
  return withControlTargets(
    (site, round) => probeSite(site, round, { timeoutMs, calls: callOptions }),
    detection.controlTargets,
    { timeoutMs },
  );
}
