/**
 * An in-process SIP responder on loopback (UDP and TCP on the same port, TLS optionally) whose
 * behaviour can be switched while it runs: answer OPTIONS with a status (200 "up", 503 "up but out
 * of sync"), stay silent, or stop listening altogether; and, apart from that, answer test calls
 * (INVITE, ACK, CANCEL, BYE) per a call mode of their own (sip-call-answerer.ts), so an SBC can
 * answer OPTIONS while every call fails. Tests use it for the cases a real SIP server will not play
 * (malformed or foreign replies, dropped packets); the drill uses it to stage an outage without root
 * or a Kamailio install.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { parseSipMessage, SipStreamFramer } from '../../../lambdas/adapters/probes/sip-message';
import { CALL_METHODS, SipCallAnswerer, type SipCallMode } from './sip-call-answerer';
import { buildSipReply, type ReceivedSipRequest } from './sip-reply';

export type { SipCallMode } from './sip-call-answerer';
export {
  buildSipReply,
  type ReceivedSipRequest,
  reasonPhraseFor,
  type SipReplyContent,
  type SipReplyOverrides,
} from './sip-reply';

/**
 * Answer every OPTIONS (and every other request that is not part of a call) with this status,
 * answer nothing (`silent`), or close the ports (`stopped`, which ends calls too).
 */
export type SipResponderMode = number | 'silent' | 'stopped';

/**
 * A custom answer: the raw messages to send back for a request (none means silence). `index`
 * counts the requests received so far, from 0, so a script can drop the first and answer a retry.
 */
export type SipReplyScript = (request: ReceivedSipRequest, index: number) => Array<string | Buffer>;

/** Where and how the responder starts. */
export interface SipResponderOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 200 */
  mode?: SipResponderMode;
  /** How INVITEs are answered. @default 200 */
  callMode?: SipCallMode;
  /** Also listen for TLS (on its own port) with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

/**
 * Where a UDP reply goes (RFC 3261 §18.2.2 with RFC 3581): to the packet's source port when the
 * Via asked for rport, otherwise to the port in the Via's sent-by, as a server without NAT
 * awareness would. That is what makes a probe without rport fail here as it would in the field.
 */
function udpReplyTarget(request: ReceivedSipRequest): { address: string; port: number } {
  const via = request.message.headers.via?.[0] ?? '';
  if (/;\s*rport(?=;|$|=)/i.test(via)) return request.remote;
  const sentBy = /^SIP\/2\.0\/\w+\s+(\[[^\]]+\]|[^:;\s]+)(?::(\d+))?/i.exec(via);
  return { address: request.remote.address, port: sentBy?.[2] ? Number(sentBy[2]) : 5060 };
}

/** A SIP responder listening on loopback; see the module comment. */
export class SipResponder {
  /** UDP and TCP share this port. */
  port = 0;
  /** The TLS port, when TLS was asked for. */
  tlsPort?: number;
  /** The loopback (or other) address it listens on. */
  readonly host: string;
  private mode: SipResponderMode;
  private script?: SipReplyScript;
  private readonly received: ReceivedSipRequest[] = [];
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private tlsServer?: tls.Server;
  private readonly connections = new Set<net.Socket>();
  private readonly calls: SipCallAnswerer;

  private constructor(private readonly options: SipResponderOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.mode = options.mode ?? 200;
    this.calls = new SipCallAnswerer(
      (transport) => ({ host: this.host, port: transport === 'tls' ? (this.tlsPort ?? 0) : this.port }),
      options.callMode ?? 200,
    );
  }

  /** Starts listening on free ports (unless the mode is `stopped`). */
  static async start(options: SipResponderOptions = {}): Promise<SipResponder> {
    const responder = new SipResponder(options);
    await responder.listen();
    if (responder.mode === 'stopped') await responder.closeSockets();
    return responder;
  }

  /** Every request received so far, oldest first. */
  get requests(): readonly ReceivedSipRequest[] {
    return this.received;
  }

  /** Switches the behaviour; `stopped` closes the ports, any other mode reopens them (same numbers). */
  async setMode(mode: SipResponderMode): Promise<void> {
    const wasStopped = this.mode === 'stopped';
    this.mode = mode;
    if (mode === 'stopped' && !wasStopped) await this.closeSockets();
    if (mode !== 'stopped' && wasStopped) await this.listen();
  }

  /**
   * Switches how later INVITEs are answered (OPTIONS keep their own mode): 200 answers the call,
   * 300-699 refuse it (with `reasonPhrase` instead of the standard one, e.g. "Out Of Sync"), 180-199
   * ring until CANCELed, `silent` answers nothing.
   */
  setCallMode(mode: SipCallMode, reasonPhrase?: string): void {
    this.calls.setMode(mode, reasonPhrase);
  }

  /** How INVITEs are answered now. */
  get callMode(): SipCallMode {
    return this.calls.callMode;
  }

  /** Answers with a script instead of the mode (until cleared with undefined); `stopped` still wins. */
  setScript(script: SipReplyScript | undefined): void {
    this.script = script;
  }

  /** Closes every socket for good. */
  async close(): Promise<void> {
    this.mode = 'stopped';
    await this.closeSockets();
  }

  private answer(request: ReceivedSipRequest): Array<string | Buffer> {
    const index = this.received.length;
    this.received.push(request);
    if (this.script) return this.script(request, index);
    if (CALL_METHODS.has(request.message.method)) return this.calls.answer(request);
    if (this.mode === 'silent' || this.mode === 'stopped') return [];
    return [buildSipReply(request, this.mode)];
  }

  private async listen(): Promise<void> {
    // UDP and TCP on the same number, like a SIP server; retry if another process took the UDP half.
    for (let attempt = 0; ; attempt++) {
      const tcp = net.createServer((socket) => this.serveStream(socket, 'tcp'));
      await listenServer(tcp, this.port, this.host);
      const port = (tcp.address() as net.AddressInfo).port;
      try {
        this.udp = await this.bindUdp(port);
        this.tcp = tcp;
        this.port = port;
        break;
      } catch (error) {
        await closeServer(tcp);
        if (this.port !== 0 || attempt >= 20) throw error;
      }
    }
    if (this.options.tls) {
      const server = tls.createServer({ key: this.options.tls.key, cert: this.options.tls.cert }, (socket) =>
        this.serveStream(socket, 'tls'),
      );
      // A failed handshake (the probe rejecting our certificate) is the client's business.
      server.on('tlsClientError', () => {});
      await listenServer(server, this.tlsPort ?? 0, this.host);
      this.tlsServer = server;
      this.tlsPort = (server.address() as net.AddressInfo).port;
    }
  }

  private bindUdp(port: number): Promise<dgram.Socket> {
    const socket = dgram.createSocket(net.isIPv6(this.host) ? 'udp6' : 'udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, this.host, () => {
        socket.off('error', reject);
        socket.on('error', () => {});
        socket.on('message', (packet, remote) => this.serveDatagram(socket, packet, remote));
        resolve(socket);
      });
    });
  }

  private serveDatagram(socket: dgram.Socket, packet: Buffer, remote: dgram.RemoteInfo): void {
    const request = toRequest(packet.toString('utf8'), 'udp', remote);
    if (!request) return;
    const target = udpReplyTarget(request);
    for (const reply of this.answer(request)) socket.send(reply, target.port, target.address);
  }

  private serveStream(socket: net.Socket, transport: 'tcp' | 'tls'): void {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => {});
    const framer = new SipStreamFramer();
    socket.on('data', (chunk: Buffer) => {
      let messages: string[];
      try {
        messages = framer.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      const remote = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
      for (const text of messages) {
        const request = toRequest(text, transport, remote);
        if (!request) continue;
        for (const reply of this.answer(request)) socket.write(reply);
      }
    });
  }

  private async closeSockets(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
    const udp = this.udp;
    this.udp = undefined;
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
    const servers = [this.tcp, this.tlsServer];
    this.tcp = undefined;
    this.tlsServer = undefined;
    await Promise.all(servers.map((server) => (server ? closeServer(server) : undefined)));
  }
}

function toRequest(
  text: string,
  transport: ReceivedSipRequest['transport'],
  remote: { address: string; port: number },
): ReceivedSipRequest | undefined {
  try {
    const message = parseSipMessage(text);
    if (message.kind !== 'request') return undefined;
    return { transport, text, message, remote: { address: remote.address, port: remote.port } };
  } catch {
    return undefined;
  }
}

function listenServer(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
