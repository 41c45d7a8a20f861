import fc from 'fast-check';
import {
  type DecisionOptions,
  type DecisionSettings,
  initialSiteHealthState,
} from '../../../lambdas/domain/detection/decide-site-health';
import { SiteHealthTracker } from '../../../lambdas/domain/detection/site-health-tracker';
import type { SiteHealthTransition } from '../../../lambdas/ports/detection';
import {
  prepareTrace,
  type ReplayTrip,
  replayTrace,
  toObservations,
} from '../../../lib/operator/replay/replay-trace';
import type { TraceObservation } from '../../../lib/operator/replay/trace-format';
import {
  allRegions,
  INTERVAL_MS,
  REGIONS,
  type Schedule,
  SITE,
  scheduleObservations,
  sparseCalls,
  T0,
} from './support/schedule-trace';

/** The example config's detection settings. */
const EXAMPLE: DecisionSettings = {
  probeIntervalSeconds: 10,
  failuresToTrip: 3,
  quorum: 2,
  recoveryHoldMinutes: 10,
  probeTimeoutMs: 2000,
};
const BOUND_MS = EXAMPLE.probeIntervalSeconds * EXAMPLE.failuresToTrip * 1000;
const HOLD_MS = EXAMPLE.recoveryHoldMinutes * 60_000;

function replay(schedule: Schedule, settings: DecisionSettings = EXAMPLE): ReplayTrip[] {
  return replayTrace(prepareTrace(scheduleObservations(schedule)), settings).trips;
}

const ok = (intervals: number) => 'o'.repeat(intervals);
const fail = (intervals: number) => 'x'.repeat(intervals);

describe('replayTrace against hand-made traces (example settings: quorum 2 of 3, 3 failures, 10 min hold)', () => {
  it('never trips when one region is down for an hour', () => {
    const trips = replay({
      regions: {
        'us-east-1': ok(30) + fail(360) + ok(30),
        'us-east-2': ok(420),
        'us-west-2': ok(420),
      },
    });

    expect(trips).toEqual([]);
  });

  it('never trips when two regions lose their own networks at once (their control targets fail too)', () => {
    const ownNetworkDown = ok(30) + '-'.repeat(90) + ok(30);

    const trips = replay({
      regions: { 'us-east-1': ownNetworkDown, 'us-east-2': ownNetworkDown, 'us-west-2': ok(150) },
      control: true,
    });

    expect(trips).toEqual([]);
  });

  it('trips on the same two regions failing when their control targets answered', () => {
    const siteUnreachable = ok(30) + fail(90) + ok(30);

    const trips = replay({
      regions: { 'us-east-1': siteUnreachable, 'us-east-2': siteUnreachable, 'us-west-2': ok(150) },
      control: true,
    });

    expect(trips.map((trip) => [trip.trippedAt - T0, trip.regions])).toEqual([
      [32 * INTERVAL_MS, ['us-east-1', 'us-east-2']],
    ]);
  });

  it('still trips on a real outage while one region is blind, within the bound', () => {
    const trips = replay({
      regions: {
        'us-east-1': ok(30) + '-'.repeat(90),
        'us-east-2': ok(30) + fail(90),
        'us-west-2': ok(30) + fail(90),
      },
      control: true,
    });

    expect(trips.map((trip) => [trip.trippedAt - T0, trip.regions])).toEqual([
      [32 * INTERVAL_MS, ['us-east-2', 'us-west-2']],
    ]);
  });

  it('never trips when two regions blip together for fewer than failuresToTrip intervals, however often', () => {
    const blips = `${ok(20)}${fail(2)}`.repeat(30);

    const trips = replay({
      regions: { 'us-east-1': blips, 'us-east-2': blips, 'us-west-2': ok(blips.length) },
      offsets: { 'us-east-1': 3, 'us-east-2': 17, 'us-west-2': 29 },
    });

    expect(trips).toEqual([]);
  });

  it('trips when the same two regions fail for failuresToTrip intervals: the line the previous test stays under', () => {
    const blip = ok(20) + fail(3) + ok(100);

    const trips = replay({ regions: { 'us-east-1': blip, 'us-east-2': blip, 'us-west-2': ok(blip.length) } });

    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({ trippedAt: T0 + 22 * INTERVAL_MS, regions: ['us-east-1', 'us-east-2'] });
  });

  it('trips once on a real outage, within the bound, and recovers once after the hold', () => {
    // The site dies 1 ms after the 30th round (the worst case for the bound) and answers again from
    // round 90 on (a 10-minute outage), seen by every region.
    const outageStart = T0 + 29 * INTERVAL_MS + 1;
    const firstHealthyRound = T0 + 90 * INTERVAL_MS;
    const schedule = allRegions(ok(30) + fail(60) + ok(120));

    const trips = replay({ regions: schedule });

    expect(trips).toHaveLength(1);
    const [trip] = trips;
    expect(trip.trippedAt - outageStart).toBeLessThanOrEqual(BOUND_MS);
    expect(trip.trippedAt).toBe(T0 + 32 * INTERVAL_MS);
    expect(trip.outageStartedAt).toBe(T0 + 30 * INTERVAL_MS);
    expect(trip.recoveredAt).toBe(firstHealthyRound + HOLD_MS);
    expect(trip.regions).toEqual([...REGIONS]);
  });

  it('keeps the site down through a flapping recovery and restarts the hold at each relapse', () => {
    const flapping = ok(30) + fail(30) + ok(20) + fail(3) + ok(100);

    const trips = replay({ regions: allRegions(flapping) });

    expect(trips).toHaveLength(1);
    expect(trips[0].recoveredAt).toBe(T0 + 83 * INTERVAL_MS + HOLD_MS);
  });

  it('reports a trip the trace ends in as not recovered', () => {
    const trips = replay({ regions: allRegions(ok(10) + fail(20)) });

    expect(trips).toEqual([
      {
        siteId: SITE,
        trippedAt: T0 + 12 * INTERVAL_MS,
        recoveredAt: null,
        regions: [...REGIONS],
        outageStartedAt: T0 + 10 * INTERVAL_MS,
      },
    ]);
  });

  it('replays each site of the trace on its own', () => {
    const observations = [
      ...scheduleObservations({ regions: allRegions(ok(10) + fail(5) + ok(5)) }),
      ...scheduleObservations({ site: 'dal-standby', regions: allRegions(ok(20)) }),
    ].sort((a, b) => a.at - b.at || (a.siteId < b.siteId ? -1 : 1) || (a.region < b.region ? -1 : 1));

    const { trips } = replayTrace(prepareTrace(observations), { ...EXAMPLE, recoveryHoldMinutes: 0 });

    expect(trips.map((trip) => [trip.siteId, trip.trippedAt, trip.recoveredAt])).toEqual([
      [SITE, T0 + 12 * INTERVAL_MS, T0 + 15 * INTERVAL_MS],
    ]);
  });

  it('measures the trace’s probe interval for the settings check', () => {
    const prepared = prepareTrace(scheduleObservations({ regions: allRegions(ok(50)), intervalMs: 30_000 }));

    expect(prepared.typicalIntervalMs).toBe(30_000);
    expect(prepared).toMatchObject({
      observations: 150,
      regions: [...REGIONS],
      from: T0,
      to: T0 + 49 * 30_000,
    });
  });
});

describe('replayTrace with test calls (example settings)', () => {
  // Calls every 3rd round: answered 10 times, failing 10 times (rounds 30-57), then answered again,
  // while every OPTIONS and HTTP probe answers (the lines between two calls say ok 1).
  const outOfSync = sparseCalls(150, 3, `${'o'.repeat(10)}${'x'.repeat(10)}${'o'.repeat(30)}`);
  const schedule: Schedule = { regions: allRegions(ok(150)), calls: allRegions(outOfSync) };

  it('trips on sparse failing calls, the rounds between carrying them, and recovers a hold after they answer', () => {
    const trips = replay(schedule);

    expect(trips).toEqual([
      {
        siteId: SITE,
        // Three failed calls make the run (rounds 30, 33, 36); the rounds between add nothing to it.
        trippedAt: T0 + 36 * INTERVAL_MS,
        // The rounds between failing calls vote no one up, so the hold starts at the first answered call.
        recoveredAt: T0 + 60 * INTERVAL_MS + HOLD_MS,
        regions: [...REGIONS],
        outageStartedAt: T0 + 30 * INTERVAL_MS,
      },
    ]);
  });

  it('never trips on the same lines without their calls column: every round between resets the run', () => {
    const withoutCalls = scheduleObservations(schedule).map(({ calls: _calls, ...line }) => line);

    expect(withoutCalls.filter((line) => !line.ok)).toHaveLength(10 * REGIONS.length);
    expect(replayTrace(prepareTrace(withoutCalls), EXAMPLE).trips).toEqual([]);
  });

  it('carries a failed call only for callVerdictLifetimeMs: shorter than the calls’ interval, it never trips', () => {
    const decision: DecisionOptions = { callVerdictLifetimeMs: 15_000 };
    const prepared = prepareTrace(scheduleObservations(schedule), decision);

    expect(replayTrace(prepared, EXAMPLE, { decision }).trips).toEqual([]);
    expect(() => replayTrace(prepared, EXAMPLE)).toThrow(
      'the trace was prepared carrying call verdicts 15000 ms but is replayed with callVerdictLifetimeMs 600000',
    );
  });

  it('carries each region’s own calls: one region failing calls is no quorum', () => {
    const trips = replay({
      regions: allRegions(ok(150)),
      calls: { 'us-east-1': outOfSync, 'us-east-2': sparseCalls(150, 3, 'o'.repeat(50)) },
    });

    expect(trips).toEqual([]);
  });
});

describe('replayTrace and the probe’s SiteHealthTracker', () => {
  const cell = fc.constantFrom('o', 'o', 'o', 'x', 'x', '-', '.');
  const callCell = fc.constantFrom('o', 'x', 'x');
  const settings = fc.record({
    probeIntervalSeconds: fc.constant(10),
    probeTimeoutMs: fc.constant(2000),
    quorum: fc.integer({ min: 1, max: 3 }),
    failuresToTrip: fc.integer({ min: 1, max: 4 }),
    recoveryHoldMinutes: fc.integer({ min: 0, max: 2 }),
  });
  const site = fc.record({
    rounds: fc.array(fc.tuple(cell, cell, cell), { minLength: 1, maxLength: 120 }),
    offsets: fc.tuple(
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0, max: 40 }),
    ),
    control: fc.boolean(),
    // Test calls every `every` rounds (none when 0), failing often enough to trip and recover.
    calls: fc.record({
      every: fc.constantFrom(0, 1, 2, 3),
      cells: fc.array(fc.tuple(callCell, callCell, callCell), { minLength: 120, maxLength: 120 }),
    }),
  });
  const options = fc.constantFrom<DecisionOptions>(
    {},
    { callVerdictLifetimeMs: 15_000 },
    { callVerdictLifetimeMs: 25_000 },
  );

  function tripsThroughTracker(
    observations: readonly TraceObservation[],
    decision: DecisionSettings,
    decisionOptions: DecisionOptions = {},
  ) {
    const trips: {
      siteId: string;
      trippedAt: number;
      recoveredAt: number | null;
      regions: string[];
      outageStartedAt: number;
    }[] = [];
    for (const siteId of [...new Set(observations.map((o) => o.siteId))].sort()) {
      const tracker = new SiteHealthTracker(initialSiteHealthState(siteId), decision, decisionOptions);
      const transitions: SiteHealthTransition[] = [];
      for (const observation of observations.filter((o) => o.siteId === siteId)) {
        transitions.push(...toObservations(observation).flatMap((o) => tracker.push(o)));
      }
      transitions.push(...tracker.advanceTo(Number.POSITIVE_INFINITY));
      for (const transition of transitions) {
        if (transition.kind === 'tripped') {
          trips.push({
            siteId,
            trippedAt: transition.at,
            recoveredAt: null,
            regions: transition.regions,
            outageStartedAt: transition.outageStartedAt,
          });
        } else {
          trips[trips.length - 1].recoveredAt = transition.at;
        }
      }
    }
    return trips;
  }

  it('finds exactly the trips and recoveries of pushing every line through the tracker, test calls and all', () => {
    fc.assert(
      fc.property(
        fc.array(site, { minLength: 1, maxLength: 2 }),
        settings,
        options,
        (sites, decision, extra) => {
          const observations = sites
            .flatMap((generated, index) =>
              scheduleObservations({
                site: `site-${index}`,
                regions: Object.fromEntries(
                  REGIONS.map((region, column) => [
                    region,
                    generated.rounds.map((row) => row[column]).join(''),
                  ]),
                ),
                offsets: Object.fromEntries(
                  REGIONS.map((region, column) => [region, generated.offsets[column]]),
                ),
                control: generated.control,
                ...(generated.calls.every === 0
                  ? {}
                  : {
                      calls: Object.fromEntries(
                        REGIONS.map((region, column) => [
                          region,
                          generated.calls.cells
                            .map((row, step) => (step % generated.calls.every === 0 ? row[column] : '.'))
                            .join(''),
                        ]),
                      ),
                    }),
              }),
            )
            .sort(
              (a, b) =>
                a.at - b.at ||
                (a.siteId < b.siteId ? -1 : a.siteId > b.siteId ? 1 : 0) ||
                (a.region < b.region ? -1 : 1),
            );

          const { trips } = replayTrace(prepareTrace(observations, extra), decision, { decision: extra });

          expect(trips).toEqual(tripsThroughTracker(observations, decision, extra));
        },
      ),
      { seed: 13, numRuns: 300 },
    );
  });

  it('holds the two equal on sparse calls failing while every line between says ok 1', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(callCell, callCell, callCell), { minLength: 10, maxLength: 40 }),
        fc.constantFrom(2, 3, 4),
        settings,
        (calls, every, decision) => {
          const intervals = calls.length * every;
          const observations = scheduleObservations({
            regions: allRegions(ok(intervals)),
            offsets: { 'us-east-1': 3, 'us-east-2': 11, 'us-west-2': 29 },
            calls: Object.fromEntries(
              REGIONS.map((region, column) => [
                region,
                sparseCalls(intervals, every, calls.map((row) => row[column]).join('')),
              ]),
            ),
          });

          const { trips } = replayTrace(prepareTrace(observations), decision);

          expect(trips).toEqual(tripsThroughTracker(observations, decision));
        },
      ),
      { seed: 29, numRuns: 200 },
    );
  });

  it('trips on the sparse failing calls of the hand-made trace exactly as the tracker does', () => {
    const observations = scheduleObservations({
      regions: allRegions(ok(150)),
      calls: allRegions(sparseCalls(150, 3, `${'o'.repeat(10)}${'x'.repeat(10)}${'o'.repeat(30)}`)),
    });

    const { trips } = replayTrace(prepareTrace(observations), EXAMPLE);

    expect(trips).toHaveLength(1);
    expect(trips).toEqual(tripsThroughTracker(observations, EXAMPLE));
  });
});
