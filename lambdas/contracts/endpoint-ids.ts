/**
 * How an observation names the endpoint it probed. The probes write these ids, the decision sorts
 * observations into its round-verdict rules by them, and the CLI, the replay and the trip event
 * read them back, so every side takes the spelling from here.
 */
import type { SipEndpoint } from './config/schema';

/** The observation endpoint id of a SIP endpoint, e.g. `sip:udp:sbc1.example.net:5060`. */
export function sipEndpointId(endpoint: Pick<SipEndpoint, 'transport' | 'host' | 'port'>): string {
  return `sip:${endpoint.transport}:${endpoint.host}:${endpoint.port}`;
}

/** Prefix of the observation endpoint id of a control target, e.g. `control:https://example.org/`. */
export const CONTROL_ENDPOINT_PREFIX = 'control:';

/** The observation endpoint id of a control target. */
export function controlEndpointId(url: string): string {
  return `${CONTROL_ENDPOINT_PREFIX}${url}`;
}

/**
 * Which rule of the round verdict an endpoint id falls under. HTTP endpoints are ids by their URL;
 * control targets are not the site's endpoints at all (see judgeRound).
 */
export function endpointKind(endpointId: string): 'sip' | 'http' | 'control' {
  if (endpointId.startsWith('sip:')) return 'sip';
  return endpointId.startsWith(CONTROL_ENDPOINT_PREFIX) ? 'control' : 'http';
}
