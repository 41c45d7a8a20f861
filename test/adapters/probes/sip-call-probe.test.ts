import {
  type CallProbeResult,
  probeSipCall,
  type SipCallOptions,
} from '../../../lambdas/adapters/probes/sip-call-probe';
import type { TestCall } from '../../../lambdas/contracts/config/schema';
import {
  CALL_TEST_CREDENTIALS,
  type KamailioCallScenario,
  type LoggedRequest,
  type RunningCallKamailio,
  startCallKamailio,
} from '../../support/kamailio-calls';

/** Short timers so a case that waits out its deadline still takes about a second. */
const FAST: SipCallOptions = { retransmit: { t1Ms: 100, t2Ms: 400 }, teardownMs: 1000 };

let callers = 0;

/** A test call from a From user of its own, so Kamailio's log can be read per call. */
function testCall(
  port: number,
  transport: TestCall['transport'],
  to: string,
  overrides: Partial<TestCall> = {},
): TestCall {
  callers += 1;
  return {
    host: '127.0.0.1',
    port,
    transport,
    to,
    from: `caller-${callers}`,
    expect: [200],
    answerWithinMs: 800,
    ...overrides,
  };
}

/** `METHOD cseq` of each transaction Kamailio saw, in order, UDP retransmissions collapsed. */
function transactionsOf(requests: readonly LoggedRequest[]): string[] {
  return [...new Set(requests.map((request) => `${request.method} ${request.cseq}`))];
}

/** Waits until Kamailio logged at least the expected transactions of the caller, then returns what it logged. */
async function loggedTransactions(
  kamailio: RunningCallKamailio,
  from: string,
  expected: string[],
): Promise<string[]> {
  const requests = await kamailio.waitForRequests(
    from,
    (logged) => transactionsOf(logged).length >= expected.length,
  );
  return transactionsOf(requests);
}

/** The last INVITE was ended: CANCELled, its final answer ACKed, or the answered call BYEd. */
function expectEnded(transactions: readonly string[]): void {
  const lastInvite = transactions.filter((entry) => entry.startsWith('INVITE ')).at(-1);
  expect(lastInvite).toBeDefined();
  const after = transactions.slice(transactions.indexOf(lastInvite as string) + 1);
  expect(after.some((entry) => /^(CANCEL|ACK|BYE) /.test(entry))).toBe(true);
}

function expectNoCredentials(result: CallProbeResult): void {
  const text = JSON.stringify(result);
  expect(text).not.toContain(CALL_TEST_CREDENTIALS.username);
  expect(text).not.toContain(CALL_TEST_CREDENTIALS.password);
}

describe('probeSipCall against a real Kamailio', () => {
  let kamailio: RunningCallKamailio;
  let sha256: RunningCallKamailio;

  beforeAll(async () => {
    [kamailio, sha256] = await Promise.all([
      startCallKamailio(),
      startCallKamailio({ digestAlgorithm: 'SHA-256' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([kamailio?.stop(), sha256?.stop()]);
  });

  const place = (
    transport: TestCall['transport'],
    to: KamailioCallScenario,
    overrides: Partial<TestCall> = {},
    options: SipCallOptions = {},
  ) => {
    const call = testCall(kamailio.port, transport, to, overrides);
    return { call, result: probeSipCall(call, { ...FAST, ...options }) };
  };

  describe.each(['udp', 'tcp'] as const)('over %s', (transport) => {
    it('counts an answered call (200) as healthy and ends it with ACK and BYE', async () => {
      const { call, result } = place(transport, 'answer');

      expect(await result).toMatchObject({ ok: true, status: 200, reason: 'SIP 200 OK', teardown: 'bye' });
      expect((await result).setupMs).toEqual(expect.any(Number));
      expect(await loggedTransactions(kamailio, call.from, ['INVITE 1', 'ACK 1', 'BYE 2'])).toEqual([
        'INVITE 1',
        'ACK 1',
        'BYE 2',
      ]);
    });

    it('counts 486 as healthy when expected, and ACKs it', async () => {
      const { call, result } = place(transport, 'busy', { expect: [486] });

      expect(await result).toMatchObject({
        ok: true,
        status: 486,
        reason: 'SIP 486 Busy Here',
        teardown: 'ack',
      });
      expect(await loggedTransactions(kamailio, call.from, ['INVITE 1', 'ACK 1'])).toEqual([
        'INVITE 1',
        'ACK 1',
      ]);
    });

    it('fails on 486 when 200 is expected, and ACKs it', async () => {
      const { call, result } = place(transport, 'busy');

      expect(await result).toMatchObject({
        ok: false,
        status: 486,
        reason: 'SIP 486 Busy Here',
        teardown: 'ack',
      });
      expect(await loggedTransactions(kamailio, call.from, ['INVITE 1', 'ACK 1'])).toEqual([
        'INVITE 1',
        'ACK 1',
      ]);
    });

    it('fails on 503, and ACKs it', async () => {
      const { call, result } = place(transport, 'unavailable');

      expect(await result).toMatchObject({
        ok: false,
        status: 503,
        reason: 'SIP 503 Service Unavailable',
        teardown: 'ack',
      });
      expect(await loggedTransactions(kamailio, call.from, ['INVITE 1', 'ACK 1'])).toEqual([
        'INVITE 1',
        'ACK 1',
      ]);
    });

    it('counts an expected 180 as healthy at once, CANCELs the call and ACKs the 487', async () => {
      const { call, result } = place(transport, 'ring', { expect: [180, 183] });

      expect(await result).toMatchObject({
        ok: true,
        status: 180,
        reason: 'SIP 180 Ringing',
        teardown: 'cancel',
      });
      // The ACK 1 after the CANCEL is the ACK of the INVITE's 487 Request Terminated.
      expect(await loggedTransactions(kamailio, call.from, ['INVITE 1', 'CANCEL 1', 'ACK 1'])).toEqual([
        'INVITE 1',
        'CANCEL 1',
        'ACK 1',
      ]);
    });

    it('fails a call that only rings when 200 is expected, and CANCELs it at the deadline', async () => {
      const { call, result } = place(transport, 'ring');

      expect(await result).toMatchObject({
        ok: false,
        status: 180,
        reason: 'SIP 180 Ringing, no expected answer (200) within 800 ms',
        teardown: 'cancel',
      });
      expect(await loggedTransactions(kamailio, call.from, ['INVITE 1', 'CANCEL 1', 'ACK 1'])).toEqual([
        'INVITE 1',
        'CANCEL 1',
        'ACK 1',
      ]);
    });

    it('answers a 401 challenge with the right credentials and ends the answered call', async () => {
      const { call, result } = place(transport, 'auth', {}, { credentials: CALL_TEST_CREDENTIALS });

      const outcome = await result;

      expect(outcome).toMatchObject({ ok: true, status: 200, reason: 'SIP 200 OK', teardown: 'bye' });
      expectNoCredentials(outcome);
      expect(
        await loggedTransactions(kamailio, call.from, ['INVITE 1', 'ACK 1', 'INVITE 2', 'ACK 2', 'BYE 3']),
      ).toEqual(['INVITE 1', 'ACK 1', 'INVITE 2', 'ACK 2', 'BYE 3']);
      // qop=auth was offered, so the answer carries cnonce and nc; the 2xx's ACK repeats it (§13.2.2.4).
      const [invite, ack] = kamailio.authorizationsFrom(call.from);
      expect(invite).toMatch(
        /^Digest username="probe-user", realm="kamailio\.test", .*algorithm=MD5, cnonce="[0-9a-f]+", qop=auth, nc=00000001/,
      );
      expect(ack).toBe(invite);
    });

    it('answers a 407 challenge without qop with the right credentials', async () => {
      const { call, result } = place(transport, 'proxy-auth', {}, { credentials: CALL_TEST_CREDENTIALS });

      expect(await result).toMatchObject({ ok: true, status: 200, teardown: 'bye' });
      expect(
        await loggedTransactions(kamailio, call.from, ['INVITE 1', 'ACK 1', 'INVITE 2', 'ACK 2', 'BYE 3']),
      ).toEqual(['INVITE 1', 'ACK 1', 'INVITE 2', 'ACK 2', 'BYE 3']);
      expect(kamailio.authorizationsFrom(call.from)[0]).not.toMatch(/qop|cnonce/);
    });

    it('answers a SHA-256 challenge', async () => {
      const call = testCall(sha256.port, transport, 'auth');

      const outcome = await probeSipCall(call, { ...FAST, credentials: CALL_TEST_CREDENTIALS });

      expect(outcome).toMatchObject({ ok: true, status: 200, teardown: 'bye' });
      expect(
        await loggedTransactions(sha256, call.from, ['INVITE 1', 'ACK 1', 'INVITE 2', 'ACK 2', 'BYE 3']),
      ).toEqual(['INVITE 1', 'ACK 1', 'INVITE 2', 'ACK 2', 'BYE 3']);
      expect(sha256.authorizationsFrom(call.from)[0]).toMatch(/response="[0-9a-f]{64}", algorithm=SHA-256/);
    });

    it('fails with "digest authentication rejected" when the password is wrong, after one retry', async () => {
      const { call, result } = place(
        transport,
        'auth',
        {},
        { credentials: { username: CALL_TEST_CREDENTIALS.username, password: 'wrong-password' } },
      );

      const outcome = await result;

      expect(outcome).toMatchObject({
        ok: false,
        status: 401,
        reason: 'digest authentication rejected (SIP 401 Unauthorized)',
        teardown: 'ack',
      });
      expect(JSON.stringify(outcome)).not.toMatch(/probe-user|wrong-password/);
      expect(
        await loggedTransactions(kamailio, call.from, ['INVITE 1', 'ACK 1', 'INVITE 2', 'ACK 2']),
      ).toEqual(['INVITE 1', 'ACK 1', 'INVITE 2', 'ACK 2']);
    });

    it('fails a challenged call without credentials, naming secretName', async () => {
      const { call, result } = place(transport, 'auth');

      expect(await result).toMatchObject({
        ok: false,
        status: 401,
        reason:
          'SIP 401 Unauthorized: the site asks for digest credentials and none are configured (secretName)',
        teardown: 'ack',
      });
      expect(await loggedTransactions(kamailio, call.from, ['INVITE 1', 'ACK 1'])).toEqual([
        'INVITE 1',
        'ACK 1',
      ]);
    });

    it('times out on a silent site and still sends a CANCEL', async () => {
      const { call, result } = place(transport, 'silent');

      const outcome = await result;

      expect(outcome).toMatchObject({ ok: false, reason: 'timeout after 800 ms', teardown: 'cancel' });
      expect(outcome.status).toBeUndefined();
      expect(outcome.setupMs).toBeUndefined();
      const transactions = await loggedTransactions(kamailio, call.from, ['INVITE 1', 'CANCEL 1']);
      expect(transactions).toEqual(['INVITE 1', 'CANCEL 1']);
      expectEnded(transactions);
    });

    it('ACKs and BYEs a call answered only as the CANCEL arrives', async () => {
      const { call, result } = place(transport, 'late');

      expect(await result).toMatchObject({ ok: false, reason: 'timeout after 800 ms', teardown: 'bye' });
      const transactions = await loggedTransactions(kamailio, call.from, [
        'INVITE 1',
        'CANCEL 1',
        'ACK 1',
        'BYE 2',
      ]);
      expect(transactions).toEqual(['INVITE 1', 'CANCEL 1', 'ACK 1', 'BYE 2']);
    });

    it('reports a stopped Kamailio as refused, with nothing to tear down', async () => {
      const stopped = await startCallKamailio();
      await stopped.stop();

      const outcome = await probeSipCall(testCall(stopped.port, transport, 'answer'), FAST);

      expect(outcome).toMatchObject({ ok: false, reason: 'connection refused', teardown: 'none' });
    });
  });
});
