/**
 * What every carrier fake shares: an HTTP server on 127.0.0.1 (port 0), a request log, recorded
 * contract violations, a token-bucket rate limit answered with the carrier's own 429, a latency
 * range, and faults injected either at a seeded random rate or scripted for the next requests.
 * Each carrier fake (telnyx-fake.ts, ...) adds its routes, state, auth and error formats.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../../../lambdas/adapters/local/seeded-random';

/**
 * A failure a fake can inject. Whether the change takes effect matters to idempotency, so:
 * - `rate-limit`, `rate-limit-without-retry-after`: 429 in the carrier's format, with or without
 *   its wait hint; nothing applied (Twilio documents a 429 as never processed).
 * - `http-500`, `http-502`, `http-503`: carrier error body; nothing applied.
 * - `connection-reset`: the socket is destroyed before the request is handled; nothing applied.
 * - `slow`: handled (applied), then answered only after `slowMs`, past the client's timeout.
 * - `malformed`: handled (applied), answered 2xx with the body cut in half.
 * - `accepted-then-500`: handled (applied), then answered 500.
 */
export type FaultKind =
  | 'rate-limit'
  | 'rate-limit-without-retry-after'
  | 'http-500'
  | 'http-502'
  | 'http-503'
  | 'connection-reset'
  | 'slow'
  | 'malformed'
  | 'accepted-then-500';

/** Every fault kind, the default pool for random faults. */
export const ALL_FAULT_KINDS: readonly FaultKind[] = [
  'rate-limit',
  'rate-limit-without-retry-after',
  'http-500',
  'http-502',
  'http-503',
  'connection-reset',
  'slow',
  'malformed',
  'accepted-then-500',
];

/** Options every carrier fake takes. */
export interface FakeCarrierOptions {
  /** Requests a second the fake accepts (token bucket, burst of one second); unlimited when unset. */
  readonly rateLimitPerSecond?: number;
  /** Each answer is delayed by a seeded random time in [min, max] ms. @default no delay */
  readonly latencyMs?: readonly [number, number];
  /** Share of requests (0-1) that get a random fault from `faultKinds`. @default 0 */
  readonly faultRate?: number;
  /** Pool of random faults. @default ALL_FAULT_KINDS */
  readonly faultKinds?: readonly FaultKind[];
  /** Seed of the fault and latency randomness: the same seed and requests give the same faults. @default 1 */
  readonly seed?: number;
  /** How long a `slow` answer waits; keep it above the client's timeout. @default 6000 */
  readonly slowMs?: number;
  /** The wait hint injected 429s carry, in seconds. @default 1 */
  readonly retryAfterSeconds?: number;
  /** Epoch ms for the rate limiter and time-based headers (tests pass a fake clock). @default Date.now */
  readonly now?: () => number;
}

/** A request as the carrier fakes see it; `path` is relative to the fake's base path. */
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A carrier fake's answer. */
export interface FakeResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** The contract operation the request was, when it matched one. */
  readonly operation?: string;
  /** E.164 numbers whose routing this request changed (async jobs: the poll that completed them). */
  readonly applied?: readonly string[];
}

/** One line of the request log. */
export interface RequestLogEntry {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly contentType?: string;
  readonly body: string;
  readonly operation?: string;
  /** HTTP status answered; 0 when the connection was reset. */
  readonly status: number;
  readonly fault?: FaultKind;
  /** Numbers whose routing changed because of this request. */
  readonly applied: readonly string[];
  /** True when the request was a write that took effect (whatever the client was told). */
  readonly write: boolean;
}

/** A request the carrier would reject, and why. */
export interface ContractViolation {
  readonly method: string;
  readonly path: string;
  readonly operation?: string;
  readonly problems: readonly string[];
}

/** Scripts faults for upcoming requests. */
export interface FailNextOptions {
  /** How many requests get the fault. @default 1 */
  readonly count?: number;
  /** Only requests for which this is true get it (others pass untouched). */
  readonly when?: (request: FakeRequest) => boolean;
}

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
      this.serve(request, response).catch((error: unknown) => {
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

  /** Stops listening, drops open connections and pending slow answers. */
  async stop(): Promise<void> {
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

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

  private async serve(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const body = await readBody(incoming);
    const url = new URL(incoming.url ?? '/', 'http://fake');
    const path = url.pathname.startsWith(this.basePath)
      ? url.pathname.slice(this.basePath.length)
      : url.pathname;
    const request: FakeRequest = {
      method: incoming.method ?? 'GET',
      path: path === '' ? '/' : path,
      query: Object.fromEntries(url.searchParams),
      headers: incoming.headers,
      body,
    };
    const log = (response: FakeResponse | undefined, fault?: FaultKind) => {
      const applied = response?.applied ?? [];
      this.requests.push({
        method: request.method,
        path: request.path,
        query: request.query,
        contentType: incoming.headers['content-type'],
        body,
        operation: response?.operation,
        status: response?.status ?? 0,
        fault,
        applied,
        write: applied.length > 0,
      });
    };

    await this.delay(this.latency());
    const limited = this.takeToken();
    if (limited !== undefined) {
      const response = this.rateLimited(limited);
      log(response);
      return send(outgoing, response);
    }
    const fault = this.nextFault(request);
    switch (fault) {
      case 'rate-limit':
      case 'rate-limit-without-retry-after': {
        const response = this.rateLimited(
          fault === 'rate-limit' ? (this.options.retryAfterSeconds ?? 1) : undefined,
        );
        log(response, fault);
        return send(outgoing, response);
      }
      case 'http-500':
      case 'http-502':
      case 'http-503': {
        const response = this.serverError(Number(fault.slice(5)));
        log(response, fault);
        return send(outgoing, response);
      }
      case 'connection-reset':
        log(undefined, fault);
        incoming.socket.destroy();
        return;
      default:
        break;
    }
    const handled = await this.handle(request);
    if (fault === 'slow') {
      log(handled, fault);
      await this.delay(this.options.slowMs ?? 6000);
      return outgoing.destroyed ? undefined : send(outgoing, handled);
    }
    if (fault === 'malformed' && handled.status < 300) {
      const text = handled.body ?? '';
      const response = { ...handled, body: text.slice(0, Math.max(1, Math.floor(text.length / 2))) || '{' };
      log(response, fault);
      return send(outgoing, response);
    }
    if (fault === 'accepted-then-500' && handled.status < 300) {
      const response = { ...this.serverError(500), operation: handled.operation, applied: handled.applied };
      log(response, fault);
      return send(outgoing, response);
    }
    log(handled, fault);
    return send(outgoing, handled);
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
