/**
 * The requests of one test call, after RFC 3261 (no SIP library): the INVITE with its SDP offer,
 * the CANCEL and the ACK of a non-2xx answer (both inside the INVITE transaction), and the ACK and
 * BYE of an answered call (inside its dialog). No sockets here; sip-call-probe.ts sends them.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { TestCall } from '../../contracts/config/schema';
import { BRANCH_MAGIC_COOKIE, formatHost, type SipMessage } from './sip-message';

/**
 * The SDP offer's audio port. Never 0, which declines the stream (RFC 3264 §5.1) and gets a 488 from
 * most SBCs; 9 (discard) is the usual placeholder for "no media here": the probe never sends or
 * receives RTP, and whatever the far end sends there is dropped by our own host, not by somebody else's.
 */
export const SDP_AUDIO_PORT = 9;

/** What stays the same in every request of the call. */
export interface CallLeg {
  transport: TestCall['transport'];
  /** The INVITE's (and CANCEL's) Request-URI. */
  requestUri: string;
  /** To header value without tag. */
  to: string;
  /** From header value with our tag. */
  from: string;
  contact: string;
  callId: string;
  local: { address: string; port: number };
  userAgent: string;
}

/** The far end of an answered call: from its 2xx (RFC 3261 §12.1.2). */
export interface CallDialog {
  toTag: string;
  /** To header value with the remote tag. */
  to: string;
  /** Where in-dialog requests are addressed: the 2xx's Contact. */
  remoteTarget: string;
  /** Route headers for in-dialog requests: the 2xx's Record-Route, reversed. */
  routeSet: string[];
}

/** A digest answer to put on a request. */
export interface RequestCredentials {
  header: 'Authorization' | 'Proxy-Authorization';
  value: string;
}

/** A fresh z9hG4bK branch for a new client transaction. */
export function newBranch(): string {
  return `${BRANCH_MAGIC_COOKIE}${randomBytes(10).toString('hex')}`;
}

/** The call's fixed parts, from the config and our socket's address. */
export function describeCallLeg(
  call: Pick<TestCall, 'host' | 'port' | 'transport' | 'to' | 'from'>,
  ids: { callId: string; fromTag: string },
  local: { address: string; port: number },
  userAgent: string,
): CallLeg {
  const host = formatHost(call.host);
  const localHost = formatHost(local.address);
  const toIsUri = isSipUri(call.to);
  const fromIsUri = isSipUri(call.from);
  const contactUser = fromIsUri ? 'carrier-failover' : call.from;
  return {
    transport: call.transport,
    requestUri: toIsUri ? call.to : `sip:${call.to}@${host}:${call.port};transport=${call.transport}`,
    to: toIsUri ? `<${call.to}>` : `<sip:${call.to}@${host}:${call.port}>`,
    from: `${fromIsUri ? `<${call.from}>` : `<sip:${call.from}@${localHost}>`};tag=${ids.fromTag}`,
    contact: `<sip:${contactUser}@${localHost}:${local.port};transport=${call.transport}>`,
    callId: ids.callId,
    local,
    userAgent,
  };
}

function isSipUri(party: string): boolean {
  return /^sips?:/i.test(party);
}

/** The INVITE, first or after a challenge (then with credentials, a higher CSeq and a new branch). */
export function buildInvite(
  leg: CallLeg,
  tx: { branch: string; cseq: number },
  credentials?: RequestCredentials,
): string {
  return buildRequest(leg, {
    method: 'INVITE',
    uri: leg.requestUri,
    branch: tx.branch,
    to: leg.to,
    cseq: tx.cseq,
    headers: [
      `Contact: ${leg.contact}`,
      'Allow: INVITE, ACK, CANCEL, BYE',
      ...(credentials ? [`${credentials.header}: ${credentials.value}`] : []),
    ],
    body: { type: 'application/sdp', text: buildSdpOffer(leg) },
  });
}

/**
 * CANCEL of the INVITE (RFC 3261 §9.1): Request-URI, Call-ID, To, From, CSeq number and the branch
 * of the INVITE being cancelled; a CANCEL cannot be challenged, so no credentials (§22.1).
 */
export function buildCancel(leg: CallLeg, tx: { branch: string; cseq: number }): string {
  return buildRequest(leg, {
    method: 'CANCEL',
    uri: leg.requestUri,
    branch: tx.branch,
    to: leg.to,
    cseq: tx.cseq,
  });
}

/** ACK of a non-2xx final answer, part of the INVITE transaction (RFC 3261 §17.1.1.3). */
export function buildNon2xxAck(
  leg: CallLeg,
  tx: { branch: string; cseq: number },
  toWithTag: string,
): string {
  return buildRequest(leg, {
    method: 'ACK',
    uri: leg.requestUri,
    branch: tx.branch,
    to: toWithTag,
    cseq: tx.cseq,
  });
}

/**
 * ACK of a 2xx or BYE, in the dialog (RFC 3261 §12.2.1.1, §13.2.2.4, §15.1.1): a new transaction
 * to the remote target through the route set. The ACK carries the INVITE's CSeq number and
 * credentials; the BYE the next CSeq.
 */
export function buildInDialogRequest(
  leg: CallLeg,
  dialog: CallDialog,
  request: { method: 'ACK' | 'BYE'; cseq: number; branch: string },
  credentials?: RequestCredentials,
): string {
  return buildRequest(leg, {
    method: request.method,
    uri: dialog.remoteTarget,
    branch: request.branch,
    to: dialog.to,
    cseq: request.cseq,
    headers: [
      ...dialog.routeSet.map((route) => `Route: ${route}`),
      ...(credentials ? [`${credentials.header}: ${credentials.value}`] : []),
    ],
  });
}

/**
 * The dialog a 2xx sets up, or undefined without a To tag. Without a Contact (a broken server) the
 * INVITE's Request-URI is the remote target. A strict-routing first hop (no `;lr`) is treated as a
 * loose one: RFC 2543 routing is not worth a probe's code.
 */
export function dialogFromAnswer(response: SipMessage, inviteUri: string): CallDialog | undefined {
  const to = response.headers.to?.[0];
  const toTag = to === undefined ? undefined : /;\s*tag\s*=\s*([^;>\s]+)/i.exec(to)?.[1];
  if (to === undefined || toTag === undefined) return undefined;
  const contact = splitHeaderList(response.headers.contact ?? [])[0];
  const remoteTarget = contact === undefined ? inviteUri : uriOfNameAddr(contact);
  const routeSet = splitHeaderList(response.headers['record-route'] ?? []).reverse();
  return { toTag, to, remoteTarget, routeSet };
}

/** The URI inside `"Name" <sip:x@y>;param` or the bare `sip:x@y;uriparam` (RFC 3261 §20.10). */
function uriOfNameAddr(value: string): string {
  const bracketed = /<([^>]*)>/.exec(value);
  if (bracketed) return bracketed[1];
  return value.split(';')[0].trim();
}

/** Splits comma-joined header values, keeping commas inside quotes and angle brackets. */
function splitHeaderList(values: readonly string[]): string[] {
  const items: string[] = [];
  for (const value of values) {
    let depth = 0;
    let quoted = false;
    let start = 0;
    for (let i = 0; i < value.length; i++) {
      const char = value[i];
      if (char === '"' && value[i - 1] !== '\\') quoted = !quoted;
      else if (!quoted && char === '<') depth++;
      else if (!quoted && char === '>') depth--;
      else if (!quoted && depth === 0 && char === ',') {
        items.push(value.slice(start, i).trim());
        start = i + 1;
      }
    }
    items.push(value.slice(start).trim());
  }
  return items.filter(Boolean);
}

/**
 * The INVITE's body, a minimal audio offer: PCMU and PCMA on the placeholder port (see
 * SDP_AUDIO_PORT). Exported for a qop=auth-int digest answer, which hashes it.
 */
export function buildSdpOffer(leg: CallLeg): string {
  const address = leg.local.address.startsWith('::ffff:') ? leg.local.address.slice(7) : leg.local.address;
  const family = net.isIPv6(address) ? 'IP6' : 'IP4';
  // Call-ID-derived session id: the same offer text for a retried INVITE, as RFC 3264 §8 allows.
  const sessionId = Number.parseInt(leg.callId.slice(0, 8), 16) || 1;
  return [
    'v=0',
    `o=carrier-failover ${sessionId} ${sessionId} IN ${family} ${address}`,
    's=carrier-failover test call',
    `c=IN ${family} ${address}`,
    't=0 0',
    `m=audio ${SDP_AUDIO_PORT} RTP/AVP 0 8`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

function buildRequest(
  leg: CallLeg,
  request: {
    method: string;
    uri: string;
    branch: string;
    to: string;
    cseq: number;
    headers?: string[];
    body?: { type: string; text: string };
  },
): string {
  const body = request.body?.text ?? '';
  return [
    `${request.method} ${request.uri} SIP/2.0`,
    `Via: SIP/2.0/${leg.transport.toUpperCase()} ${formatHost(leg.local.address)}:${leg.local.port};branch=${request.branch};rport`,
    'Max-Forwards: 70',
    `From: ${leg.from}`,
    `To: ${request.to}`,
    `Call-ID: ${leg.callId}`,
    `CSeq: ${request.cseq} ${request.method}`,
    ...(request.headers ?? []),
    `User-Agent: ${leg.userAgent}`,
    ...(request.body ? [`Content-Type: ${request.body.type}`] : []),
    `Content-Length: ${Buffer.byteLength(body, 'utf8')}`,
    '',
    body,
  ].join('\r\n');
}
