/**
 * SIP OPTIONS "ping" of one endpoint over UDP, TCP or TLS, written against RFC 3261 directly
 * (no SIP library): one non-INVITE client transaction, answered or not within a deadline.
 *
 * Verdicts follow DESIGN.md "What a SIP answer means": 2xx and the endpoint's `healthyCodes` are
 * healthy; any other final answer, a timeout, a refused connection, a TLS failure or a reply we
 * cannot parse is unhealthy. Provisional (1xx) answers only mean "keep waiting".
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import type { SipEndpoint } from '../../contracts/config/schema';
import type { ProbeResult } from './probe-site';

/** RFC 3261 timer T1 (RTT estimate) and T2 (longest retransmit interval of a non-INVITE request). */
const DEFAULT_T1_MS = 500;
const DEFAULT_T2_MS = 4000;
/** A header section longer than this is not a SIP message worth waiting for. */
const MAX_HEADER_BYTES = 64 * 1024;
/** RFC 3261's magic cookie: a branch starting with it promises RFC 3261 transaction matching. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

/** How an OPTIONS probe behaves besides the endpoint's own settings. */
export interface SipProbeOptions {
  /** How long to wait for a final answer, connection and handshake included. */
  timeoutMs: number;
  /** TLS settings for `transport: tls`. */
  tls?: {
    /**
     * Refuse servers whose certificate does not verify.
     * @default true
     */
    rejectUnauthorized?: boolean;
    /** Trusted CA certificates (PEM), e.g. a test CA; the system store is used when absent. */
    ca?: string | Buffer | Array<string | Buffer>;
    /** SNI and certificate name to check. @default the endpoint host when it is a name */
    servername?: string;
  };
  /** UDP retransmission timers; tests shorten them. @default T1 500 ms, T2 4 s (RFC 3261) */
  retransmit?: { t1Ms?: number; t2Ms?: number };
  /** @default 'carrier-failover-probe' */
  userAgent?: string;
}

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

/** Sends one OPTIONS request to the endpoint and judges the answer. Never throws. */
export async function probeSipOptions(endpoint: SipEndpoint, options: SipProbeOptions): Promise<ProbeResult> {
  const started = performance.now();
  const ids = newTransactionIds();
  return new Promise<ProbeResult>((resolve) => {
    const cleanups: Array<() => void> = [];
    let settled = false;
    const finish = (result: Omit<ProbeResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      for (const cleanup of cleanups) cleanup();
      resolve({ ...result, latencyMs: Math.round(performance.now() - started) });
    };
    const timer = setTimeout(
      () => finish({ ok: false, reason: `timeout after ${options.timeoutMs} ms` }),
      options.timeoutMs,
    );
    cleanups.push(() => clearTimeout(timer));

    const session: TransactionSession = {
      endpoint,
      ids,
      userAgent: options.userAgent ?? 'carrier-failover-probe',
      onMessage(text) {
        const outcome = judgeReply(text, ids, endpoint.healthyCodes);
        if (outcome === 'ignore') return 'ignored';
        if (outcome === 'provisional') return 'provisional';
        finish(outcome);
        return 'final';
      },
      fail: (reason) => finish({ ok: false, reason }),
      onCleanup: (cleanup) => cleanups.push(cleanup),
      isSettled: () => settled,
    };
    try {
      if (endpoint.transport === 'udp') startUdpTransaction(session, options);
      else startStreamTransaction(session, options);
    } catch (error) {
      finish({ ok: false, reason: describeTransportError(error, false) });
    }
  });
}

interface TransactionSession {
  endpoint: SipEndpoint;
  ids: SipTransactionIds;
  userAgent: string;
  /** Hands a received message to the transaction; says what it was. */
  onMessage(text: string): 'ignored' | 'provisional' | 'final';
  fail(reason: string): void;
  onCleanup(cleanup: () => void): void;
  isSettled(): boolean;
}

function startUdpTransaction(session: TransactionSession, options: SipProbeOptions): void {
  const { endpoint } = session;
  const t1 = options.retransmit?.t1Ms ?? DEFAULT_T1_MS;
  const t2 = options.retransmit?.t2Ms ?? DEFAULT_T2_MS;
  // A connected socket learns its own address for the Via and hears ICMP "port unreachable" as
  // ECONNREFUSED. RFC 3581 servers answer from the address we sent to, so nothing is filtered out.
  const socket = dgram.createSocket(net.isIPv6(endpoint.host) ? 'udp6' : 'udp4');
  let retransmitTimer: NodeJS.Timeout | undefined;
  session.onCleanup(() => {
    clearTimeout(retransmitTimer);
    socket.removeAllListeners();
    socket.on('error', () => {});
    try {
      socket.close();
    } catch {
      // already closed
    }
  });
  socket.on('error', (error) => session.fail(describeTransportError(error, false)));
  socket.on('message', (message) => {
    if (session.onMessage(message.toString('utf8')) === 'provisional') {
      // RFC 3261 §17.1.2.2: once a provisional answer arrived, retransmit every T2.
      interval = t2;
    }
  });
  let interval = t1;
  // Node passes a DNS failure to this callback instead of emitting 'error'.
  const onConnected = (error?: Error) => {
    if (session.isSettled()) return;
    if (error) {
      session.fail(describeTransportError(error, false));
      return;
    }
    const local = socket.address();
    const request = Buffer.from(
      buildOptionsRequest({ target: endpoint, local, ids: session.ids, userAgent: session.userAgent }),
      'utf8',
    );
    const transmit = () => {
      if (session.isSettled()) return;
      socket.send(request);
      retransmitTimer = setTimeout(transmit, interval);
      interval = Math.min(interval * 2, t2);
    };
    transmit();
  };
  socket.connect(endpoint.port, endpoint.host, onConnected);
}

function startStreamTransaction(session: TransactionSession, options: SipProbeOptions): void {
  const { endpoint } = session;
  const secure = endpoint.transport === 'tls';
  let handshakeDone = false;
  const socket = secure
    ? tls.connect({
        host: endpoint.host,
        port: endpoint.port,
        rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
        ca: options.tls?.ca,
        servername: options.tls?.servername ?? (net.isIP(endpoint.host) ? undefined : endpoint.host),
      })
    : net.connect({ host: endpoint.host, port: endpoint.port });
  session.onCleanup(() => {
    socket.removeAllListeners();
    socket.on('error', () => {});
    socket.destroy();
  });
  const framer = new SipStreamFramer();
  socket.on(secure ? 'secureConnect' : 'connect', () => {
    handshakeDone = true;
    const local = { address: socket.localAddress ?? '127.0.0.1', port: socket.localPort ?? 0 };
    socket.write(
      buildOptionsRequest({ target: endpoint, local, ids: session.ids, userAgent: session.userAgent }),
    );
  });
  socket.on('data', (chunk: Buffer) => {
    let messages: string[];
    try {
      messages = framer.push(chunk);
    } catch (error) {
      session.fail(`malformed reply: ${(error as Error).message}`);
      return;
    }
    for (const message of messages) {
      if (session.onMessage(message) === 'final') return;
    }
  });
  socket.on('error', (error) => session.fail(describeTransportError(error, secure && !handshakeDone)));
  socket.on('close', () => session.fail('connection closed before a final reply'));
}

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
function formatHost(host: string): string {
  const unmapped = host.startsWith('::ffff:') && net.isIPv4(host.slice(7)) ? host.slice(7) : host;
  return net.isIPv6(unmapped) ? `[${unmapped}]` : unmapped;
}

type ReplyOutcome = 'ignore' | 'provisional' | Omit<ProbeResult, 'latencyMs'>;

function judgeReply(text: string, ids: SipTransactionIds, healthyCodes: readonly number[]): ReplyOutcome {
  let message: SipMessage;
  try {
    message = parseSipMessage(text);
  } catch (error) {
    return { ok: false, reason: `malformed reply: ${(error as Error).message}` };
  }
  // A request (say, the server's own OPTIONS keepalive) is not an answer to ours.
  if (message.kind === 'request') return 'ignore';
  const callId = firstHeader(message, 'call-id');
  const cseq = firstHeader(message, 'cseq');
  const via = firstHeader(message, 'via');
  if (callId === undefined || cseq === undefined || via === undefined) {
    return { ok: false, reason: 'malformed reply: missing Call-ID, CSeq or Via' };
  }
  const cseqMatch = /^(\d+)\s+([A-Za-z]+)$/.exec(cseq);
  if (!cseqMatch) return { ok: false, reason: `malformed reply: bad CSeq "${truncate(cseq)}"` };
  const branch = /;\s*branch\s*=\s*([^;,\s]+)/i.exec(via.split(',')[0])?.[1];
  // A reply to another transaction (an earlier probe's late answer, a stray packet) is not ours.
  if (
    callId !== ids.callId ||
    Number(cseqMatch[1]) !== ids.cseq ||
    cseqMatch[2].toUpperCase() !== 'OPTIONS' ||
    branch !== ids.branch
  ) {
    return 'ignore';
  }
  if (message.status < 200) return 'provisional';
  const ok = (message.status >= 200 && message.status < 300) || healthyCodes.includes(message.status);
  return {
    ok,
    status: message.status,
    reason: `SIP ${message.status}${message.reasonPhrase ? ` ${message.reasonPhrase}` : ''}`,
  };
}

function firstHeader(message: SipMessage, name: string): string | undefined {
  return message.headers[name]?.[0];
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

/** Turns a socket error into the short reason an alert can show. */
function describeTransportError(error: unknown, duringTlsHandshake: boolean): string {
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

function truncate(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
