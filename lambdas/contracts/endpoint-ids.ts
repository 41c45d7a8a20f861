/**
 * How an observation names the endpoint it probed. The probes write these ids, the decision sorts
 * observations into its round-verdict rules by them, and the CLI, the replay and the trip event
 * read them back, so every side takes the spelling from here.
 */
import type { SipEndpoint, TestCall } from './config/schema';

/** The observation endpoint id of a SIP endpoint, e.g. `sip:udp:sbc1.example.net:5060`. */
export function sipEndpointId(endpoint: Pick<SipEndpoint, 'transport' | 'host' | 'port'>): string {
  return `sip:${endpoint.transport}:${endpoint.host}:${endpoint.port}`;
}

/** Prefix of the observation endpoint id of a test call, e.g. `call:udp:sbc1.example.net:5060:+15550100`. */
export const TEST_CALL_ENDPOINT_PREFIX = 'call:';

/** The observation endpoint id of a test call: where the INVITE goes and to whom. */
export function testCallEndpointId(call: Pick<TestCall, 'transport' | 'host' | 'port' | 'to'>): string {
  return `${TEST_CALL_ENDPOINT_PREFIX}${call.transport}:${call.host}:${call.port}:${call.to}`;
}

/** Prefix of the observation endpoint id of a control target, e.g. `control:https://example.org/`. */
export const CONTROL_ENDPOINT_PREFIX = 'control:';

/** The observation endpoint id of a control target. */
export function controlEndpointId(url: string): string {
  return `${CONTROL_ENDPOINT_PREFIX}${url}`;
}

/**
 * Which rule of the round verdict an endpoint id falls under. HTTP endpoints are ids by their URL;
 * test calls are INVITEs through the site; control targets are not the site's endpoints at all (see
 * judgeRound).
 */
export function endpointKind(endpointId: string): 'sip' | 'http' | 'call' | 'control' {
  if (endpointId.startsWith('sip:')) return 'sip';
  if (endpointId.startsWith(TEST_CALL_ENDPOINT_PREFIX)) return 'call';
  return endpointId.startsWith(CONTROL_ENDPOINT_PREFIX) ? 'control' : 'http';
}
