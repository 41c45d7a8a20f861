import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeHttp } from '../../../lambdas/adapters/probes/http-probe';
import type { HttpEndpoint } from '../../../lambdas/contracts/config/schema';

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('probeHttp', () => {
  let server: http.Server;
  let handler: Handler;
  let baseUrl: string;

  beforeEach(async () => {
    handler = (_request, response) => response.end('ok');
    server = http.createServer((request, response) => handler(request, response));
    baseUrl = `http://127.0.0.1:${await listen(server)}`;
  });

  afterEach(async () => {
    await close(server);
  });

  const endpoint = (overrides: Partial<HttpEndpoint> = {}): HttpEndpoint => ({
    url: `${baseUrl}/health`,
    expectedStatus: 200,
    ...overrides,
  });

  it('is healthy when the URL answers the expected status', async () => {
    const result = await probeHttp(endpoint(), { timeoutMs: 1000 });

    expect(result).toMatchObject({ ok: true, status: 200, reason: 'HTTP 200' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('is unhealthy on another status', async () => {
    handler = (_request, response) => {
      response.statusCode = 500;
      response.end('boom');
    };

    const result = await probeHttp(endpoint(), { timeoutMs: 1000 });

    expect(result).toMatchObject({ ok: false, status: 500, reason: 'HTTP 500' });
  });

  it('honours an expected status other than 200', async () => {
    handler = (_request, response) => {
      response.statusCode = 204;
      response.end();
    };

    const result = await probeHttp(endpoint({ expectedStatus: 204 }), { timeoutMs: 1000 });

    expect(result).toMatchObject({ ok: true, status: 204 });
  });

  it('reports a redirect instead of following it', async () => {
    handler = (_request, response) => {
      response.writeHead(302, { location: '/login' });
      response.end();
    };

    const result = await probeHttp(endpoint(), { timeoutMs: 1000 });

    expect(result).toMatchObject({ ok: false, status: 302, reason: 'HTTP 302' });
  });

  it('is unhealthy when the body lacks the expected text', async () => {
    handler = (_request, response) => response.end('{"status":"out of sync"}');

    const result = await probeHttp(endpoint({ bodyContains: '"status":"ok"' }), { timeoutMs: 1000 });

    expect(result).toMatchObject({ ok: false, status: 200, reason: 'body lacks ""status":"ok""' });
  });

  it('is healthy when the body contains the expected text', async () => {
    handler = (_request, response) => response.end('{"status":"ok"}');

    const result = await probeHttp(endpoint({ bodyContains: '"status":"ok"' }), { timeoutMs: 1000 });

    expect(result).toMatchObject({ ok: true, reason: 'HTTP 200' });
  });

  it('times out when the status line does not come in time', async () => {
    handler = () => {};

    const result = await probeHttp(endpoint(), { timeoutMs: 200 });

    expect(result).toMatchObject({ ok: false, reason: 'timeout after 200 ms' });
    expect(result.status).toBeUndefined();
  });

  it('times out when the body it must check does not come in time', async () => {
    handler = (_request, response) => response.write('still loading');

    const result = await probeHttp(endpoint({ bodyContains: 'ok' }), { timeoutMs: 200 });

    expect(result).toMatchObject({ ok: false, reason: 'timeout after 200 ms' });
  });

  it('reports a closed port as connection refused', async () => {
    await close(server);

    const result = await probeHttp(endpoint(), { timeoutMs: 1000 });

    expect(result).toMatchObject({ ok: false, reason: 'connection refused' });
    server = http.createServer();
  });

  it('sends its user agent', async () => {
    let userAgent: string | undefined;
    handler = (request, response) => {
      userAgent = request.headers['user-agent'];
      response.end('ok');
    };

    await probeHttp(endpoint(), { timeoutMs: 1000 });

    expect(userAgent).toBe('carrier-failover-probe');
  });
});

describe('probeHttp over HTTPS', () => {
  let dir: string;
  let server: https.Server;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'http-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=portal.test',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    server = https.createServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (_request, response) => response.end('ok'),
    );
    url = `https://127.0.0.1:${await listen(server)}/health`;
  });

  afterAll(async () => {
    await close(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports an untrusted certificate as a TLS failure', async () => {
    const result = await probeHttp({ url, expectedStatus: 200 }, { timeoutMs: 1000 });

    expect(result).toMatchObject({ ok: false, reason: 'TLS handshake failed: self-signed certificate' });
  });
});
