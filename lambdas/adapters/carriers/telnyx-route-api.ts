/**
 * The requests Telnyx's route operations share: each one through the run's `call`, reads of
 * one object, and lists read 250 a page (the first page says how many follow; the rest are all
 * handed to `call` at once, which sends them as fast as the run's rate allows) or counted with
 * one page of one item.
 */
import type { RouteCall } from '../../ports/carrier-routes';
import { malformedResponse } from './carrier-http';
import type { TelnyxJobContext } from './telnyx-update-job';

/** Telnyx's largest list page. */
export const TELNYX_PAGE_SIZE = 250;

/** The adapter's job context with every request sent through `call`. */
export function throughCall(context: TelnyxJobContext, call: RouteCall): TelnyxJobContext {
  return { ...context, http: { sendJson: (request) => call(() => context.http.sendJson(request)) } };
}

/** One Telnyx request with a JSON answer; `body` is sent as JSON. */
export interface TelnyxRequest {
  readonly operation: string;
  readonly subject: string;
  readonly method: 'GET' | 'POST' | 'PATCH';
  /** Relative to the base URL, e.g. `/fqdn_connections/123`. */
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly body?: unknown;
}

/** Sends the request and returns the answer's `data` object. */
export async function telnyxData<T>(context: TelnyxJobContext, request: TelnyxRequest): Promise<T> {
  const query = request.query ? `?${new URLSearchParams(request.query)}` : '';
  const http = {
    operation: request.operation,
    subject: request.subject,
    method: request.method,
    url: `${context.baseUrl}${request.path}${query}`,
    headers: context.headers(request.body !== undefined),
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
  };
  const answer = await context.http.sendJson<{ data?: unknown }>(http);
  if (typeof answer?.data !== 'object' || answer.data === null) {
    throw malformedResponse('telnyx', http, 'no `data`');
  }
  return answer.data as T;
}

/** One page of a Telnyx list and what its `meta` says about the rest. */
export interface TelnyxPage<T> {
  data: T[];
  totalPages: number;
  totalResults?: number;
}

/** Reads one page of a list. */
export async function telnyxPage<T>(
  context: TelnyxJobContext,
  request: Omit<TelnyxRequest, 'method' | 'body'>,
  page: number,
  size = TELNYX_PAGE_SIZE,
): Promise<TelnyxPage<T>> {
  const query = { ...request.query, 'page[number]': String(page), 'page[size]': String(size) };
  const http = {
    operation: request.operation,
    subject: request.subject,
    method: 'GET' as const,
    url: `${context.baseUrl}${request.path}?${new URLSearchParams(query)}`,
    headers: context.headers(),
  };
  const answer = await context.http.sendJson<{
    data?: unknown;
    meta?: { total_pages?: number; total_results?: number };
  }>(http);
  if (!Array.isArray(answer?.data)) {
    throw malformedResponse('telnyx', http, 'no `data` list');
  }
  return {
    data: answer.data as T[],
    totalPages: answer.meta?.total_pages ?? 1,
    totalResults: answer.meta?.total_results,
  };
}

/** Every item of a list: the first page, then all the others at once. */
export async function telnyxListAll<T>(
  context: TelnyxJobContext,
  request: Omit<TelnyxRequest, 'method' | 'body'>,
): Promise<T[]> {
  const first = await telnyxPage<T>(context, request, 1);
  const rest = Array.from({ length: Math.max(0, first.totalPages - 1) }, (_, index) => index + 2);
  const pages = await Promise.all(rest.map((page) => telnyxPage<T>(context, request, page)));
  return [first, ...pages].flatMap((page) => page.data);
}

/**
 * How many items a list holds, from one page of one item: the spec's `meta.total_results`
 * (ListPhoneNumbers declares it, with `data`, as required). An answer without it is malformed
 * (retryable): a guessed count could send a switch the wrong way.
 */
export async function telnyxCount(
  context: TelnyxJobContext,
  request: Omit<TelnyxRequest, 'method' | 'body'>,
): Promise<number> {
  const page = await telnyxPage<unknown>(context, request, 1, 1);
  if (typeof page.totalResults !== 'number') {
    throw malformedResponse(
      'telnyx',
      { operation: request.operation, subject: request.subject },
      'no `meta.total_results`',
    );
  }
  return page.totalResults;
}
