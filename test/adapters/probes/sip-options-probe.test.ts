import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeSite } from '../../../lambdas/adapters/probes/probe-site';
import { parseSipMessage, SipStreamFramer } from '../../../lambdas/adapters/probes/sip-message';
import { probeSipOptions } from '../../../lambdas/adapters/probes/sip-options-probe';
import type { SipEndpoint } from '../../../lambdas/contracts/config/schema';
import { buildSipReply, SipResponder } from '../../../lib/developer/drill/sip-responder';
import { type RunningKamailio, startKamailio } from '../../support/kamailio';

function sipEndpoint(
  port: number,
  transport: SipEndpoint['transport'],
  healthyCodes: number[] = [],
): SipEndpoint {
  return { host: '127.0.0.1', port, transport, healthyCodes };
}

describe('probeSipOptions against a real Kamailio', () => {
  let up: RunningKamailio;
  let outOfSync: RunningKamailio;

  beforeAll(async () => {
    [up, outOfSync] = await Promise.all([startKamailio({ status: 200 }), startKamailio({ status: 503 })]);
  });

  afterAll(async () => {
    await Promise.all([up?.stop(), outOfSync?.stop()]);
  });

  it.each(['udp', 'tcp'] as const)(
    'reports a Kamailio answering 200 over %s as healthy',
    async (transport) => {
      const result = await probeSipOptions(sipEndpoint(up.port, transport), { timeoutMs: 2000 });

      expect(result).toMatchObject({ ok: true, status: 200, reason: 'SIP 200 OK' });
      expect(result.latencyMs).toBeLessThan(2000);
    },
  );

  it.each(['udp', 'tcp'] as const)(
    'reports a Kamailio answering 503 over %s as unhealthy',
    async (transport) => {
      const result = await probeSipOptions(sipEndpoint(outOfSync.port, transport), { timeoutMs: 2000 });

      expect(result).toMatchObject({ ok: false, status: 503, reason: 'SIP 503 Service Unavailable' });
    },
  );

  it.each(['udp', 'tcp'] as const)('times out on a hung (SIGSTOPped) Kamailio over %s', async (transport) => {
    const hung = await startKamailio({ status: 200 });
    try {
      hung.freeze();

      const result = await probeSipOptions(sipEndpoint(hung.port, transport), { timeoutMs: 700 });

      expect(result).toMatchObject({ ok: false, reason: 'timeout after 700 ms' });
      expect(result.status).toBeUndefined();
    } finally {
      await hung.stop();
    }
  });

  it.each(['udp', 'tcp'] as const)('reports a stopped Kamailio as refused over %s', async (transport) => {
    const stopped = await startKamailio({ status: 200 });
    await stopped.stop();

    const result = await probeSipOptions(sipEndpoint(stopped.port, transport), { timeoutMs: 2000 });

    // Loopback answers a closed UDP port with ICMP port-unreachable, which the connected socket hears.
    expect(result).toMatchObject({ ok: false, reason: 'connection refused' });
  });
});

describe('probeSipOptions against the in-process responder', () => {
  let responder: SipResponder;

  beforeEach(async () => {
    responder = await SipResponder.start();
  });

  afterEach(async () => {
    await responder.close();
  });

  it.each(['udp', 'tcp'] as const)('sends a well-formed RFC 3261 OPTIONS over %s', async (transport) => {
    await probeSipOptions(sipEndpoint(responder.port, transport), { timeoutMs: 2000 });

    expect(responder.requests).toHaveLength(1);
    const [request] = responder.requests;
    const lines = request.text.split('\r\n');
    const header = (name: string) =>
      lines.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
    const T = transport.toUpperCase();
    expect(request.text.endsWith('\r\n\r\n')).toBe(true);
    expect(lines[0]).toBe(`OPTIONS sip:127.0.0.1:${responder.port};transport=${transport} SIP/2.0`);
    expect(header('Via')).toMatch(
      new RegExp(`^SIP/2\\.0/${T} 127\\.0\\.0\\.1:${request.remote.port};branch=z9hG4bK[0-9a-f]{8,};rport$`),
    );
    expect(header('Max-Forwards')).toBe('70');
    expect(header('From')).toMatch(/^<sip:[^>]+@127\.0\.0\.1>;tag=[0-9a-f]+$/);
    expect(header('To')).toBe(`<sip:127.0.0.1:${responder.port}>`);
    expect(header('Call-ID')).toMatch(/^\S+$/);
    expect(header('CSeq')).toBe('1 OPTIONS');
    expect(header('Contact')).toBe(
      `<sip:carrier-failover@127.0.0.1:${request.remote.port};transport=${transport}>`,
    );
    expect(header('User-Agent')).toBe('carrier-failover-probe');
    expect(header('Accept')).toBe('application/sdp');
    expect(header('Content-Length')).toBe('0');
  });

  it('uses a fresh Call-ID and branch for every probe', async () => {
    await probeSipOptions(sipEndpoint(responder.port, 'udp'), { timeoutMs: 2000 });
    await probeSipOptions(sipEndpoint(responder.port, 'udp'), { timeoutMs: 2000 });

    const [first, second] = responder.requests.map((r) => r.message.headers);
    expect(first['call-id']).not.toEqual(second['call-id']);
    expect(first.via).not.toEqual(second.via);
  });

  it('reports a reply that is not SIP as malformed', async () => {
    responder.setScript(() => ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']);

    const result = await probeSipOptions(sipEndpoint(responder.port, 'udp'), { timeoutMs: 2000 });

    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^malformed reply: bad start line "HTTP\/1\.1 200 OK"/);
  });

  it('reports a TCP reply without Content-Length as malformed', async () => {
    responder.setScript((request) => [buildSipReply(request, 200).replace('Content-Length: 0\r\n', '')]);

    const result = await probeSipOptions(sipEndpoint(responder.port, 'tcp'), { timeoutMs: 2000 });

    expect(result).toMatchObject({
      ok: false,
      reason: 'malformed reply: no Content-Length on a stream transport',
    });
  });

  it.each([
    ['Call-ID', { callId: 'someone-else@elsewhere' }],
    ['branch', { branch: 'z9hG4bKnot-ours' }],
    ['CSeq', { cseq: '2 OPTIONS' }],
  ])('ignores a 503 whose %s is not ours and takes the matching 200 after it', async (_label, overrides) => {
    responder.setScript((request) => [buildSipReply(request, 503, overrides), buildSipReply(request, 200)]);

    const result = await probeSipOptions(sipEndpoint(responder.port, 'udp'), { timeoutMs: 2000 });

    expect(result).toMatchObject({ ok: true, status: 200 });
  });

  it('times out when the only answer belongs to another transaction', async () => {
    responder.setScript((request) => [buildSipReply(request, 200, { callId: 'foreign' })]);

    const result = await probeSipOptions(sipEndpoint(responder.port, 'udp'), { timeoutMs: 400 });

    expect(result).toMatchObject({ ok: false, reason: 'timeout after 400 ms' });
  });

  it.each(['udp', 'tcp'] as const)(
    'waits past a provisional 100 Trying for the final answer over %s',
    async (transport) => {
      responder.setScript((request) => [buildSipReply(request, 100), buildSipReply(request, 200)]);

      const result = await probeSipOptions(sipEndpoint(responder.port, transport), { timeoutMs: 2000 });

      expect(result).toMatchObject({ ok: true, status: 200, reason: 'SIP 200 OK' });
    },
  );

  it('does not count a provisional answer alone as healthy', async () => {
    responder.setScript((request) => [buildSipReply(request, 180)]);

    const result = await probeSipOptions(sipEndpoint(responder.port, 'udp'), { timeoutMs: 400 });

    expect(result).toMatchObject({ ok: false, reason: 'timeout after 400 ms' });
  });

  it('counts 404 as healthy only for an endpoint that lists it in healthyCodes', async () => {
    await responder.setMode(404);

    const strict = await probeSipOptions(sipEndpoint(responder.port, 'udp'), { timeoutMs: 2000 });
    const lenient = await probeSipOptions(sipEndpoint(responder.port, 'udp', [404, 405]), {
      timeoutMs: 2000,
    });

    expect(strict).toMatchObject({ ok: false, status: 404, reason: 'SIP 404 Not Found' });
    expect(lenient).toMatchObject({ ok: true, status: 404, reason: 'SIP 404 Not Found' });
  });

  it('retransmits an unanswered UDP request after T1 (500 ms) and takes the answer to the retry', async () => {
    responder.setScript((request, index) => (index === 0 ? [] : [buildSipReply(request, 200)]));

    const result = await probeSipOptions(sipEndpoint(responder.port, 'udp'), { timeoutMs: 3000 });

    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.latencyMs).toBeGreaterThanOrEqual(450);
    expect(responder.requests).toHaveLength(2);
    // A retransmission is the same request: same branch, Call-ID and CSeq.
    expect(responder.requests[1].text).toBe(responder.requests[0].text);
  });

  it('doubles the UDP retransmit interval up to T2 until the timeout', async () => {
    await responder.setMode('silent');

    // T1 100, T2 400: sends at 0, 100, 300, 700; the next (1100) is past the 1000 ms timeout.
    const result = await probeSipOptions(sipEndpoint(responder.port, 'udp'), {
      timeoutMs: 1000,
      retransmit: { t1Ms: 100, t2Ms: 400 },
    });

    expect(result).toMatchObject({ ok: false, reason: 'timeout after 1000 ms' });
    expect(responder.requests).toHaveLength(4);
  });

  it('does not retransmit over TCP', async () => {
    await responder.setMode('silent');

    await probeSipOptions(sipEndpoint(responder.port, 'tcp'), {
      timeoutMs: 500,
      retransmit: { t1Ms: 50, t2Ms: 100 },
    });

    expect(responder.requests).toHaveLength(1);
  });

  it.each(['udp', 'tcp'] as const)('reports a stopped responder as refused over %s', async (transport) => {
    await responder.setMode('stopped');

    const result = await probeSipOptions(sipEndpoint(responder.port, transport), { timeoutMs: 2000 });

    expect(result).toMatchObject({ ok: false, reason: 'connection refused' });
  });

  it('answers again on the same port after being restarted', async () => {
    await responder.setMode('stopped');
    await responder.setMode(200);

    const result = await probeSipOptions(sipEndpoint(responder.port, 'udp'), { timeoutMs: 2000 });

    expect(result.ok).toBe(true);
  });
});

describe('probeSipOptions over TLS', () => {
  let dir: string;
  let ca: string;
  let responder: SipResponder;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sip-tls-'));
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
        '/CN=sbc.test',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    responder = await SipResponder.start({ tls: { key: readFileSync(join(dir, 'key.pem')), cert: ca } });
  });

  afterAll(async () => {
    await responder?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is healthy when the server certificate verifies against the given CA', async () => {
    const result = await probeSipOptions(sipEndpoint(responder.tlsPort!, 'tls'), {
      timeoutMs: 2000,
      tls: { ca },
    });

    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(responder.requests.at(-1)?.text).toMatch(
      /^OPTIONS sip:127\.0\.0\.1:\d+;transport=tls SIP\/2\.0\r\nVia: SIP\/2\.0\/TLS /,
    );
  });

  it('rejects an untrusted certificate by default', async () => {
    const result = await probeSipOptions(sipEndpoint(responder.tlsPort!, 'tls'), { timeoutMs: 2000 });

    expect(result.ok).toBe(false);
    expect(result.reason).toBe('TLS handshake failed: self-signed certificate');
  });

  it('accepts an untrusted certificate when rejectUnauthorized is false', async () => {
    const result = await probeSipOptions(sipEndpoint(responder.tlsPort!, 'tls'), {
      timeoutMs: 2000,
      tls: { rejectUnauthorized: false },
    });

    expect(result.ok).toBe(true);
  });
});

describe('SipStreamFramer', () => {
  const message = (callId: string, body = '') =>
    `SIP/2.0 200 OK\r\nCall-ID: ${callId}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

  it('frames messages arriving one byte at a time', () => {
    const framer = new SipStreamFramer();
    const bytes = Buffer.from(message('a', 'v=0\r\n'));

    const framed = [...bytes].flatMap((byte) => framer.push(Buffer.from([byte])));

    expect(framed).toEqual([message('a', 'v=0\r\n')]);
  });

  it('splits two messages and CRLF keepalives sent in one chunk', () => {
    const framer = new SipStreamFramer();

    const framed = framer.push(Buffer.from(`\r\n\r\n${message('a')}\r\n${message('b', 'xyz')}`));

    expect(framed).toEqual([message('a'), message('b', 'xyz')]);
  });

  it('reads the compact Content-Length form', () => {
    const framer = new SipStreamFramer();

    const framed = framer.push(Buffer.from('SIP/2.0 200 OK\r\ni: x\r\nl: 2\r\n\r\nok'));

    expect(framed).toHaveLength(1);
    expect(parseSipMessage(framed[0])).toMatchObject({
      kind: 'response',
      headers: { 'call-id': ['x'] },
      body: 'ok',
    });
  });
});

describe('probeSite', () => {
  it('probes every SIP and HTTP endpoint of a site in parallel and stamps them with the round', async () => {
    const answering = await SipResponder.start({ mode: 200 });
    const silent = await SipResponder.start({ mode: 'silent' });
    const portal = http.createServer((_request, response) => {
      response.statusCode = 500;
      response.end();
    });
    await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(portal.address() as AddressInfo).port}/health`;
    try {
      const site = {
        id: 'pbx-east',
        sip: [sipEndpoint(answering.port, 'udp'), sipEndpoint(silent.port, 'tcp')],
        http: [{ url, expectedStatus: 200 }],
      };
      const started = performance.now();

      const observations = await probeSite(
        site,
        { region: 'us-east-1', at: 1_660_293_900_000 },
        { timeoutMs: 400 },
      );

      expect(performance.now() - started).toBeLessThan(800);
      expect(observations.map(({ latencyMs: _latency, ...rest }) => rest)).toEqual([
        {
          siteId: 'pbx-east',
          region: 'us-east-1',
          at: 1_660_293_900_000,
          endpoint: `sip:udp:127.0.0.1:${answering.port}`,
          ok: true,
          reason: 'SIP 200 OK',
        },
        {
          siteId: 'pbx-east',
          region: 'us-east-1',
          at: 1_660_293_900_000,
          endpoint: `sip:tcp:127.0.0.1:${silent.port}`,
          ok: false,
          reason: 'timeout after 400 ms',
        },
        {
          siteId: 'pbx-east',
          region: 'us-east-1',
          at: 1_660_293_900_000,
          endpoint: url,
          ok: false,
          reason: 'HTTP 500',
        },
      ]);
    } finally {
      await Promise.all([answering.close(), silent.close()]);
      portal.closeAllConnections();
      await new Promise<void>((resolve) => portal.close(() => resolve()));
    }
  });
});
