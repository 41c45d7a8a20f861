/**
 * One probe round of one site from one region: every SIP and HTTP endpoint at once, each turned
 * into an Observation stamped with the round's start, so the decision can group them by `at`.
 */
import type { Site } from '../../contracts/config/schema';
import { sipEndpointId } from '../../contracts/endpoint-ids';
import type { Observation } from '../../ports/detection';
import { type HttpProbeOptions, probeHttp } from './http-probe';
import { probeSipOptions, type SipProbeOptions } from './sip-options-probe';
import { placeTestCalls, type TestCallRoundOptions } from './test-call-round';

/** The verdict of one probe of one endpoint, SIP or HTTP. */
export interface ProbeResult {
  ok: boolean;
  /** The SIP or HTTP status when the endpoint answered. */
  status?: number;
  /** From the start of the probe to its verdict. */
  latencyMs: number;
  /** Short, alert-ready: `SIP 503 Service Unavailable`, `timeout after 2000 ms`, `HTTP 500`, ... */
  reason: string;
}

/** Which round this is: every observation of the round carries this region and start time. */
export interface ProbeRound {
  region: string;
  /** Epoch ms when the round started. */
  at: number;
}

/** Settings shared by every probe of a round. */
export interface ProbeSiteOptions {
  /** Per-probe timeout, normally the config's `detection.probeTimeoutMs`. */
  timeoutMs: number;
  sip?: Omit<SipProbeOptions, 'timeoutMs'>;
  http?: Omit<HttpProbeOptions, 'timeoutMs'>;
  /** How the site's test calls are placed; without it a site's calls are not placed. */
  calls?: TestCallRoundOptions;
}

/**
 * Probes all endpoints of the site in parallel, test calls included when they are due. Endpoint ids
 * are `sip:<transport>:<host>:<port>` for SIP, the URL itself for HTTP and
 * `call:<transport>:<host>:<port>:<to>` for a test call. Never throws: a probe that cannot run is a
 * failed observation.
 */
export async function probeSite(
  site: Pick<Site, 'id' | 'sip' | 'http'> & Partial<Pick<Site, 'calls'>>,
  round: ProbeRound,
  options: ProbeSiteOptions,
): Promise<Observation[]> {
  const sipProbes = site.sip.map(async (endpoint) =>
    toObservation(
      site.id,
      round,
      sipEndpointId(endpoint),
      await probeSipOptions(endpoint, { ...options.sip, timeoutMs: options.timeoutMs }),
    ),
  );
  const httpProbes = site.http.map(async (endpoint) =>
    toObservation(
      site.id,
      round,
      endpoint.url,
      await probeHttp(endpoint, { ...options.http, timeoutMs: options.timeoutMs }),
    ),
  );
  const calls =
    options.calls && site.calls && site.calls.length > 0
      ? placeTestCalls(site.id, site.calls, round, options.calls)
      : Promise.resolve([]);
  const [probed, called] = await Promise.all([Promise.all([...sipProbes, ...httpProbes]), calls]);
  return [...probed, ...called];
}

function toObservation(
  siteId: string,
  round: ProbeRound,
  endpoint: string,
  result: ProbeResult,
): Observation {
  return {
    siteId,
    region: round.region,
    at: round.at,
    ok: result.ok,
    latencyMs: result.latencyMs,
    endpoint,
    reason: result.reason,
  };
}
