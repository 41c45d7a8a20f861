import {
  CarrierHttpClient,
  type CarrierHttpRequest,
  parseCarrierErrorBody,
  parseRetryAfterMs,
} from '../../../lambdas/adapters/carriers/carrier-http';
import { CarrierAuthError, type CarrierError } from '../../../lambdas/contracts/errors';

const NOW = Date.parse('2026-01-15T12:00:00Z');

function answering(status: number, body = '', headers: Record<string, string> = {}): typeof fetch {
  return async () => new Response(status === 204 ? null : body, { status, headers });
}

function request(overrides: Partial<CarrierHttpRequest> = {}): CarrierHttpRequest {
  return {
    operation: 'UpdateIncomingPhoneNumber',
    subject: '+14155550100',
    method: 'POST',
    url: 'https://api.example.test/2010-04-01/Accounts/AC123/IncomingPhoneNumbers/PN1.json',
    headers: { Authorization: 'Basic c2VjcmV0OnRva2Vu' },
    body: 'VoiceUrl=x',
    ...overrides,
  };
}

async function failure(client: CarrierHttpClient, call = request()): Promise<CarrierError> {
  return client.send(call).then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: CarrierError) => error,
  );
}

describe('parseRetryAfterMs', () => {
  it('reads Retry-After in seconds', () => {
    expect(parseRetryAfterMs(new Headers({ 'Retry-After': '7' }), NOW)).toBe(7000);
  });

  it('reads Retry-After as an HTTP date', () => {
    const at = new Date(NOW + 12_000).toUTCString();

    expect(parseRetryAfterMs(new Headers({ 'Retry-After': at }), NOW)).toBe(12_000);
  });

  it('reads X-RateLimit-Reset as epoch seconds (Bandwidth)', () => {
    expect(parseRetryAfterMs(new Headers({ 'X-RateLimit-Reset': String(NOW / 1000 + 4) }), NOW)).toBe(4000);
  });

  it('reads a small X-RateLimit-Reset as seconds from now', () => {
    expect(parseRetryAfterMs(new Headers({ 'x-ratelimit-reset': '2' }), NOW)).toBe(2000);
  });

  it('never returns a negative wait, and nothing when no header is usable', () => {
    expect(parseRetryAfterMs(new Headers({ 'Retry-After': new Date(NOW - 5000).toUTCString() }), NOW)).toBe(
      0,
    );
    expect(parseRetryAfterMs(new Headers({ 'Retry-After': 'soon' }), NOW)).toBeUndefined();
    expect(parseRetryAfterMs(new Headers(), NOW)).toBeUndefined();
  });
});

describe('parseCarrierErrorBody', () => {
  it('reads Telnyx errors', () => {
    const body = JSON.stringify({
      errors: [{ code: '10011', title: 'Too many requests', detail: 'Slow down.' }],
    });

    expect(parseCarrierErrorBody(body)).toEqual({ code: '10011', message: 'Too many requests: Slow down.' });
  });

  it('reads Twilio errors', () => {
    const body = JSON.stringify({ code: 20429, message: 'Too Many Requests', status: 429 });

    expect(parseCarrierErrorBody(body)).toEqual({ code: '20429', message: 'Too Many Requests' });
  });

  it('reads Bandwidth XML errors', () => {
    const body =
      '<?xml version="1.0"?><TnOptionOrderResponse><ResponseStatus><ErrorCode>5081</ErrorCode>' +
      '<Description>Number Format &apos;wrong&apos; is invalid.</Description></ResponseStatus></TnOptionOrderResponse>';

    expect(parseCarrierErrorBody(body)).toEqual({
      code: '5081',
      message: "Number Format 'wrong' is invalid.",
    });
  });

  it('returns nothing for bodies it does not know', () => {
    expect(parseCarrierErrorBody('<html>Bad gateway</html>')).toEqual({
      code: undefined,
      message: undefined,
    });
    expect(parseCarrierErrorBody('oops')).toEqual({});
    expect(parseCarrierErrorBody('{not json')).toEqual({});
  });
});

describe('CarrierHttpClient', () => {
  it.each([401, 403])(
    'turns %i into CarrierAuthError naming the operation, never the credentials',
    async (status) => {
      const client = new CarrierHttpClient('twilio', {
        fetch: answering(status, '{"code":20003,"message":"Authenticate"}'),
      });

      const error = await failure(client);

      expect(error).toBeInstanceOf(CarrierAuthError);
      expect(error).toMatchObject({ status, code: '20003', retryable: false, carrier: 'twilio' });
      expect(error.message).toContain('UpdateIncomingPhoneNumber for +14155550100');
      expect(error.message).not.toContain('c2VjcmV0OnRva2Vu');
      expect(error.message).not.toContain('AC123');
    },
  );

  it.each([400, 404, 409, 422])('treats %i as not retryable', async (status) => {
    const error = await failure(new CarrierHttpClient('telnyx', { fetch: answering(status) }));

    expect(error).toMatchObject({ retryable: false, status });
  });

  it.each([408, 500, 502, 503, 504])('treats %i as retryable', async (status) => {
    const error = await failure(new CarrierHttpClient('telnyx', { fetch: answering(status) }));

    expect(error).toMatchObject({ retryable: true, status });
  });

  it('turns 429 into a retryable error with the wait the carrier asked for', async () => {
    const client = new CarrierHttpClient('telnyx', {
      fetch: answering(429, '', { 'Retry-After': '3' }),
      now: () => NOW,
    });

    const error = await failure(client);

    expect(error).toMatchObject({ retryable: true, status: 429, retryAfterMs: 3000 });
    expect(error.message).toContain('retry after 3 s');
  });

  it('treats a refused connection as retryable, naming only the host', async () => {
    const refused: typeof fetch = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      });
    };
    const client = new CarrierHttpClient('bandwidth', { fetch: refused });

    const error = await failure(
      client,
      request({ url: 'https://user:pa55word@dashboard.example.test/api/v1/accounts/9900001/tnoptions' }),
    );

    expect(error).toMatchObject({ retryable: true });
    expect(error.message).toContain('could not reach dashboard.example.test (ECONNREFUSED)');
    expect(error.message).not.toContain('pa55word');
    expect(error.message).not.toContain('9900001');
  });

  it('abandons a call after timeoutMs as retryable', async () => {
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const client = new CarrierHttpClient('telnyx', { fetch: hanging, timeoutMs: 20 });

    const error = await failure(client);

    expect(error).toMatchObject({ retryable: true });
    expect(error.message).toContain('within 20 ms');
  });

  it('treats malformed JSON in a 2xx answer as retryable', async () => {
    const client = new CarrierHttpClient('telnyx', { fetch: answering(200, '{"data": {') });

    await expect(client.sendJson(request())).rejects.toMatchObject({
      retryable: true,
      safeToRepeat: false,
      message: expect.stringContaining('malformed response'),
    });
  });

  it('lets a read with a malformed answer be repeated at once: a GET changed nothing', async () => {
    const client = new CarrierHttpClient('telnyx', { fetch: answering(200, '{"data": [') });

    const error = await client.sendJson(request({ method: 'GET', body: undefined })).then(
      () => undefined,
      (caught: CarrierError) => caught,
    );

    expect(error).toMatchObject({ retryable: true, safeToRepeat: true });
    expect(error?.message).toContain('malformed response');
    expect(error?.message).not.toContain('a write may have been applied');
  });

  it('returns the body of a 2xx answer', async () => {
    const client = new CarrierHttpClient('telnyx', { fetch: answering(200, '{"data":{"id":"1"}}') });

    await expect(client.sendJson(request())).resolves.toEqual({ data: { id: '1' } });
  });
});
