/**
 * SIP OPTIONS "ping" of one endpoint over UDP, TCP or TLS, written against RFC 3261 directly
 * (no SIP library): one non-INVITE client transaction, answered or not within a deadline.
 *
 * Verdicts follow DESIGN.md "What a SIP answer means": 2xx and the endpoint's `healthyCodes` are
 * healthy; any other final answer, a timeout, a refused connection, a TLS failure or a reply we
 * cannot parse is unhealthy. Provisional (1xx) answers only mean "keep waiting".
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import type { SipEndpoint } from '../../contracts/config/schema';
import type { ProbeResult } from './probe-site';
import {
  buildOptionsRequest,
  describeTransportError,
  firstHeader,
  newTransactionIds,
  parseSipMessage,
  type SipMessage,
  SipStreamFramer,
  type SipTransactionIds,
  truncate,
} from './sip-message';

/** RFC 3261 timer T1 (RTT estimate) and T2 (longest retransmit interval of a non-INVITE request). */
const DEFAULT_T1_MS = 500;
const DEFAULT_T2_MS = 4000;

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
