/**
 * SIP messages on the wire, after RFC 3261 (no SIP library): the OPTIONS request the probe sends,
 * the parser for what comes back, and the framer that cuts a TCP/TLS stream into messages. No
 * sockets here; sip-options-probe.ts runs the transaction over them.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { SipEndpoint } from '../../contracts/config/schema';

/** A header section longer than this is not a SIP message worth waiting for. */
const MAX_HEADER_BYTES = 64 * 1024;
/** RFC 3261's magic cookie: a branch starting with it promises RFC 3261 transaction matching. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

/** The parts of a sent OPTIONS request a response must match. */
export interface SipTransactionIds {
  branch: string;
  callId: string;
  fromTag: string;
  cseq: number;
}

/** A parsed SIP message: a request or a response, header names lower-cased in their long form. */
export type SipMessage =
  | { kind: 'request'; method: string; uri: string; headers: Record<string, string[]>; body: string }
  | {
      kind: 'response';
      status: number;
      reasonPhrase: string;
      headers: Record<string, string[]>;
      body: string;
    };

/** A message that does not parse as SIP. */
export class MalformedSipMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedSipMessageError';
  }
}

/** Compact header forms (RFC 3261 §7.3.3 and extensions) mapped to their long names. */
const COMPACT_HEADER_NAMES: Record<string, string> = {
  i: 'call-id',
  v: 'via',
  l: 'content-length',
  f: 'from',
  t: 'to',
  m: 'contact',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
};

/** Fresh random identifiers for one transaction (RFC 3261 §8.1.1: globally unique Call-ID and branch). */
export function newTransactionIds(): SipTransactionIds {
  return {
    branch: `${BRANCH_MAGIC_COOKIE}${randomBytes(10).toString('hex')}`,
    callId: `${randomBytes(12).toString('hex')}@carrier-failover`,
    fromTag: randomBytes(6).toString('hex'),
    cseq: 1,
  };
}

/**
 * The OPTIONS request text. `local` is our socket's address, used in Via and Contact; `rport`
 * (RFC 3581) makes the server answer to the port the request came from even when a NAT rewrote it.
 */
export function buildOptionsRequest(params: {
  target: Pick<SipEndpoint, 'host' | 'port' | 'transport'>;
  local: { address: string; port: number };
  ids: SipTransactionIds;
  userAgent: string;
}): string {
  const { target, local, ids } = params;
  const targetHost = formatHost(target.host);
  const localHost = formatHost(local.address);
  return [
    `OPTIONS sip:${targetHost}:${target.port};transport=${target.transport} SIP/2.0`,
    `Via: SIP/2.0/${target.transport.toUpperCase()} ${localHost}:${local.port};branch=${ids.branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:carrier-failover@${localHost}>;tag=${ids.fromTag}`,
    `To: <sip:${targetHost}:${target.port}>`,
    `Call-ID: ${ids.callId}`,
    `CSeq: ${ids.cseq} OPTIONS`,
    `Contact: <sip:carrier-failover@${localHost}:${local.port};transport=${target.transport}>`,
    `User-Agent: ${params.userAgent}`,
    'Accept: application/sdp',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** Host as it goes into a SIP URI or Via: IPv6 in brackets, IPv4-mapped IPv6 as plain IPv4. */
export function formatHost(host: string): string {
  const unmapped = host.startsWith('::ffff:') && net.isIPv4(host.slice(7)) ? host.slice(7) : host;
  return net.isIPv6(unmapped) ? `[${unmapped}]` : unmapped;
}

/**
 * Parses one complete SIP message (start line, headers, body).
 * @throws MalformedSipMessageError when the start line or a header line is not SIP.
 */
export function parseSipMessage(text: string): SipMessage {
  const headerEnd = text.indexOf('\r\n\r\n');
  const head = headerEnd === -1 ? text : text.slice(0, headerEnd);
  const body = headerEnd === -1 ? '' : text.slice(headerEnd + 4);
  // RFC 3261 §7.3.1: a line starting with white space continues the previous header.
  const lines = head.replace(/\r\n[ \t]+/g, ' ').split('\r\n');
  const startLine = lines[0] ?? '';
  const headers: Record<string, string[]> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MalformedSipMessageError(`bad header line "${truncate(line)}"`);
    const rawName = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT_HEADER_NAMES[rawName] ?? rawName;
    const value = line.slice(colon + 1).trim();
    const values = headers[name] ?? [];
    values.push(value);
    headers[name] = values;
  }
  const statusLine = /^SIP\/2\.0 (\d{3})(?: (.*))?$/.exec(startLine);
  if (statusLine) {
    return {
      kind: 'response',
      status: Number(statusLine[1]),
      reasonPhrase: statusLine[2] ?? '',
      headers,
      body,
    };
  }
  const requestLine = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(startLine);
  if (requestLine) return { kind: 'request', method: requestLine[1], uri: requestLine[2], headers, body };
  throw new MalformedSipMessageError(`bad start line "${truncate(startLine)}"`);
}

/**
 * Cuts a TCP/TLS byte stream into SIP messages by their Content-Length (RFC 3261 §18.3, where
 * the header is mandatory). Skips the CRLF keepalives of RFC 5626.
 */
export class SipStreamFramer {
  private buffer = Buffer.alloc(0);

  /**
   * Adds received bytes; returns the messages they completed.
   * @throws MalformedSipMessageError when a message has no usable Content-Length or no end of headers.
   */
  push(chunk: Buffer): string[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const messages: string[] = [];
    for (;;) {
      let start = 0;
      while (
        start + 1 < this.buffer.length &&
        this.buffer[start] === 0x0d &&
        this.buffer[start + 1] === 0x0a
      ) {
        start += 2;
      }
      this.buffer = this.buffer.subarray(start);
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd === -1) {
        if (this.buffer.length > MAX_HEADER_BYTES) {
          throw new MalformedSipMessageError(`no end of headers within ${MAX_HEADER_BYTES} bytes`);
        }
        return messages;
      }
      const head = this.buffer.subarray(0, headerEnd).toString('utf8');
      const lengthMatch = /^(?:content-length|l)[ \t]*:[ \t]*(\S*)/im.exec(head);
      if (!lengthMatch) throw new MalformedSipMessageError('no Content-Length on a stream transport');
      if (!/^\d+$/.test(lengthMatch[1])) {
        throw new MalformedSipMessageError(`bad Content-Length "${truncate(lengthMatch[1])}"`);
      }
      const total = headerEnd + 4 + Number(lengthMatch[1]);
      if (this.buffer.length < total) return messages;
      messages.push(this.buffer.subarray(0, total).toString('utf8'));
      this.buffer = this.buffer.subarray(total);
    }
  }
}

/** Shortens a quoted piece of a message so an error reason stays one readable line. */
export function truncate(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The first value of a header (long name, lower case), if the message has it. */
export function firstHeader(message: SipMessage, name: string): string | undefined {
  return message.headers[name]?.[0];
}

/** The branch parameter of a Via header value's first hop. */
export function topViaBranch(via: string): string | undefined {
  return /;\s*branch\s*=\s*([^;,\s]+)/i.exec(via.split(',')[0])?.[1];
}

/**
 * Turns a socket error into the short reason an alert can show; the wording of every SIP probe
 * (sip-options-probe.ts keeps its own copy of this function for now).
 */
export function describeTransportError(error: unknown, duringTlsHandshake: boolean): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // Not `instanceof Error`: errors from another realm (a test VM, a worker) fail that check.
  const rawMessage = (error as { message?: unknown } | undefined)?.message;
  const message = typeof rawMessage === 'string' ? rawMessage : String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `DNS lookup failed: ${message}`;
    case 'EHOSTUNREACH':
      return 'host unreachable';
    case 'ENETUNREACH':
      return 'network unreachable';
    default:
      return duringTlsHandshake || code?.startsWith('ERR_TLS') || code?.startsWith('ERR_SSL')
        ? `TLS handshake failed: ${message}`
        : `transport error: ${message}`;
  }
}

/** A parsed SIP response. */
export type SipResponse = Extract<SipMessage, { kind: 'response' }>;

/** A response with the fields a client transaction is matched by (RFC 3261 §17.1.3). */
export interface AddressedResponse {
  response: SipResponse;
  callId: string;
  cseq: number;
  /** The CSeq method, upper case. */
  method: string;
  /** The top Via's branch. */
  branch?: string;
}

/**
 * Parses a received message as a response to match against our transactions: `undefined` for a
 * request (the server's own keepalive or BYE is not an answer) or an unreadable CSeq.
 * @throws MalformedSipMessageError when it is not SIP or lacks Call-ID, CSeq or Via
 */
export function parseAddressedResponse(text: string): AddressedResponse | undefined {
  const message = parseSipMessage(text);
  if (message.kind === 'request') return undefined;
  const callId = firstHeader(message, 'call-id');
  const cseq = firstHeader(message, 'cseq');
  const via = firstHeader(message, 'via');
  if (callId === undefined || cseq === undefined || via === undefined) {
    throw new MalformedSipMessageError('missing Call-ID, CSeq or Via');
  }
  const cseqMatch = /^(\d+)\s+([A-Za-z]+)$/.exec(cseq);
  if (!cseqMatch) return undefined;
  return {
    response: message,
    callId,
    cseq: Number(cseqMatch[1]),
    method: cseqMatch[2].toUpperCase(),
    branch: topViaBranch(via),
  };
}
