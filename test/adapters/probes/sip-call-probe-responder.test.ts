/**
 * The test call's messages on the wire, and what a real Kamailio will not play (a retransmitted 2xx,
 * a reply that is not SIP, TLS): against the in-process responder.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeSipCall, type SipCallOptions } from '../../../lambdas/adapters/probes/sip-call-probe';
import type { TestCall } from '../../../lambdas/contracts/config/schema';
import {
  buildSipReply,
  type ReceivedSipRequest,
  SipResponder,
} from '../../../lib/developer/drill/sip-responder';

const FAST: SipCallOptions = { retransmit: { t1Ms: 100, t2Ms: 400 }, teardownMs: 1000 };

function testCall(
  port: number,
  transport: TestCall['transport'],
  to: string,
  overrides: Partial<TestCall> = {},
): TestCall {
  return {
    host: '127.0.0.1',
    port,
    transport,
    to,
    from: 'prober',
    expect: [200],
    answerWithinMs: 800,
    ...overrides,
  };
}

/** The requests the responder got, once it has `count` (the last ACK may still be in flight when the call resolves). */
async function receivedRequests(
  responder: SipResponder,
  count: number,
): Promise<readonly ReceivedSipRequest[]> {
  const deadline = Date.now() + 2000;
  while (responder.requests.length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return responder.requests;
}

describe('probeSipCall against the in-process responder', () => {
  let responder: SipResponder;

  beforeEach(async () => {
    responder = await SipResponder.start();
  });

  afterEach(async () => {
    await responder.close();
  });

  const header = (request: ReceivedSipRequest, name: string) => request.message.headers[name]?.[0];

  it('sends an RFC 3261 INVITE with an SDP offer and a CANCEL matching it', async () => {
    responder.setScript((request) => {
      if (request.message.method === 'INVITE')
        return [buildSipReply(request, 100), buildSipReply(request, 183)];
      if (request.message.method === 'CANCEL') {
        return [buildSipReply(request, 200), buildSipReply(request, 487, { cseq: '1 INVITE' })];
      }
      return [];
    });

    const outcome = await probeSipCall(
      testCall(responder.port, 'udp', '+15551230000', { expect: [183] }),
      FAST,
    );

    expect(outcome).toMatchObject({ ok: true, status: 183, teardown: 'cancel' });
    const [invite, cancel, ack] = await receivedRequests(responder, 3);
    const port = invite.remote.port;
    expect(invite.text.split('\r\n')[0]).toBe(
      `INVITE sip:+15551230000@127.0.0.1:${responder.port};transport=udp SIP/2.0`,
    );
    expect(header(invite, 'via')).toMatch(
      new RegExp(`^SIP/2\\.0/UDP 127\\.0\\.0\\.1:${port};branch=z9hG4bK[0-9a-f]+;rport$`),
    );
    expect(header(invite, 'max-forwards')).toBe('70');
    expect(header(invite, 'from')).toMatch(/^<sip:prober@127\.0\.0\.1>;tag=[0-9a-f]+$/);
    expect(header(invite, 'to')).toBe(`<sip:+15551230000@127.0.0.1:${responder.port}>`);
    expect(header(invite, 'cseq')).toBe('1 INVITE');
    expect(header(invite, 'contact')).toBe(`<sip:prober@127.0.0.1:${port};transport=udp>`);
    expect(header(invite, 'content-type')).toBe('application/sdp');
    expect(Number(header(invite, 'content-length'))).toBe(Buffer.byteLength(invite.message.body));
    expect(invite.message.body.split('\r\n')).toEqual([
      'v=0',
      expect.stringMatching(/^o=carrier-failover \d+ \d+ IN IP4 127\.0\.0\.1$/),
      's=carrier-failover test call',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 9 RTP/AVP 0 8',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:8 PCMA/8000',
      'a=sendrecv',
      '',
    ]);
    // RFC 3261 §9.1: the CANCEL repeats the INVITE's Request-URI, Call-ID, To, From, CSeq number and Via.
    expect(cancel.text.split('\r\n')[0]).toBe(invite.text.split('\r\n')[0].replace('INVITE', 'CANCEL'));
    for (const name of ['via', 'call-id', 'to', 'from'])
      expect(header(cancel, name)).toBe(header(invite, name));
    expect(header(cancel, 'cseq')).toBe('1 CANCEL');
    // The ACK of the 487 is in the INVITE transaction: same branch, To with the answer's tag.
    expect(ack.message.method).toBe('ACK');
    expect(header(ack, 'via')).toBe(header(invite, 'via'));
    expect(header(ack, 'to')).toBe(`${header(invite, 'to')};tag=responder`);
    expect(header(ack, 'cseq')).toBe('1 ACK');
  });

  it('sends to a sip: URI as given and keeps a From URI', async () => {
    const to = `sip:9999@127.0.0.1:${responder.port}`;
    await responder.setMode(486);

    await probeSipCall(testCall(responder.port, 'udp', to, { from: 'sip:probe@example.com' }), FAST);

    const [invite] = responder.requests;
    expect(invite.text.split('\r\n')[0]).toBe(`INVITE ${to} SIP/2.0`);
    expect(header(invite, 'to')).toBe(`<${to}>`);
    expect(header(invite, 'from')).toMatch(/^<sip:probe@example\.com>;tag=[0-9a-f]+$/);
  });

  it('ACKs every retransmission of a 2xx and sends one BYE to its Contact', async () => {
    const contact = `sip:answer@127.0.0.1:${responder.port};transport=udp`;
    responder.setScript((request) => {
      const answer = buildSipReply(request, 200).replace(
        'Content-Length: 0',
        `Contact: <${contact}>\r\nContent-Length: 0`,
      );
      if (request.message.method === 'INVITE') return [answer, answer];
      return request.message.method === 'BYE' ? [buildSipReply(request, 200)] : [];
    });

    const outcome = await probeSipCall(testCall(responder.port, 'udp', 'answer'), FAST);

    expect(outcome).toMatchObject({ ok: true, teardown: 'bye' });
    const methods = (await receivedRequests(responder, 4)).map((request) => request.message.method);
    expect(methods.filter((method) => method === 'ACK')).toHaveLength(2);
    expect(methods.filter((method) => method === 'BYE')).toHaveLength(1);
    const bye = responder.requests.find((request) => request.message.method === 'BYE') as ReceivedSipRequest;
    expect(bye.text.split('\r\n')[0]).toBe(`BYE ${contact} SIP/2.0`);
    expect(header(bye, 'to')).toMatch(/;tag=responder$/);
    expect(header(bye, 'cseq')).toBe('2 BYE');
  });

  it('fails on a reply that is not SIP and CANCELs the call', async () => {
    responder.setScript((request) =>
      request.message.method === 'INVITE' ? ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'] : [],
    );

    const outcome = await probeSipCall(testCall(responder.port, 'udp', 'answer'), {
      ...FAST,
      teardownMs: 300,
    });

    expect(outcome).toMatchObject({ ok: false, teardown: 'cancel' });
    expect(outcome.reason).toMatch(/^malformed reply: bad start line "HTTP\/1\.1 200 OK"/);
    expect(responder.requests.map((request) => request.message.method)).toContain('CANCEL');
  });
});

describe('probeSipCall over TLS', () => {
  let dir: string;
  let ca: string;
  let responder: SipResponder;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sip-call-tls-'));
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
    responder.setScript((request) => {
      if (request.message.method === 'INVITE')
        return [buildSipReply(request, 100), buildSipReply(request, 200)];
      return request.message.method === 'BYE' ? [buildSipReply(request, 200)] : [];
    });
  });

  afterAll(async () => {
    await responder?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('places and ends a call when the certificate verifies against the given CA', async () => {
    const before = responder.requests.length;

    const outcome = await probeSipCall(testCall(responder.tlsPort as number, 'tls', 'answer'), {
      ...FAST,
      tls: { ca },
    });

    expect(outcome).toMatchObject({ ok: true, status: 200, teardown: 'bye' });
    const requests = (await receivedRequests(responder, before + 3)).slice(before);
    expect(requests.map((request) => `${request.transport} ${request.message.method}`)).toEqual([
      'tls INVITE',
      'tls ACK',
      'tls BYE',
    ]);
    expect(requests[0].text).toMatch(
      /^INVITE sip:answer@127\.0\.0\.1:\d+;transport=tls SIP\/2\.0\r\nVia: SIP\/2\.0\/TLS /,
    );
  });

  it('rejects an untrusted certificate by default, with nothing sent', async () => {
    const before = responder.requests.length;

    const outcome = await probeSipCall(testCall(responder.tlsPort as number, 'tls', 'answer'), FAST);

    expect(outcome).toMatchObject({
      ok: false,
      reason: 'TLS handshake failed: self-signed certificate',
      teardown: 'none',
    });
    expect(responder.requests.length).toBe(before);
  });
});
