/**
 * The one place where carrier adapters meet the network. Every adapter sends its requests through
 * {@link CarrierHttpClient} so that timeouts, rate-limit hints and the carriers' error formats are
 * turned into the same typed errors (CarrierError / CarrierAuthError) everywhere, and the retry
 * loop in the forwarding engine never has to parse a message.
 */
import type { CarrierName } from '../../contracts/config/schema';
import { CarrierAuthError, CarrierError } from '../../contracts/errors';
import { awaitRequestTurn } from '../../contracts/request-gate';

/** Per-call timeout when none is configured; short, because a failover must not stall on one call. */
export const DEFAULT_CARRIER_TIMEOUT_MS = 5000;

/** How an adapter's HTTP calls behave; adapters accept these and pass them through. */
export interface CarrierHttpOptions {
  /**
   * Milliseconds one call may take, body included, before it is abandoned as a retryable error.
   * @default 5000
   */
  readonly timeoutMs?: number;
  /** The fetch to use; tests and the drill inject one. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Epoch milliseconds, used to turn `Retry-After` dates and reset times into waits. @default Date.now */
  readonly now?: () => number;
}

/** One carrier API call. */
export interface CarrierHttpRequest {
  /** The carrier's name for the operation (e.g. `GetPhoneNumberVoiceSettings`); named in errors. */
  readonly operation: string;
  /** What the call is about (usually the phone number); named in errors. Never a credential. */
  readonly subject?: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  /** Request headers, including Authorization (which never appears in any error). */
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** A 2xx answer, body read in full. */
export interface CarrierHttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** The carrier's own error code and text, when its error body had them. */
export interface CarrierErrorDetail {
  readonly code?: string;
  readonly message?: string;
}

/**
 * Sends carrier API calls with a timeout and maps every failure to a CarrierError:
 * 429 (retryable, with `retryAfterMs`), 5xx and 408 (retryable), network errors and timeouts
 * (retryable), 401/403 (CarrierAuthError), other 4xx (not retryable).
 */
export class CarrierHttpClient {
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;

  constructor(
    readonly carrier: CarrierName,
    options: CarrierHttpOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CARRIER_TIMEOUT_MS;
    // Resolved per call, not captured here, so test doubles that replace globalThis.fetch still apply.
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.now = options.now ?? Date.now;
  }

  /** Sends the request and returns the 2xx answer; throws CarrierError/CarrierAuthError otherwise. */
  async send(request: CarrierHttpRequest): Promise<CarrierHttpResponse> {
    const what = describeCall(request);
    let response: Response;
    let text: string;
    // Inside an engine's lane call, every request waits for its own rate token; the timeout below
    // starts only once it may go.
    await awaitRequestTurn();
    try {
      // One signal covers connecting, the headers and the body: a server that stalls mid-body
      // must not hold a Lambda for longer than the timeout either.
      const signal = AbortSignal.timeout(this.timeoutMs);
      response = await this.fetchImpl(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal,
      });
      text = await response.text();
    } catch (error) {
      throw this.transportError(what, request, error);
    }
    if (response.status >= 200 && response.status < 300) {
      return { status: response.status, headers: response.headers, text };
    }
    throw this.statusError(what, response, text, request.method);
  }

  /** Sends the request and parses the 2xx answer as JSON; an unparsable answer is retryable. */
  async sendJson<T>(request: CarrierHttpRequest): Promise<T> {
    const response = await this.send(request);
    try {
      return JSON.parse(response.text) as T;
    } catch (error) {
      throw malformedResponse(this.carrier, request, 'the body is not valid JSON', error);
    }
  }

  private transportError(what: string, request: CarrierHttpRequest, error: unknown): CarrierError {
    const name = (error as { name?: string } | undefined)?.name;
    const safeToRepeat = request.method === 'GET';
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new CarrierError(
        this.carrier,
        `${what} got no complete answer within ${this.timeoutMs} ms; retry later (a write may or may not have been applied, so read before assuming either)`,
        { retryable: true, safeToRepeat, cause: error },
      );
    }
    return new CarrierError(
      this.carrier,
      `${what} could not reach ${hostOf(request.url)} (${networkReason(error)}); retry later`,
      { retryable: true, safeToRepeat, cause: error },
    );
  }

  private statusError(what: string, response: Response, text: string, method: string): CarrierError {
    const status = response.status;
    const detail = parseCarrierErrorBody(text);
    const said = detail.message ? `: ${detail.message}` : '';
    const coded = detail.code ? ` (carrier code ${detail.code})` : '';
    const head = `${what} failed with HTTP ${status}${coded}${said}`;
    // A 429 is never processed (every carrier documents it so); a read changes nothing.
    const options = { status, code: detail.code, safeToRepeat: status === 429 || method === 'GET' };
    if (status === 401 || status === 403) {
      return new CarrierAuthError(
        this.carrier,
        `${head}; check the credentials in this carrier's secret and that the account may use this API`,
        options,
      );
    }
    if (status === 429) {
      const retryAfterMs = parseRetryAfterMs(response.headers, this.now());
      const wait = retryAfterMs === undefined ? '' : ` after ${Math.ceil(retryAfterMs / 1000)} s`;
      return new CarrierError(
        this.carrier,
        `${head}; rate limited, retry${wait} or lower rateLimitPerSecond for this carrier`,
        { ...options, retryable: true, retryAfterMs },
      );
    }
    if (status >= 500 || status === 408) {
      return new CarrierError(this.carrier, `${head}; the carrier failed, retry later`, {
        ...options,
        retryable: true,
      });
    }
    const advice =
      status === 404
        ? 'check that the number or resource exists on this carrier account'
        : 'the carrier refused the request; fix the request or the number at the carrier before retrying';
    return new CarrierError(this.carrier, `${head}; ${advice}`, { ...options, retryable: false });
  }
}

/**
 * The error for a 2xx answer we cannot read. Retryable: the carrier answered, so a second try
 * usually gets a whole body (truncation by a proxy is the common cause). A GET is safe to repeat
 * at once (it changed nothing); after a write, the caller reads the carrier's state first.
 */
export function malformedResponse(
  carrier: CarrierName,
  request: Pick<CarrierHttpRequest, 'operation' | 'subject'> & { method?: string },
  problem: string,
  cause?: unknown,
): CarrierError {
  const read = request.method === 'GET';
  return new CarrierError(
    carrier,
    `${describeCall(request)} got a malformed response (${problem}); retry later${read ? '' : ' (a write may have been applied)'}`,
    { retryable: true, safeToRepeat: read, cause },
  );
}

/**
 * How long the carrier asked us to wait, in milliseconds: `Retry-After` (delay seconds or an HTTP
 * date) first, else `X-RateLimit-Reset` (Bandwidth: epoch seconds; a value below 10^9 is read as
 * seconds from now, which is how some APIs send it). Undefined when neither header is usable.
 */
export function parseRetryAfterMs(headers: Headers, nowMs: number): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) {
      return Math.round(Number(retryAfter) * 1000);
    }
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) {
      return Math.max(0, at - nowMs);
    }
  }
  const reset = headers.get('x-ratelimit-reset')?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset)) {
    const value = Number(reset);
    return value >= 1e9 ? Math.max(0, Math.round(value * 1000 - nowMs)) : Math.round(value * 1000);
  }
  return undefined;
}

/**
 * Reads a carrier's error body: Telnyx `{"errors":[{code,title,detail}]}`, Twilio
 * `{code,message,status}`, Bandwidth XML `<ErrorCode>`/`<Description>`. Returns what it found.
 */
export function parseCarrierErrorBody(text: string): CarrierErrorDetail {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      return fromJsonError(JSON.parse(trimmed));
    } catch {
      return {};
    }
  }
  if (trimmed.startsWith('<')) {
    const code = xmlText(trimmed, 'ErrorCode') ?? xmlText(trimmed, 'Code');
    const message = xmlText(trimmed, 'Description');
    return { code, message: message === undefined ? undefined : shorten(message) };
  }
  return {};
}

function fromJsonError(body: unknown): CarrierErrorDetail {
  if (typeof body !== 'object' || body === null) {
    return {};
  }
  const record = body as Record<string, unknown>;
  if (Array.isArray(record.errors) && record.errors.length > 0) {
    const first = record.errors[0] as Record<string, unknown>;
    const parts = [first.title, first.detail].filter((part) => typeof part === 'string' && part !== '');
    return {
      code: first.code === undefined ? undefined : String(first.code),
      message: parts.length > 0 ? shorten(parts.join(': ')) : undefined,
    };
  }
  return {
    code: record.code === undefined || record.code === null ? undefined : String(record.code),
    message: typeof record.message === 'string' ? shorten(record.message) : undefined,
  };
}

// A flat regex is enough for the two leaf elements of Bandwidth's ResponseStatus, and keeps the
// XML parser out of this hot path.
function xmlText(xml: string, element: string): string | undefined {
  const match = new RegExp(`<${element}>([^<]*)</${element}>`).exec(xml);
  return match ? decodeXmlEntities(match[1]).trim() : undefined;
}

function decodeXmlEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function shorten(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}

function describeCall(request: Pick<CarrierHttpRequest, 'operation' | 'subject'>): string {
  return request.subject ? `${request.operation} for ${request.subject}` : request.operation;
}

// Only the host: paths carry account ids (Twilio, Bandwidth) and URLs may carry user info.
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the carrier';
  }
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) {
    return cause.code;
  }
  if (cause?.message) {
    return cause.message;
  }
  return error instanceof Error ? error.message : String(error);
}
