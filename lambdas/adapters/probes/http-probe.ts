/**
 * HTTP(S) health check of one URL: a GET that must answer the expected status and, when asked,
 * contain a piece of text. The body check is what catches a portal that is up but "out of sync"
 * and answers 200 with an error page.
 */
import type { HttpEndpoint } from '../../contracts/config/schema';
import type { ProbeResult } from './probe-site';

/** The most body text read when looking for `bodyContains`; health pages are small. */
const MAX_BODY_BYTES = 64 * 1024;

/** How an HTTP probe behaves besides the endpoint's own settings. */
export interface HttpProbeOptions {
  /** How long to wait for the status line and, when checked, the body. */
  timeoutMs: number;
  /** Injected for tests and for a custom CA. @default the global fetch */
  fetch?: typeof fetch;
  /** @default 'carrier-failover-probe' */
  userAgent?: string;
}

/** GETs the endpoint's URL and judges the answer. Never throws. */
export async function probeHttp(endpoint: HttpEndpoint, options: HttpProbeOptions): Promise<ProbeResult> {
  const fetchImpl = options.fetch ?? fetch;
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    // Redirects are reported, not followed: a health URL that bounces to a login page is not healthy
    // unless the operator says 302 is the expected status.
    const response = await fetchImpl(endpoint.url, {
      method: 'GET',
      redirect: 'manual',
      signal,
      headers: { 'user-agent': options.userAgent ?? 'carrier-failover-probe', accept: '*/*' },
    });
    if (response.status !== endpoint.expectedStatus) {
      await response.body?.cancel().catch(() => {});
      return { ok: false, status: response.status, latencyMs: latency(), reason: `HTTP ${response.status}` };
    }
    if (endpoint.bodyContains === undefined) {
      await response.body?.cancel().catch(() => {});
      return { ok: true, status: response.status, latencyMs: latency(), reason: `HTTP ${response.status}` };
    }
    const body = await readBodyPrefix(response, MAX_BODY_BYTES);
    const ok = body.includes(endpoint.bodyContains);
    return {
      ok,
      status: response.status,
      latencyMs: latency(),
      reason: ok ? `HTTP ${response.status}` : `body lacks "${endpoint.bodyContains}"`,
    };
  } catch (error) {
    return { ok: false, latencyMs: latency(), reason: describeFetchError(error, options.timeoutMs) };
  }
}

async function readBodyPrefix(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    text += decoder.decode(value, { stream: true });
    if (bytes >= maxBytes) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  return text + decoder.decode();
}

/** fetch reports network failures as `TypeError: fetch failed` with the socket error as `cause`. */
export function describeFetchError(error: unknown, timeoutMs: number): string {
  const name = (error as Error | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const cause = (error as { cause?: unknown } | undefined)?.cause as (Error & { code?: string }) | undefined;
  const code = cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `DNS lookup failed: ${cause?.message}`;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') {
    return `timeout after ${timeoutMs} ms`;
  }
  if (
    code !== undefined &&
    (code.startsWith('ERR_TLS') ||
      code.startsWith('ERR_SSL') ||
      /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code))
  ) {
    return `TLS handshake failed: ${cause?.message}`;
  }
  const detail = cause?.message ?? (error as { message?: string } | undefined)?.message ?? String(error);
  return `request failed: ${detail}`;
}
