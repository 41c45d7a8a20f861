/**
 * The one flow a test call runs over: a connected UDP socket, or a TCP/TLS connection framed by
 * Content-Length, to the configured host and port. Every request of the call (INVITE, ACK, CANCEL,
 * BYE) goes over it, as to an outbound proxy (RFC 3261 §8.1.2), so a NAT or the SBC's TLS session
 * sees one flow. Over UDP it also retransmits client transactions (RFC 3261 §17.1.1.2, §17.1.2.2).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import type { TestCall } from '../../contracts/config/schema';
import { describeTransportError, SipStreamFramer } from './sip-message';
import type { SipProbeOptions } from './sip-options-probe';

const DEFAULT_T1_MS = 500;
const DEFAULT_T2_MS = 4000;
/** How long closing waits for the last bytes to leave a stream. */
const FLUSH_TIMEOUT_MS = 500;

/** What the call hears from its flow. */
export interface CallFlowEvents {
  /** Connected (and TLS handshake done): requests can be sent. */
  onOpen(flow: CallFlow): void;
  onMessage(text: string): void;
  /** A datagram or stream that is not SIP. */
  onMalformed(reason: string): void;
  /** The flow is gone (refused, reset, closed): nothing more can be sent. */
  onDown(reason: string): void;
}

/** A client transaction's (re)transmission. */
export interface Transmission {
  /** A provisional answer arrived: INVITE stops, non-INVITE slows to every T2. */
  provisional(): void;
  stop(): void;
}

/** The open flow. */
export interface CallFlow {
  /** Our address and port, for Via, Contact, From and the SDP. */
  local: { address: string; port: number };
  /** Sends once (an ACK). */
  send(text: string): void;
  /** Sends and, over UDP, retransmits until told otherwise. */
  transmit(text: string, kind: 'invite' | 'non-invite'): Transmission;
}

/** Transport settings of a call. */
export interface CallFlowOptions {
  tls?: SipProbeOptions['tls'];
  retransmit?: { t1Ms?: number; t2Ms?: number };
}

/**
 * Opens the flow; returns the function that closes it: stops every retransmission, lets the last
 * ACK or BYE leave (closing a socket cancels sends still queued) and settles once it is closed.
 */
export function openCallFlow(
  target: Pick<TestCall, 'host' | 'port' | 'transport'>,
  options: CallFlowOptions,
  events: CallFlowEvents,
): () => Promise<void> {
  const timers = new Set<NodeJS.Timeout>();
  const retransmit = {
    t1: options.retransmit?.t1Ms ?? DEFAULT_T1_MS,
    t2: options.retransmit?.t2Ms ?? DEFAULT_T2_MS,
  };
  const close =
    target.transport === 'udp'
      ? openUdp(target, retransmit, timers, events)
      : openStream(target, options.tls, events);
  return async () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    await close();
  };
}

function openUdp(
  target: Pick<TestCall, 'host' | 'port'>,
  retransmit: { t1: number; t2: number },
  timers: Set<NodeJS.Timeout>,
  events: CallFlowEvents,
): () => Promise<void> {
  // Connected, as the OPTIONS probe: learns its own address and hears ICMP "port unreachable".
  const socket = dgram.createSocket(net.isIPv6(target.host) ? 'udp6' : 'udp4');
  let down = false;
  const fail = (error: unknown) => {
    if (down) return;
    down = true;
    events.onDown(describeTransportError(error, false));
  };
  socket.on('error', fail);
  socket.on('message', (message) => events.onMessage(message.toString('utf8')));
  let sending = 0;
  let sent: (() => void) | undefined;
  const send = (text: string) => {
    if (down) return;
    sending += 1;
    socket.send(Buffer.from(text, 'utf8'), () => {
      sending -= 1;
      if (sending === 0) sent?.();
    });
  };
  const connect = (callback: (error?: Error) => void) => {
    try {
      socket.connect(target.port, target.host, callback);
    } catch (error) {
      // A bad address throws at once; the socket exists already and must not be left open.
      socket.close();
      throw error;
    }
  };
  connect((error?: Error) => {
    if (error) {
      fail(error);
      return;
    }
    events.onOpen({
      local: socket.address(),
      send,
      transmit(text, kind) {
        let interval = retransmit.t1;
        let timer: NodeJS.Timeout | undefined;
        let stopped = false;
        const next = () => {
          if (stopped || down) return;
          send(text);
          // Timer A doubles without bound for an INVITE; timer E stops at T2 for anything else.
          timer = setTimeout(next, interval);
          timers.add(timer);
          interval = kind === 'invite' ? interval * 2 : Math.min(interval * 2, retransmit.t2);
        };
        next();
        const stop = () => {
          stopped = true;
          if (timer) {
            clearTimeout(timer);
            timers.delete(timer);
          }
        };
        return {
          provisional() {
            if (kind === 'invite') stop();
            else interval = retransmit.t2;
          },
          stop,
        };
      },
    });
  });
  return async () => {
    down = true;
    socket.removeAllListeners();
    socket.on('error', () => {});
    if (sending > 0) await new Promise<void>((resolve) => (sent = resolve));
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  };
}

function openStream(
  target: Pick<TestCall, 'host' | 'port' | 'transport'>,
  tlsOptions: SipProbeOptions['tls'],
  events: CallFlowEvents,
): () => Promise<void> {
  const secure = target.transport === 'tls';
  let handshakeDone = false;
  let down = false;
  let framingBroken = false;
  const socket = secure
    ? tls.connect({
        host: target.host,
        port: target.port,
        rejectUnauthorized: tlsOptions?.rejectUnauthorized ?? true,
        ca: tlsOptions?.ca,
        servername: tlsOptions?.servername ?? (net.isIP(target.host) ? undefined : target.host),
      })
    : net.connect({ host: target.host, port: target.port });
  // An ACK and the request after it go out back to back; Nagle would hold the second for an RTT.
  socket.setNoDelay(true);
  const fail = (reason: string) => {
    if (down) return;
    down = true;
    events.onDown(reason);
  };
  const send = (text: string) => {
    if (!down) socket.write(text);
  };
  const framer = new SipStreamFramer();
  socket.on(secure ? 'secureConnect' : 'connect', () => {
    handshakeDone = true;
    events.onOpen({
      local: { address: socket.localAddress ?? '127.0.0.1', port: socket.localPort ?? 0 },
      send,
      // A reliable transport retransmits for us (RFC 3261 §17.1.1.2: timer A only over UDP).
      transmit(text) {
        send(text);
        return { provisional() {}, stop() {} };
      },
    });
  });
  socket.on('data', (chunk: Buffer) => {
    if (framingBroken) return;
    let messages: string[];
    try {
      messages = framer.push(chunk);
    } catch (error) {
      // The stream cannot be cut into messages any more; we may still send (a CANCEL) but not read.
      framingBroken = true;
      events.onMalformed(`malformed reply: ${(error as Error).message}`);
      return;
    }
    for (const message of messages) events.onMessage(message);
  });
  socket.on('error', (error) => fail(describeTransportError(error, secure && !handshakeDone)));
  socket.on('close', () => fail('connection closed before a final reply'));
  return async () => {
    const wasDown = down;
    down = true;
    socket.removeAllListeners();
    socket.on('error', () => {});
    if (!wasDown && handshakeDone) {
      // Flushed to the kernel, which delivers it after the close; a peer not reading gets cut off.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
        socket.end(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await new Promise<void>((resolve) => {
      if (socket.closed) resolve();
      else socket.once('close', () => resolve()).destroy();
    });
  };
}
