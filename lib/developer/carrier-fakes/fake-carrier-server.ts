/**
 * What every carrier fake shares: an HTTP server on 127.0.0.1 (port 0), a request log, recorded
 * contract violations, a token-bucket rate limit answered with the carrier's own 429, a latency
 * range, and faults injected either at a seeded random rate or scripted for the next requests.
 * Each carrier fake (telnyx-fake.ts, ...) adds its routes, state, auth and error formats.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../../../lambdas/adapters/local/seeded-random';

import {
  ALL_FAULT_KINDS,
  type ContractViolation,
  type FailNextOptions,
  type FakeCarrierOptions,
  type FakeExchange,
  type FakeRequest,
  type FakeResponse,
  type FaultKind,
  IN_PROCESS_ORIGIN_SUFFIX,
  type IncomingFakeRequest,
  type RequestLogEntry,
} from './fake-carrier-messages';

// The fakes and their tests import these from here, where they always lived.
export {
  ALL_FAULT_KINDS,
  type ContractViolation,
  type FailNextOptions,
  type FakeCarrierOptions,
  type FakeExchange,
  type FakeRequest,
  type FakeResponse,
  type FaultKind,
  IN_PROCESS_ORIGIN_SUFFIX,
  type IncomingFakeRequest,
  type RequestLogEntry,
};

/** The shared server: subclasses implement the carrier (routes, auth, validation, error bodies). */
export abstract class FakeCarrierServer {
  /** Every request received, in order. */
  readonly requests: RequestLogEntry[] = [];
  /** Every request that broke the carrier's contract; tests assert this stays empty. */
  readonly violations: ContractViolation[] = [];

  protected readonly now: () => number;
  private readonly server: Server;
  private readonly faultRandom: () => number;
  private readonly latencyRandom: () => number;
  private readonly scripted: {
    kind: FaultKind;
    remaining: number;
    when?: (request: FakeRequest) => boolean;
  }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private tokens: number;
  private refilledAt: number;
  private origin = '';
  /** True once stop() ran: answers still waiting on a `slow` fault are not sent. */
  private stopped = false;

  constructor(
    protected readonly options: FakeCarrierOptions = {},
    /** Path prefix the API lives under, e.g. `/v2`; stripped before routing. */
    private readonly basePath = '',
  ) {
    this.now = options.now ?? Date.now;
    this.faultRandom = seededRandom(options.seed ?? 1);
    this.latencyRandom = seededRandom((options.seed ?? 1) + 7919);
    this.tokens = options.rateLimitPerSecond ?? 0;
    this.refilledAt = this.now();
    this.server = createServer((request, response) => {
      this.serveHttp(request, response).catch((error: unknown) => {
        if (!response.headersSent && !response.destroyed) {
          response.writeHead(500, { 'Content-Type': 'text/plain' });
          response.end(`fake carrier crashed: ${String(error)}`);
        }
      });
    });
  }

  /** The API base URL adapters use (origin plus base path). Valid after start(). */
  get baseUrl(): string {
    return `${this.origin}${this.basePath}`;
  }

  /** Listens on 127.0.0.1 on a free port. */
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
    return this;
  }

  /**
   * Serves without a socket, under `http://<name>.fake.invalid`: only {@link fetch} reaches it, so a
   * run on a virtual clock has no real I/O to wait for. Use instead of start().
   */
  startInProcess(name: string): this {
    this.origin = `http://${name}${IN_PROCESS_ORIGIN_SUFFIX}`;
    return this;
  }

  /** Stops listening, drops open connections and pending slow answers. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * A `fetch` that hands the request straight to this fake, as the HTTP path would (same log,
   * faults, latency and answers); a `connection-reset` rejects as fetch does on a dropped socket.
   */
  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : input.toString());
    if (url.origin !== this.origin) {
      throw new TypeError(`fetch failed: ${url.origin} is not this fake (${this.origin})`);
    }
    const headers = new Headers(init.headers ?? request?.headers);
    const body = init.body ?? (request ? await request.text() : undefined);
    const exchange = await this.exchange({
      method: (init.method ?? request?.method ?? 'GET').toUpperCase(),
      url: `${url.pathname}${url.search}`,
      headers: Object.fromEntries([...headers].map(([name, value]) => [name.toLowerCase(), value])),
      body: body === undefined || body === null ? '' : String(body),
    });
    // The client gave up meanwhile (its timeout): fetch rejects with the signal's reason.
    if (init.signal?.aborted) throw init.signal.reason;
    if (exchange.kind === 'reset') {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      });
    }
    const { response } = exchange;
    // A Response may not carry a body with these statuses.
    const empty = response.status === 204 || response.status === 304;
    return new Response(empty ? null : (response.body ?? ''), {
      status: response.status,
      headers: response.headers ?? {},
    });
  };

  /** Makes the next matching request(s) fail with `kind`, before any random fault. */
  failNext(kind: FaultKind, options: FailNextOptions = {}): void {
    this.scripted.push({ kind, remaining: options.count ?? 1, when: options.when });
  }

  /** How many requests changed the routing of `number`. */
  writesTo(number: string): number {
    return this.requests.filter((entry) => entry.applied.includes(number)).length;
  }

  /** Handles a request: auth, validation and routing, all carrier-specific. */
  protected abstract handle(request: FakeRequest): FakeResponse | Promise<FakeResponse>;

  /** The carrier's 429; `retryAfterSeconds` undefined means without its wait hint. */
  protected abstract rateLimited(retryAfterSeconds: number | undefined): FakeResponse;

  /** The carrier's answer to a server-side failure with this status. */
  protected abstract serverError(status: number): FakeResponse;

  /** Records a contract violation; carrier fakes call it before answering 400/422. */
  protected recordViolation(request: FakeRequest, operation: string | undefined, problems: string[]): void {
    this.violations.push({ method: request.method, path: request.path, operation, problems });
  }

  private async serveHttp(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const exchange = await this.exchange({
      method: incoming.method ?? 'GET',
      url: incoming.url ?? '/',
      headers: incoming.headers,
      body: await readBody(incoming),
    });
    if (exchange.kind === 'reset') {
      incoming.socket.destroy();
      return;
    }
    if (!outgoing.destroyed) send(outgoing, exchange.response);
  }

  /**
   * The transport-independent step both paths share: latency, rate limit, faults, the carrier's
   * own handling, and the log line. Resolves when the answer would be sent.
   */
  private async exchange(incoming: IncomingFakeRequest): Promise<FakeExchange> {
    const { body } = incoming;
    const url = new URL(incoming.url, 'http://fake');
    const path = url.pathname.startsWith(this.basePath)
      ? url.pathname.slice(this.basePath.length)
      : url.pathname;
    const request: FakeRequest = {
      method: incoming.method,
      path: path === '' ? '/' : path,
      query: Object.fromEntries(url.searchParams),
      headers: incoming.headers,
      body,
    };
    const contentType = incoming.headers['content-type'];
    const log = (response: FakeResponse | undefined, fault?: FaultKind) => {
      const applied = response?.applied ?? [];
      this.requests.push({
        method: request.method,
        path: request.path,
        query: request.query,
        contentType,
        body,
        operation: response?.operation,
        status: response?.status ?? 0,
        fault,
        applied,
        write: applied.length > 0,
        at: this.now(),
      });
    };
    const answer = (response: FakeResponse, fault?: FaultKind): FakeExchange => {
      log(response, fault);
      return { kind: 'response', response };
    };

    await this.delay(this.latency());
    const limited = this.takeToken();
    if (limited !== undefined) return answer(this.rateLimited(limited));
    const fault = this.nextFault(request);
    switch (fault) {
      case 'rate-limit':
      case 'rate-limit-without-retry-after':
        return answer(
          this.rateLimited(fault === 'rate-limit' ? (this.options.retryAfterSeconds ?? 1) : undefined),
          fault,
        );
      case 'http-500':
      case 'http-502':
      case 'http-503':
        return answer(this.serverError(Number(fault.slice(5))), fault);
      case 'connection-reset':
        log(undefined, fault);
        return { kind: 'reset' };
      default:
        break;
    }
    const handled = await this.handle(request);
    if (fault === 'slow') {
      log(handled, fault);
      await this.delay(this.options.slowMs ?? 6000);
      // After stop() nobody is listening for the answer any more.
      return this.stopped ? { kind: 'reset' } : { kind: 'response', response: handled };
    }
    if (fault === 'malformed' && handled.status < 300) {
      const text = handled.body ?? '';
      return answer(
        { ...handled, body: text.slice(0, Math.max(1, Math.floor(text.length / 2))) || '{' },
        fault,
      );
    }
    if (fault === 'accepted-then-500' && handled.status < 300) {
      return answer(
        { ...this.serverError(500), operation: handled.operation, applied: handled.applied },
        fault,
      );
    }
    return answer(handled, fault);
  }

  private nextFault(request: FakeRequest): FaultKind | undefined {
    const index = this.scripted.findIndex((entry) => !entry.when || entry.when(request));
    if (index >= 0) {
      const entry = this.scripted[index];
      entry.remaining -= 1;
      if (entry.remaining <= 0) {
        this.scripted.splice(index, 1);
      }
      return entry.kind;
    }
    const rate = this.options.faultRate ?? 0;
    if (rate <= 0 || this.faultRandom() >= rate) {
      return undefined;
    }
    const kinds = this.options.faultKinds ?? ALL_FAULT_KINDS;
    return kinds[Math.floor(this.faultRandom() * kinds.length)];
  }

  /** Takes a token; returns the seconds until one is free when the bucket is empty. */
  private takeToken(): number | undefined {
    const limit = this.options.rateLimitPerSecond;
    if (limit === undefined) {
      return undefined;
    }
    const now = this.now();
    this.tokens = Math.min(limit, this.tokens + ((now - this.refilledAt) / 1000) * limit);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / limit));
  }

  private latency(): number {
    const [min, max] = this.options.latencyMs ?? [0, 0];
    return max <= 0 ? 0 : min + this.latencyRandom() * (max - min);
  }

  private delay(ms: number): Promise<void> {
    if (ms <= 0) {
      return Promise.resolve();
    }
    if (this.options.sleep) return this.options.sleep(ms);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

/** A JSON answer with the right content type. */
export function jsonResponse(
  status: number,
  body: unknown,
  extra: Omit<FakeResponse, 'status' | 'body'> = {},
): FakeResponse {
  return {
    ...extra,
    status,
    headers: { 'Content-Type': 'application/json', ...extra.headers },
    body: JSON.stringify(body),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(outgoing: ServerResponse, response: FakeResponse): void {
  outgoing.writeHead(response.status, response.headers ?? {});
  outgoing.end(response.body ?? '');
}
