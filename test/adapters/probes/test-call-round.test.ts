/**
 * Which test calls a round places (every region the same rounds) and what a call that cannot be
 * placed records: a failed observation that says why, never a credential.
 */
import { StaticCallCredentials } from '../../../lambdas/adapters/probes/call-credentials';
import { placeTestCalls } from '../../../lambdas/adapters/probes/test-call-round';
import { isCallDue } from '../../../lambdas/contracts/config/round-duration';
import type { TestCall } from '../../../lambdas/contracts/config/schema';

const CALL: TestCall = {
  host: '127.0.0.1',
  port: 9,
  transport: 'udp',
  to: '9999',
  from: 'carrier-failover',
  expect: [200],
  answerWithinMs: 500,
};
const T0 = Date.UTC(2026, 11, 2, 14, 0, 0);

describe('isCallDue', () => {
  it('places a call every round by default, and every third round at an interval of 30 s', () => {
    const rounds = [0, 1, 2, 3, 4, 5, 6].map((step) => T0 + step * 10_000 + 37);
    expect(rounds.map((at) => isCallDue(CALL, at, 10))).toEqual(Array(7).fill(true));
    expect(rounds.map((at) => isCallDue({ intervalSeconds: 30 }, at, 10))).toEqual([
      true,
      false,
      false,
      true,
      false,
      false,
      true,
    ]);
  });
});

describe('placeTestCalls', () => {
  const round = { region: 'us-east-1', at: T0 };

  it('places no call that is not due', async () => {
    const observations = await placeTestCalls(
      'phx',
      [{ ...CALL, intervalSeconds: 30 }],
      { ...round, at: T0 + 10_000 },
      {
        probeIntervalSeconds: 10,
      },
    );
    expect(observations).toEqual([]);
  });

  it('records a call whose secret cannot be read as failed, saying why, without placing it', async () => {
    const observations = await placeTestCalls(
      'phx',
      [{ ...CALL, secretName: 'acme/test-calls/phx' }],
      round,
      {
        probeIntervalSeconds: 10,
        credentials: new StaticCallCredentials({}),
      },
    );
    expect(observations).toEqual([
      {
        siteId: 'phx',
        region: 'us-east-1',
        at: T0,
        endpoint: 'call:udp:127.0.0.1:9:9999',
        ok: false,
        reason: 'test call not placed: secret "acme/test-calls/phx" is not known here',
      },
    ]);
  });

  it('records a call with a secret but no credential source as failed', async () => {
    const [observation] = await placeTestCalls('phx', [{ ...CALL, secretName: 's' }], round, {
      probeIntervalSeconds: 10,
    });
    expect(observation.reason).toBe('test call not placed: no credential source in this run');
  });
});
