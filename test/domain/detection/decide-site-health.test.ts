import fc from 'fast-check';
import { controlEndpointId } from '../../../lambdas/contracts/endpoint-ids';
import { ValidationError } from '../../../lambdas/contracts/errors';
import {
  type DecisionSettings,
  initialSiteHealthState,
  outageKey,
  settleWindowMs,
} from '../../../lambdas/domain/detection/decide-site-health';
import { judgeRound } from '../../../lambdas/domain/detection/judge-round';
import { evaluateSiteHealth, SiteHealthTracker } from '../../../lambdas/domain/detection/site-health-tracker';
import type { Observation, SiteHealthState, SiteHealthTransition } from '../../../lambdas/ports/detection';

const SITE = 'pbx-east';
const REGIONS = ['eu-west-1', 'us-east-1', 'us-west-2'] as const;
/** The morning of incident 2022-08-12, 04:45 EST. */
const T0 = Date.UTC(2022, 7, 12, 8, 45, 0);
const SIP = 'sip:udp:sbc1.pbx-east.example.net:5060';
const SIP_2 = 'sip:udp:sbc2.pbx-east.example.net:5060';
const HTTP = 'https://portal.pbx-east.example.net/health';

const SETTINGS: DecisionSettings = {
  probeIntervalSeconds: 10,
  failuresToTrip: 3,
  quorum: 2,
  recoveryHoldMinutes: 1,
  probeTimeoutMs: 2000,
};
const INTERVAL_MS = SETTINGS.probeIntervalSeconds * 1000;

function observation(
  region: string,
  at: number,
  endpoint: string,
  ok: boolean,
  reason?: string,
): Observation {
  return {
    siteId: SITE,
    region,
    at,
    endpoint,
    ok,
    reason: reason ?? (ok ? 'SIP 200 OK' : 'SIP 503 Service Unavailable'),
  };
}

/** One probe round of the site (one SIP endpoint, one healthy health URL) from one region. */
function round(region: string, at: number, ok: boolean): Observation[] {
  return [observation(region, at, SIP, ok), observation(region, at, HTTP, true, 'HTTP 200')];
}

type Cell = 'ok' | 'fail' | 'missing';

/** A schedule is one row per probe interval, one cell per region (in REGIONS order). */
function scheduleToObservations(schedule: readonly (readonly Cell[])[], jitterMs = 0): Observation[] {
  return schedule.flatMap((row, step) =>
    row.flatMap((cell, index) =>
      cell === 'missing'
        ? []
        : round(REGIONS[index], T0 + step * INTERVAL_MS + index * jitterMs, cell === 'ok'),
    ),
  );
}

function byRegion(observations: readonly Observation[]): Record<string, Observation[]> {
  const grouped: Record<string, Observation[]> = {};
  for (const o of observations) {
    const list = grouped[o.region] ?? [];
    list.push(o);
    grouped[o.region] = list;
  }
  return grouped;
}

/** Evaluates everything at once, as if the evaluating region came late enough to see it all. */
function evaluateAll(
  observations: readonly Observation[],
  settings: DecisionSettings = SETTINGS,
  state: SiteHealthState = initialSiteHealthState(SITE),
) {
  const last = Math.max(T0, ...observations.map((o) => o.at));
  return evaluateSiteHealth(state, byRegion(observations), settings, last + settleWindowMs(settings) + 1);
}

function trips(transitions: readonly SiteHealthTransition[]) {
  return transitions.filter((t) => t.kind === 'tripped');
}

describe('judgeRound', () => {
  it('passes a round where one of two SBCs fails, because the carrier routes around it', () => {
    const verdict = judgeRound([
      observation('us-east-1', T0, SIP, false),
      observation('us-east-1', T0, SIP_2, true),
      observation('us-east-1', T0, HTTP, true),
    ]);

    expect(verdict).toEqual({ ok: true, reason: `degraded: ${SIP}: SIP 503 Service Unavailable` });
  });

  it('fails a round where every SBC fails', () => {
    const verdict = judgeRound([
      observation('us-east-1', T0, SIP, false, 'timeout after 2000 ms'),
      observation('us-east-1', T0, SIP_2, false, 'connection refused'),
      observation('us-east-1', T0, HTTP, true),
    ]);

    expect(verdict).toEqual({
      ok: false,
      reason: `${SIP}: timeout after 2000 ms; ${SIP_2}: connection refused`,
    });
  });

  it('fails a round where every health URL fails even though the SBCs answer (out of sync)', () => {
    const verdict = judgeRound([
      observation('us-east-1', T0, SIP, true),
      observation('us-east-1', T0, HTTP, false, 'HTTP 500'),
    ]);

    expect(verdict).toEqual({ ok: false, reason: `${HTTP}: HTTP 500` });
  });

  it('passes a site with only health URLs while one of them answers', () => {
    const other = 'https://api.pbx-east.example.net/health';
    const verdict = judgeRound([
      observation('us-east-1', T0, HTTP, false, 'HTTP 500'),
      observation('us-east-1', T0, other, true, 'HTTP 200'),
    ]);

    expect(verdict.ok).toBe(true);
  });
});

describe('control targets', () => {
  const CONTROL = controlEndpointId('https://www.gstatic.com/generate_204');
  const CONTROL_2 = controlEndpointId('https://cloudflare.com/cdn-cgi/trace');

  /** A round whose site probes pass or fail, with the region's control verdict. */
  function controlledRound(region: string, at: number, site: boolean, control: boolean): Observation[] {
    return [
      ...round(region, at, site).map((o) =>
        site ? o : { ...o, ok: false, reason: 'timeout after 2000 ms' },
      ),
      observation(region, at, CONTROL, control, control ? 'HTTP 204' : 'timeout after 2000 ms'),
    ];
  }

  type ControlledCell = 'ok' | 'fail' | 'abstain';
  function controlledSchedule(schedule: readonly (readonly ControlledCell[])[]): Observation[] {
    return schedule.flatMap((row, step) =>
      row.flatMap((cell, index) =>
        controlledRound(REGIONS[index], T0 + step * INTERVAL_MS, cell === 'ok', cell !== 'abstain'),
      ),
    );
  }

  it('makes a failed round whose every control target failed too an abstention', () => {
    const verdict = judgeRound([
      observation('us-east-1', T0, SIP, false, 'timeout after 2000 ms'),
      observation('us-east-1', T0, CONTROL, false, 'timeout after 2000 ms'),
      observation('us-east-1', T0, CONTROL_2, false, 'unreachable: ENETUNREACH'),
    ]);

    expect(verdict).toEqual({
      ok: false,
      abstain: true,
      reason: `abstains, every control target failed too: ${SIP}: timeout after 2000 ms`,
    });
  });

  it('keeps a failed round a failure while one control target answers', () => {
    const verdict = judgeRound([
      observation('us-east-1', T0, SIP, false, 'timeout after 2000 ms'),
      observation('us-east-1', T0, CONTROL, false, 'timeout after 2000 ms'),
      observation('us-east-1', T0, CONTROL_2, true, 'HTTP 200'),
    ]);

    expect(verdict).toEqual({ ok: false, reason: `${SIP}: timeout after 2000 ms` });
  });

  it('keeps a passing round a pass whatever the control targets say', () => {
    const verdict = judgeRound([
      observation('us-east-1', T0, SIP, true),
      observation('us-east-1', T0, CONTROL, false, 'timeout after 2000 ms'),
    ]);

    expect(verdict).toEqual({ ok: true, reason: 'all endpoints healthy' });
  });

  it('does not trip when two regions lose their own networks for an hour at once', () => {
    const hour = Array.from({ length: 360 }, (): ControlledCell[] => ['abstain', 'abstain', 'ok']);

    const { transitions, state } = evaluateAll(controlledSchedule(hour));

    expect(transitions).toEqual([]);
    expect(state.regions['eu-west-1']).toMatchObject({ abstaining: true, consecutiveFailures: 0 });
  });

  it('trips on the same failures when the control targets answered (the site, not the regions, failed)', () => {
    const failing = Array.from({ length: 6 }, (): ControlledCell[] => ['fail', 'fail', 'ok']);

    const { transitions } = evaluateAll(controlledSchedule(failing));

    expect(trips(transitions).map((t) => [t.at - T0, t.regions])).toEqual([
      [2 * INTERVAL_MS, ['eu-west-1', 'us-east-1']],
    ]);
  });

  it('still trips on a real outage while one region abstains, with the other two', () => {
    const outage = Array.from({ length: 6 }, (): ControlledCell[] => ['abstain', 'fail', 'fail']);

    const { transitions } = evaluateAll(controlledSchedule(outage));

    expect(trips(transitions).map((t) => [t.at - T0, t.regions])).toEqual([
      [2 * INTERVAL_MS, ['us-east-1', 'us-west-2']],
    ]);
  });

  it('ends a failure run at an abstention: the failures on either side are not one run', () => {
    const schedule: ControlledCell[][] = [
      ['fail', 'fail', 'ok'],
      ['fail', 'fail', 'ok'],
      ['abstain', 'fail', 'ok'],
      ['fail', 'fail', 'ok'],
      ['fail', 'fail', 'ok'],
      ['fail', 'fail', 'ok'],
    ];

    const { transitions } = evaluateAll(controlledSchedule(schedule));

    // eu-west-1 needs three failures after its abstention: rounds 3, 4 and 5.
    expect(trips(transitions).map((t) => [t.at - T0, t.outageStartedAt - T0])).toEqual([
      [5 * INTERVAL_MS, 0],
    ]);
  });

  it('does not count an abstaining region toward the healthy quorum of a recovery', () => {
    const down: ControlledCell[][] = Array.from({ length: 3 }, () => ['fail', 'fail', 'fail']);
    const afterwards: ControlledCell[][] = Array.from({ length: 12 }, () => ['ok', 'abstain', 'abstain']);
    const { transitions } = evaluateAll(controlledSchedule([...down, ...afterwards]));

    expect(transitions.map((t) => t.kind)).toEqual(['tripped']);
  });
});

describe('evaluateSiteHealth', () => {
  it('trips when two of three regions see three failed rounds in a row', () => {
    const observations = scheduleToObservations([
      ['ok', 'ok', 'ok'],
      ['ok', 'fail', 'ok'],
      ['fail', 'fail', 'ok'],
      ['fail', 'fail', 'ok'],
      ['fail', 'fail', 'ok'],
    ]);

    const { state, transitions } = evaluateAll(observations);

    const outageStartedAt = T0 + 1 * INTERVAL_MS;
    expect(transitions).toEqual([
      {
        kind: 'tripped',
        siteId: SITE,
        at: T0 + 4 * INTERVAL_MS,
        outageStartedAt,
        idempotencyKey: outageKey(SITE, outageStartedAt),
        regions: ['eu-west-1', 'us-east-1'],
        reasons: {
          'eu-west-1': `${SIP}: SIP 503 Service Unavailable`,
          'us-east-1': `${SIP}: SIP 503 Service Unavailable`,
        },
      },
    ]);
    expect(outageKey(SITE, outageStartedAt)).toBe('pbx-east@2022-08-12T08:45:10.000Z');
    expect(state.status).toBe('down');
  });

  it('never trips on one region alone, however long it fails', () => {
    const schedule: Cell[][] = Array.from({ length: 60 }, () => ['ok', 'fail', 'ok']);

    const { transitions, state } = evaluateAll(scheduleToObservations(schedule));

    expect(transitions).toEqual([]);
    expect(state.regions['us-east-1'].consecutiveFailures).toBe(60);
  });

  it('does not count a failing region whose probes stopped reporting (stale)', () => {
    // eu-west-1 fails three rounds and falls silent; us-east-1 starts failing 40 s after its last round.
    const schedule: Cell[][] = [
      ['fail', 'ok', 'ok'],
      ['fail', 'ok', 'ok'],
      ['fail', 'ok', 'ok'],
      ['missing', 'ok', 'ok'],
      ['missing', 'ok', 'ok'],
      ['missing', 'ok', 'ok'],
      ['missing', 'fail', 'ok'],
      ['missing', 'fail', 'ok'],
      ['missing', 'fail', 'ok'],
      ['missing', 'fail', 'ok'],
    ];

    expect(evaluateAll(scheduleToObservations(schedule)).transitions).toEqual([]);
  });

  it('does not glue failures before a probe gap to failures after it', () => {
    const schedule: Cell[][] = [
      ['fail', 'fail', 'ok'],
      ['fail', 'fail', 'ok'],
      ['missing', 'missing', 'ok'],
      ['missing', 'missing', 'ok'],
      ['missing', 'missing', 'ok'],
      ['missing', 'missing', 'ok'],
      ['fail', 'fail', 'ok'],
    ];

    const { transitions, state } = evaluateAll(scheduleToObservations(schedule));

    expect(transitions).toEqual([]);
    expect(state.regions['eu-west-1'].consecutiveFailures).toBe(1);
  });

  it('recovers only after a full recovery hold of healthy quorum, restarting the hold on a relapse', () => {
    const down: Cell[][] = Array.from({ length: 3 }, () => ['fail', 'fail', 'fail']);
    const healthy = (n: number): Cell[][] => Array.from({ length: n }, () => ['ok', 'ok', 'ok']);
    // 1 minute hold = 6 intervals. A relapse of two regions after 4 healthy rounds restarts it.
    const schedule = [...down, ...healthy(4), ['fail', 'fail', 'ok'] as Cell[], ...healthy(8)];

    const { transitions } = evaluateAll(scheduleToObservations(schedule));

    const healthyAgainAt = T0 + 8 * INTERVAL_MS;
    expect(transitions.map((t) => [t.kind, t.at])).toEqual([
      ['tripped', T0 + 2 * INTERVAL_MS],
      ['recovered', healthyAgainAt + 60_000],
    ]);
    expect(transitions[1]).toMatchObject({ outageStartedAt: T0, idempotencyKey: outageKey(SITE, T0) });
  });

  it('keeps the hold running when only one region of three blips', () => {
    const schedule: Cell[][] = [
      ...Array.from({ length: 3 }, (): Cell[] => ['fail', 'fail', 'fail']),
      ['ok', 'ok', 'ok'],
      ['ok', 'ok', 'ok'],
      ['ok', 'fail', 'ok'],
      ...Array.from({ length: 5 }, (): Cell[] => ['ok', 'ok', 'ok']),
    ];

    const { transitions } = evaluateAll(scheduleToObservations(schedule));

    expect(transitions.map((t) => [t.kind, t.at])).toEqual([
      ['tripped', T0 + 2 * INTERVAL_MS],
      ['recovered', T0 + 9 * INTERVAL_MS],
    ]);
  });

  it('leaves rounds younger than the settle time for a later evaluation', () => {
    const observations = scheduleToObservations(
      Array.from({ length: 3 }, (): Cell[] => ['fail', 'fail', 'ok']),
    );
    const lastRoundAt = T0 + 2 * INTERVAL_MS;

    const early = evaluateSiteHealth(
      initialSiteHealthState(SITE),
      byRegion(observations),
      SETTINGS,
      lastRoundAt + 1000,
    );
    const late = evaluateSiteHealth(early.state, byRegion(observations), SETTINGS, lastRoundAt + 6000);

    expect(early.transitions).toEqual([]);
    expect(early.state.processedUpTo).toBe(lastRoundAt + 1000 - settleWindowMs(SETTINGS));
    expect(trips(late.transitions)).toHaveLength(1);
    expect(late.state.regions['eu-west-1'].consecutiveFailures).toBe(3);
  });

  it('ignores observations it has already absorbed when a read overlaps the last one', () => {
    const observations = scheduleToObservations(
      Array.from({ length: 4 }, (): Cell[] => ['fail', 'ok', 'ok']),
    );
    const first = evaluateAll(observations);

    const again = evaluateSiteHealth(first.state, byRegion(observations), SETTINGS, T0 + 3_600_000);

    expect(again.state.regions['eu-west-1'].consecutiveFailures).toBe(4);
  });
});

describe('SiteHealthTracker', () => {
  it('rejects an observation of another site', () => {
    const tracker = new SiteHealthTracker(initialSiteHealthState(SITE), SETTINGS);

    expect(() => tracker.push({ ...observation('us-east-1', T0, SIP, true), siteId: 'other' })).toThrow(
      ValidationError,
    );
  });

  it('rejects observations that go back in time', () => {
    const tracker = new SiteHealthTracker(initialSiteHealthState(SITE), SETTINGS);
    tracker.push(observation('us-east-1', T0 + 1000, SIP, true));

    expect(() => tracker.push(observation('us-east-1', T0, SIP, true))).toThrow(/time order/);
  });

  it('replays a day of observations in well under a second', () => {
    const tracker = new SiteHealthTracker(initialSiteHealthState(SITE), SETTINGS);
    const rounds = 24 * 360;
    const started = performance.now();

    let trips = 0;
    for (let step = 0; step < rounds; step++) {
      const failing = step % 1000 < 20;
      for (const region of REGIONS) {
        for (const o of round(region, T0 + step * INTERVAL_MS, !failing)) {
          trips += tracker.push(o).filter((t) => t.kind === 'tripped').length;
        }
      }
    }

    expect(trips).toBe(9);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('decision properties', () => {
  const cell = fc.constantFrom<Cell>('ok', 'fail', 'missing');
  const settingsArb = fc.record({
    probeIntervalSeconds: fc.constant(10),
    failuresToTrip: fc.integer({ min: 1, max: 4 }),
    quorum: fc.integer({ min: 1, max: 3 }),
    recoveryHoldMinutes: fc.integer({ min: 0, max: 3 }),
    probeTimeoutMs: fc.constant(2000),
  });
  const row = (arb: fc.Arbitrary<Cell>) => fc.tuple(arb, arb, arb);

  it('never trips while fewer than quorum regions fail', () => {
    fc.assert(
      fc.property(
        settingsArb,
        fc.array(row(cell), { minLength: 1, maxLength: 120 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
        (settings, schedule, failingIndexes) => {
          const failing = new Set(failingIndexes.slice(0, settings.quorum - 1));
          // Regions outside the failing set pass every round they report.
          const constrained = schedule.map((r) =>
            r.map((c, i) => (c === 'fail' && !failing.has(i) ? 'ok' : c)),
          );

          expect(trips(evaluateAll(scheduleToObservations(constrained), settings).transitions)).toEqual([]);
        },
      ),
    );
  });

  it('is down within failuresToTrip intervals once a quorum of regions fails', () => {
    fc.assert(
      fc.property(
        settingsArb,
        fc.array(row(fc.constantFrom<Cell>('ok', 'fail')), { maxLength: 60 }),
        fc.shuffledSubarray([0, 1, 2], { minLength: 1 }),
        fc.integer({ min: 0, max: 3000 }),
        (settings, history, failingIndexes, jitterMs) => {
          fc.pre(failingIndexes.length >= settings.quorum);
          const outage: Cell[][] = Array.from({ length: settings.failuresToTrip }, () =>
            [0, 1, 2].map((i) => (failingIndexes.includes(i) ? 'fail' : 'ok')),
          );

          const { state } = evaluateAll(scheduleToObservations([...history, ...outage], jitterMs), settings);

          expect(state.status).toBe('down');
        },
      ),
    );
  });

  it('trips at most once per recovery hold, however the site flaps', () => {
    fc.assert(
      fc.property(
        settingsArb.map((s) => ({ ...s, recoveryHoldMinutes: Math.max(1, s.recoveryHoldMinutes) })),
        fc.array(row(cell), { minLength: 1, maxLength: 200 }),
        (settings, schedule) => {
          const { transitions } = evaluateAll(scheduleToObservations(schedule), settings);

          const tripTimes = trips(transitions).map((t) => t.at);
          for (let i = 1; i < tripTimes.length; i++) {
            expect(tripTimes[i] - tripTimes[i - 1]).toBeGreaterThanOrEqual(
              settings.recoveryHoldMinutes * 60_000,
            );
          }
          // Transitions alternate: tripped, recovered, tripped, ...
          transitions.forEach((t, i) => {
            expect(t.kind).toBe(i % 2 === 0 ? 'tripped' : 'recovered');
          });
        },
      ),
    );
  });

  it('only counts regions with a fresh run of failuresToTrip failures toward a trip', () => {
    fc.assert(
      fc.property(
        settingsArb,
        fc.array(row(fc.constantFrom<Cell>('ok', 'fail', 'fail', 'missing', 'missing')), {
          minLength: 1,
          maxLength: 120,
        }),
        (settings, schedule) => {
          const observations = scheduleToObservations(schedule);
          const freshnessMs = 3 * settings.probeIntervalSeconds * 1000;

          for (const trip of trips(evaluateAll(observations, settings).transitions)) {
            expect(trip.regions.length).toBeGreaterThanOrEqual(settings.quorum);
            for (const region of trip.regions) {
              // The voter's last failuresToTrip rounds up to the trip all failed, each within the
              // freshness window of the next, the last within it of the trip.
              const rounds = observations
                .filter((o) => o.region === region && o.endpoint === SIP && o.at <= trip.at)
                .slice(-settings.failuresToTrip);
              expect(rounds).toHaveLength(settings.failuresToTrip);
              expect(rounds.every((o) => !o.ok)).toBe(true);
              const times = [...rounds.map((o) => o.at), trip.at];
              for (let i = 1; i < times.length; i++)
                expect(times[i] - times[i - 1]).toBeLessThanOrEqual(freshnessMs);
            }
          }
        },
      ),
    );
  });

  it('decides the same whether the history is absorbed at once, in chunks with stored state, or streamed', () => {
    fc.assert(
      fc.property(
        settingsArb,
        fc.array(row(cell), { minLength: 1, maxLength: 150 }),
        fc.array(fc.integer({ min: 0, max: 150 * INTERVAL_MS }), { maxLength: 10 }),
        (settings, schedule, cutOffsets) => {
          const observations = scheduleToObservations(schedule, 700);
          const settle = settleWindowMs(settings);
          const endNow = T0 + schedule.length * INTERVAL_MS + settle;
          const whole = evaluateAll(observations, settings);

          // A region evaluating at arbitrary times, storing its state as JSON in between.
          let state = initialSiteHealthState(SITE);
          const chunked: SiteHealthTransition[] = [];
          for (const now of [...cutOffsets.map((o) => T0 + o).sort((a, b) => a - b), endNow + 1]) {
            const result = evaluateSiteHealth(state, byRegion(observations), settings, now);
            chunked.push(...result.transitions);
            state = JSON.parse(JSON.stringify(result.state));
          }

          const tracker = new SiteHealthTracker(initialSiteHealthState(SITE), settings);
          const streamed = [...observations]
            .sort((a, b) => a.at - b.at || (a.region < b.region ? -1 : 1))
            .flatMap((o) => tracker.push(o));
          streamed.push(...tracker.advanceTo(endNow + 1));

          expect(chunked).toEqual(whole.transitions);
          expect(streamed).toEqual(whole.transitions);
          expect({ ...tracker.state, processedUpTo: null }).toEqual({ ...whole.state, processedUpTo: null });
        },
      ),
    );
  });
});
