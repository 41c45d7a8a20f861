/**
 * Replies the in-process SIP responder sends: built from the request as RFC 3261 §8.2.6 says, with
 * hooks for the deviations tests of the probes need (a wrong Call-ID, branch or CSeq).
 */
import type { SipMessage } from '../../../lambdas/adapters/probes/sip-message';

/** A request the responder received, kept for assertions. */
export interface ReceivedSipRequest {
  transport: 'udp' | 'tcp' | 'tls';
  /** The raw message text. */
  text: string;
  message: Extract<SipMessage, { kind: 'request' }>;
  remote: { address: string; port: number };
}

const REASON_PHRASES: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  183: 'Session Progress',
  200: 'OK',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here',
  487: 'Request Terminated',
  500: 'Server Internal Error',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  603: 'Decline',
};

/** The standard reason phrase of a SIP status, or a generic one. */
export function reasonPhraseFor(status: number): string {
  return REASON_PHRASES[status] ?? (status < 300 ? 'OK' : 'Error');
}

/** Deviations from a correct reply, for tests of the probe's matching. */
export interface SipReplyOverrides {
  reasonPhrase?: string;
  callId?: string;
  branch?: string;
  cseq?: string;
}

/** What a reply carries besides the copied headers: a dialog's To tag, more headers, a body. */
export interface SipReplyContent {
  /** The To tag when the request's To has none. @default 'responder' */
  toTag?: string;
  /** Whole header lines, e.g. `Contact: <sip:responder@127.0.0.1:5060>`. */
  headers?: string[];
  body?: { type: string; text: string };
}

/**
 * A reply to `request` as RFC 3261 §8.2.6 builds it: Via (with `received`/`rport` filled in when
 * the request asked for rport), From, To with a tag, Call-ID and CSeq copied.
 */
export function buildSipReply(
  request: ReceivedSipRequest,
  status: number,
  overrides: SipReplyOverrides = {},
  content: SipReplyContent = {},
): string {
  const headers = request.message.headers;
  const vias = [...(headers.via ?? [])];
  if (vias.length > 0) {
    vias[0] = fillReceivedAndRport(vias[0], request.remote);
    if (overrides.branch !== undefined) {
      vias[0] = vias[0].replace(/branch=[^;,\s]+/i, `branch=${overrides.branch}`);
    }
  }
  const to = headers.to?.[0] ?? '';
  const body = content.body?.text ?? '';
  return [
    `SIP/2.0 ${status} ${overrides.reasonPhrase ?? reasonPhraseFor(status)}`,
    ...vias.map((via) => `Via: ${via}`),
    `From: ${headers.from?.[0] ?? ''}`,
    `To: ${/;\s*tag=/i.test(to) ? to : `${to};tag=${content.toTag ?? 'responder'}`}`,
    `Call-ID: ${overrides.callId ?? headers['call-id']?.[0] ?? ''}`,
    `CSeq: ${overrides.cseq ?? headers.cseq?.[0] ?? ''}`,
    'Server: carrier-failover-sip-responder',
    ...(content.headers ?? []),
    ...(content.body ? [`Content-Type: ${content.body.type}`] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

function fillReceivedAndRport(via: string, remote: { address: string; port: number }): string {
  const withRport = via.replace(/;\s*rport(?=;|$)/i, `;rport=${remote.port}`);
  return `${withRport};received=${remote.address}`;
}
