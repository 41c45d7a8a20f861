import { CONTROL_ENDPOINT_PREFIX, endpointKind } from '../contracts/endpoint-ids';

/**
 * An observation's endpoint id as it may be logged: a health-check or control-target URL loses its
 * query, fragment and credentials, which may hold a token; a SIP endpoint id is kept whole.
 */
export function redactEndpoint(endpointId: string): string {
  const kind = endpointKind(endpointId);
  if (kind === 'sip') return endpointId;
  const prefix = kind === 'control' ? CONTROL_ENDPOINT_PREFIX : '';
  try {
    const url = new URL(endpointId.slice(prefix.length));
    return `${prefix}${url.origin}${url.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}
