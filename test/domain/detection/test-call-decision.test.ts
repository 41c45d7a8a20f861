/**
 * Test calls in the quorum decision: the 2022-08-12 second act, where the SBC answers OPTIONS and the
 * portal its health URL while every call through the softswitch fails. A site failing its test calls
 * trips, stays down while they fail (also between two calls placed every few rounds) and is ready
 * for failback only once they pass.
 */

import { describeTrip, failureKindOfTrip } from '../../../lambdas/adapters/lambda/orchestrator-invoker';
import { testCallEndpointId } from '../../../lambdas/contracts/endpoint-ids';
import {
  type DecisionSettings,
  initialSiteHealthState,
} from '../../../lambdas/domain/detection/decide-site-health';
import { judgeRound } from '../../../lambdas/domain/detection/judge-round';
import { SiteHealthTracker } from '../../../lambdas/domain/detection/site-health-tracker';
import { judgeFailbackReadiness } from '../../../lambdas/domain/failback/failback-readiness';
import type { Observation, SiteHealthTransition } from '../../../lambdas/ports/detection';

const SITE = 'phx-primary';
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'] as const;
const T0 = Date.UTC(2022, 7, 12, 8, 45, 0);
const SIP = 'sip:udp:sbc1.phx.example.net:5060';
const HTTP = 'https://portal.phx.example.net/health';
const CALL = testCallEndpointId({
  transport: 'udp',
  host: 'sbc1.phx.example.net',
  port: 5060,
  to: '+16025550199',
});
const SETTINGS: DecisionSettings = {
  probeIntervalSeconds: 10,
  failuresToTrip: 3,
  quorum: 2,
  recoveryHoldMinutes: 1,
  probeTimeoutMs: 2000,
};
const DETECTION = { ...SETTINGS, controlTargets: [] };
const INTERVAL_MS = 10_000;

function obs(region: string, at: number, endpoint: string, ok: boolean, reason: string): Observation {
  return { siteId: SITE, region, at, endpoint, ok, reason };
}

/** A round where OPTIONS and HTTP answer; `call` says whether a call was placed and how it went. */
function round(region: string, at: number, call: 'ok' | 'fail' | 'none'): Observation[] {
  const healthy = [obs(region, at, SIP, true, 'SIP 200 OK'), obs(region, at, HTTP, true, 'HTTP 200')];
  if (call === 'none') return healthy;
  return [
    ...healthy,
    obs(region, at, CALL, call === 'ok', call === 'ok' ? 'SIP 200 OK' : 'SIP 503 Service Unavailable'),
  ];
}

/** Feeds rounds step by step in every region; `callAt(step)` says each step's call. */
function run(steps: number, callAt: (step: number) => 'ok' | 'fail' | 'none', tracker = newTracker()) {
  const found: SiteHealthTransition[] = [];
  for (let step = 0; step < steps; step++) {
    const at = T0 + step * INTERVAL_MS;
    for (const region of REGIONS) {
      for (const o of round(region, at, callAt(step))) found.push(...tracker.push(o));
    }
  }
  found.push(...tracker.advanceTo(T0 + steps * INTERVAL_MS));
  // The step of the round that decided each transition.
  const transitions = found.map((t) => ({ ...t, step: (t.at - T0) / INTERVAL_MS }));
  return { tracker, transitions };
}

function newTracker() {
  return new SiteHealthTracker(initialSiteHealthState(SITE), SETTINGS);
}

describe('judgeRound with test calls', () => {
  it('fails a round whose every test call failed while OPTIONS and HTTP answer', () => {
    const verdict = judgeRound(round('us-east-1', T0, 'fail'));
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toBe(`${CALL}: SIP 503 Service Unavailable`);
    expect(verdict.calls).toEqual({ ok: false, reason: `${CALL}: SIP 503 Service Unavailable` });
  });

  it('passes when one of two test calls answers (a carrier route to the other test number failed)', () => {
    const other = testCallEndpointId({
      transport: 'tcp',
      host: 'sbc2.phx.example.net',
      port: 5060,
      to: '9999',
    });
    const observations = [
      ...round('us-east-1', T0, 'ok'),
      obs('us-east-1', T0, other, false, 'timeout after 5000 ms'),
    ];
    const verdict = judgeRound(observations);
    expect(verdict.ok).toBe(true);
    expect(verdict.reason).toBe(`degraded: ${other}: timeout after 5000 ms`);
  });

  it('judges a round without calls by the carried verdict: failing, marked carried, endpoint first', () => {
    const verdict = judgeRound(round('us-east-1', T0 + INTERVAL_MS, 'none'), {
      at: T0,
      ok: false,
      reason: `${CALL}: SIP 503 Service Unavailable`,
    });
    expect(verdict).toEqual({
      ok: false,
      carried: true,
      reason: `${CALL}: SIP 503 Service Unavailable (test calls of ${new Date(T0).toISOString()})`,
    });
    expect(
      judgeRound(round('us-east-1', T0, 'none'), { at: T0, ok: true, reason: 'test calls answered' }).ok,
    ).toBe(true);
  });
});

describe('the decision with test calls', () => {
  it('trips on calls failing every round, with failure kind calls-failing', () => {
    const { transitions } = run(6, (step) => (step >= 1 ? 'fail' : 'ok'));
    const trip = transitions.find((t) => t.kind === 'tripped');
    expect(trip).toMatchObject({ kind: 'tripped', step: 3, outageStartedAt: T0 + INTERVAL_MS });
    if (trip?.kind !== 'tripped') throw new Error('no trip');
    expect(failureKindOfTrip(trip)).toBe('calls-failing');
    expect(describeTrip(trip)).toBe(`test call SIP 503 Service Unavailable from ${trip.regions.join(', ')}`);
  });

  it('does not count one failed call as failuresToTrip failures when calls are placed every third round', () => {
    // One failed call at step 3, none placed at 4 and 5, then a good call at 6.
    const { transitions, tracker } = run(9, (step) => (step % 3 !== 0 ? 'none' : step === 3 ? 'fail' : 'ok'));
    expect(transitions).toEqual([]);
    expect(tracker.state.status).toBe('up');
  });

  it('trips on sparse calls once failuresToTrip calls in a row failed', () => {
    const { transitions } = run(10, (step) => (step % 3 !== 0 ? 'none' : step >= 3 ? 'fail' : 'ok'));
    // Failed calls at steps 3, 6 and 9: the third completes the run.
    expect(transitions.map((t) => [t.kind, t.step])).toEqual([['tripped', 9]]);
  });

  it('keeps a down site down while its calls fail, also in the rounds between calls, and recovers after the hold once they pass', () => {
    // Down at step 2 (calls every round failing from step 0), then calls every third round: failing until step 30,
    // answering from step 33. The hold is 1 minute (6 rounds).
    const calls = (step: number) => (step < 6 ? 'fail' : step % 3 !== 0 ? 'none' : step < 33 ? 'fail' : 'ok');
    const { transitions, tracker } = run(45, calls);
    expect(transitions.map((t) => [t.kind, t.step])).toEqual([
      ['tripped', 2],
      // The first good call at step 33 starts the hold; six rounds later it completes.
      ['recovered', 39],
    ]);
    expect(tracker.state.status).toBe('up');
  });

  it('makes failback wait while the latest test calls of a fresh region failed', () => {
    const { tracker } = run(45, (step) =>
      step < 6 ? 'fail' : step % 3 !== 0 ? 'none' : step < 33 ? 'fail' : 'ok',
    );
    const now = T0 + 45 * INTERVAL_MS;
    expect(judgeFailbackReadiness(tracker.state, DETECTION, now)).toEqual({ ready: true });
    // One more round in which one region's call fails: not ready, whatever the quorum says.
    for (const o of round('us-west-2', T0 + 45 * INTERVAL_MS, 'fail')) tracker.push(o);
    tracker.advanceTo(now + INTERVAL_MS);
    const readiness = judgeFailbackReadiness(tracker.state, DETECTION, now + INTERVAL_MS);
    expect(readiness).toEqual({
      ready: false,
      reason: `test calls through the site are failing (us-west-2: ${CALL}: SIP 503 Service Unavailable)`,
    });
  });
});
