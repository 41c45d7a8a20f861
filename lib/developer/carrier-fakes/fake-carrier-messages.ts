/**
 * What crosses a carrier fake's edge, whatever the transport: its options, the requests it sees and
 * its answers, the request log, contract violations and the faults it can inject.
 */
import type { IncomingHttpHeaders } from 'node:http';

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
  /**
   * How the fake waits (latency, `slow` answers); a virtual clock's sleep keeps those waits in
   * virtual time. @default setTimeout, cancelled by stop()
   */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A request as it arrives, before the fake strips its base path: what both transports hand over. */
export interface IncomingFakeRequest {
  readonly method: string;
  /** Path and query, e.g. `/v2/phone_numbers?page[size]=250`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What the fake does with a request: answer it, or drop the connection (`connection-reset`). */
export type FakeExchange =
  | { readonly kind: 'response'; readonly response: FakeResponse }
  | { readonly kind: 'reset' };

/** The origin an in-process fake answers under (no socket); only its own fetch reaches it. */
export const IN_PROCESS_ORIGIN_SUFFIX = '.fake.invalid';

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
  /** When the fake answered (its `now`, epoch ms): the moment a write was accepted. */
  readonly at: number;
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
