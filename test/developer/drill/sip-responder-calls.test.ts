/**
 * The responder answers test calls as a user agent server would, raw SIP over UDP: 100 Trying, then
 * the call mode's answer; ACK unanswered, BYE and CANCEL answered; OPTIONS keep their own mode.
 * "Nothing came back" is asserted by order, not by waiting: a later OPTIONS's answer arrives first.
 */
import dgram from 'node:dgram';
import { parseSipMessage, type SipMessage } from '../../../lambdas/adapters/probes/sip-message';
import { SipResponder } from '../../../lib/developer/drill/sip-responder';

type SipResponse = Extract<SipMessage, { kind: 'response' }>;

/** A UDP caller on loopback that collects every datagram it receives. */
class RawCaller {
  readonly received: SipResponse[] = [];
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly socket: dgram.Socket,
    readonly port: number,
  ) {
    socket.on('message', (packet) => {
      this.received.push(parseSipMessage(packet.toString('utf8')) as SipResponse);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(): Promise<RawCaller> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new RawCaller(socket, socket.address().port);
  }

  send(text: string, port: number): void {
    this.socket.send(text, port, '127.0.0.1');
  }

  /** Resolves once `count` responses in all have arrived; fails the test after 5 s. */
  async responses(count: number): Promise<SipResponse[]> {
    const deadline = Date.now() + 5000;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} responses, got ${this.received.length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return this.received.slice(0, count);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

const OFFER = [
  'v=0',
  'o=caller 1 1 IN IP4 127.0.0.1',
  's=test',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 9 RTP/AVP 8 0',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

interface Leg {
  callerPort: number;
  responderPort: number;
  callId: string;
  branch: string;
}

function request(
  leg: Leg,
  method: string,
  cseq: number,
  options: { branch?: string; toTag?: string; body?: string } = {},
): string {
  const body = options.body ?? '';
  return [
    `${method} sip:+15550100999@127.0.0.1:${leg.responderPort};transport=udp SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${leg.callerPort};branch=${options.branch ?? leg.branch};rport`,
    'Max-Forwards: 70',
    'From: <sip:prober@127.0.0.1>;tag=caller1',
    `To: <sip:+15550100999@127.0.0.1:${leg.responderPort}>${options.toTag ? `;tag=${options.toTag}` : ''}`,
    `Call-ID: ${leg.callId}`,
    `CSeq: ${cseq} ${method}`,
    `Contact: <sip:prober@127.0.0.1:${leg.callerPort};transport=udp>`,
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

const header = (response: SipResponse, name: string) => response.headers[name]?.[0];
const toTagOf = (response: SipResponse) => /;tag=([^;]+)/.exec(header(response, 'to') ?? '')?.[1];
const summary = (response: SipResponse) => `${response.status} ${header(response, 'cseq')}`;

describe('the SIP responder answering test calls', () => {
  let responder: SipResponder;
  let caller: RawCaller;
  let leg: Leg;

  beforeEach(async () => {
    responder = await SipResponder.start();
    caller = await RawCaller.open();
    leg = {
      callerPort: caller.port,
      responderPort: responder.port,
      callId: `call-${Math.random().toString(16).slice(2)}@test`,
      branch: 'z9hG4bKinvite1',
    };
  });

  afterEach(async () => {
    await caller.close();
    await responder.close();
  });

  it('answers an INVITE with 100 Trying and a 200 carrying a To tag, a Contact and an SDP answer', async () => {
    caller.send(request(leg, 'INVITE', 1, { body: OFFER }), responder.port);

    const [trying, ok] = await caller.responses(2);

    expect([summary(trying), summary(ok)]).toEqual(['100 1 INVITE', '200 1 INVITE']);
    expect(ok.reasonPhrase).toBe('OK');
    expect(toTagOf(ok)).toMatch(/^[0-9a-f]+$/);
    expect(header(ok, 'via')).toBe(
      `SIP/2.0/UDP 127.0.0.1:${caller.port};branch=z9hG4bKinvite1;rport=${caller.port};received=127.0.0.1`,
    );
    expect(header(ok, 'call-id')).toBe(leg.callId);
    expect(header(ok, 'contact')).toBe(`<sip:responder@127.0.0.1:${responder.port};transport=udp>`);
    expect(header(ok, 'content-type')).toBe('application/sdp');
    expect(Number(header(ok, 'content-length'))).toBe(Buffer.byteLength(ok.body));
    // RFC 3264: one answered stream, with a codec the offer listed (its first), no media port.
    expect(ok.body.split('\r\n')).toEqual([
      'v=0',
      expect.stringMatching(/^o=carrier-failover-responder \d+ \d+ IN IP4 127\.0\.0\.1$/),
      's=carrier-failover-responder',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 9 RTP/AVP 8',
      'a=rtpmap:8 PCMA/8000',
      'a=sendrecv',
      '',
    ]);
  });

  it('ignores the ACK of the 200 and answers the BYE of that dialog with 200', async () => {
    caller.send(request(leg, 'INVITE', 1, { body: OFFER }), responder.port);
    const toTag = toTagOf((await caller.responses(2))[1]);

    caller.send(request(leg, 'ACK', 1, { branch: 'z9hG4bKack1', toTag }), responder.port);
    caller.send(request(leg, 'BYE', 2, { branch: 'z9hG4bKbye1', toTag }), responder.port);

    const bye = (await caller.responses(3))[2];
    expect(summary(bye)).toBe('200 2 BYE');
    expect(toTagOf(bye)).toBe(toTag);
    expect(responder.requests.map((received) => received.message.method)).toEqual(['INVITE', 'ACK', 'BYE']);
  });

  it('refuses calls with the call mode while OPTIONS are still answered 200', async () => {
    responder.setCallMode(503, 'Out Of Sync');

    caller.send(request(leg, 'INVITE', 1, { body: OFFER }), responder.port);
    const [trying, refused] = await caller.responses(2);
    caller.send(request(leg, 'ACK', 1, { toTag: toTagOf(refused) }), responder.port);
    caller.send(
      request({ ...leg, callId: 'options@test' }, 'OPTIONS', 1, { branch: 'z9hG4bKopt1' }),
      responder.port,
    );

    expect(summary(trying)).toBe('100 1 INVITE');
    expect([refused.status, refused.reasonPhrase, header(refused, 'cseq')]).toEqual([
      503,
      'Out Of Sync',
      '1 INVITE',
    ]);
    expect(toTagOf(refused)).toMatch(/^[0-9a-f]+$/);
    expect(header(refused, 'contact')).toBeUndefined();
    // The ACK got no answer: the next response is the OPTIONS's, and it says the SBC is up.
    const options = (await caller.responses(3))[2];
    expect(summary(options)).toBe('200 1 OPTIONS');
    expect(responder.callMode).toBe(503);
  });

  it('keeps answering calls 200 when only the OPTIONS mode changes', async () => {
    await responder.setMode(503);

    caller.send(request(leg, 'INVITE', 1, { body: OFFER }), responder.port);
    const [, answer] = await caller.responses(2);
    caller.send(
      request({ ...leg, callId: 'options@test' }, 'OPTIONS', 1, { branch: 'z9hG4bKopt1' }),
      responder.port,
    );

    expect(summary(answer)).toBe('200 1 INVITE');
    expect(summary((await caller.responses(3))[2])).toBe('503 1 OPTIONS');
  });

  it('answers a CANCEL of a ringing call with 200 and ends the INVITE with 487', async () => {
    responder.setCallMode(180);
    caller.send(request(leg, 'INVITE', 1, { body: OFFER }), responder.port);
    const [, ringing] = await caller.responses(2);

    caller.send(request(leg, 'CANCEL', 1), responder.port);
    const [, , cancelled, terminated] = await caller.responses(4);

    expect(summary(ringing)).toBe('180 1 INVITE');
    expect(summary(cancelled)).toBe('200 1 CANCEL');
    expect([terminated.status, terminated.reasonPhrase, header(terminated, 'cseq')]).toEqual([
      487,
      'Request Terminated',
      '1 INVITE',
    ]);
    // The INVITE's dialog-forming answers share one To tag.
    expect(new Set([ringing, cancelled, terminated].map(toTagOf)).size).toBe(1);
  });

  it('answers a CANCEL after the final answer with 200 alone', async () => {
    caller.send(request(leg, 'INVITE', 1, { body: OFFER }), responder.port);
    await caller.responses(2);

    caller.send(request(leg, 'CANCEL', 1), responder.port);
    caller.send(
      request({ ...leg, callId: 'options@test' }, 'OPTIONS', 1, { branch: 'z9hG4bKopt1' }),
      responder.port,
    );

    const [, , cancelled, options] = await caller.responses(4);
    expect([summary(cancelled), summary(options)]).toEqual(['200 1 CANCEL', '200 1 OPTIONS']);
  });

  it('resends its latest answer to a retransmitted INVITE instead of starting a second call', async () => {
    caller.send(request(leg, 'INVITE', 1, { body: OFFER }), responder.port);
    const [, first] = await caller.responses(2);

    caller.send(request(leg, 'INVITE', 1, { body: OFFER }), responder.port);
    const again = (await caller.responses(3))[2];

    expect(summary(again)).toBe('200 1 INVITE');
    expect(toTagOf(again)).toBe(toTagOf(first));
  });

  it('answers 481 to a BYE or CANCEL of a call it does not know', async () => {
    caller.send(request(leg, 'BYE', 2, { branch: 'z9hG4bKbye1', toTag: 'unknown' }), responder.port);
    caller.send(request(leg, 'CANCEL', 1), responder.port);

    const answers = await caller.responses(2);

    expect(answers.map(summary)).toEqual(['481 2 BYE', '481 1 CANCEL']);
  });

  it('answers nothing to an INVITE in silent call mode, while OPTIONS still get their answer', async () => {
    responder.setCallMode('silent');

    caller.send(request(leg, 'INVITE', 1, { body: OFFER }), responder.port);
    caller.send(
      request({ ...leg, callId: 'options@test' }, 'OPTIONS', 1, { branch: 'z9hG4bKopt1' }),
      responder.port,
    );

    const [first] = await caller.responses(1);
    expect(summary(first)).toBe('200 1 OPTIONS');
    expect(responder.requests.map((received) => received.message.method)).toEqual(['INVITE', 'OPTIONS']);
  });

  it('answers calls on the same port again once its stopped ports are reopened', async () => {
    await responder.setMode('stopped');
    await responder.setMode(200);

    caller.send(request(leg, 'INVITE', 1, { body: OFFER }), responder.port);

    expect((await caller.responses(2)).map(summary)).toEqual(['100 1 INVITE', '200 1 INVITE']);
  });
});
