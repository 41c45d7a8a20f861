import type { Outage } from '../../../lib/operator/replay/outages-format';
import type { ReplayTrip } from '../../../lib/operator/replay/replay-trace';
import { scoreReplay } from '../../../lib/operator/replay/score-replay';

const T = Date.UTC(2026, 10, 3, 14, 0, 0);
const MINUTE = 60_000;

function trip(siteId: string, trippedAt: number, recoveredAt: number | null): ReplayTrip {
  return {
    siteId,
    trippedAt,
    recoveredAt,
    regions: ['us-east-1', 'us-east-2'],
    outageStartedAt: trippedAt - 20_000,
  };
}

function outage(siteId: string, start: number, end: number): Outage {
  return { siteId, start, end, line: 0 };
}

describe('scoreReplay', () => {
  it('counts caught outages, their detection delays, and trips that overlap no outage as false', () => {
    const outages = [
      outage('phx-primary', T, T + 15 * MINUTE),
      outage('phx-primary', T + 600 * MINUTE, T + 605 * MINUTE),
    ];
    const trips = [
      trip('phx-primary', T + 25_000, T + 25 * MINUTE),
      trip('phx-primary', T + 300 * MINUTE, T + 311 * MINUTE),
      trip('phx-primary', T + 600 * MINUTE + 28_000, T + 615 * MINUTE),
    ];

    const score = scoreReplay(trips, outages);

    expect(score).toMatchObject({
      outages: 2,
      caught: 2,
      missed: 0,
      falseTrips: 1,
      detectDelayMs: { max: 28_000, mean: 26_500 },
    });
    expect(score.falseTripList).toEqual([trips[1]]);
    expect(score.perOutage.map((verdict) => verdict.detectDelayMs)).toEqual([25_000, 28_000]);
  });

  it('misses an outage that no trip overlaps, and one of another site', () => {
    const outages = [outage('phx-primary', T, T + MINUTE), outage('dal-standby', T, T + 30 * MINUTE)];
    const trips = [trip('phx-primary', T + 2 * MINUTE, T + 13 * MINUTE)];

    const score = scoreReplay(trips, outages);

    expect(score).toMatchObject({
      caught: 0,
      missed: 2,
      falseTrips: 1,
      detectDelayMs: { max: null, mean: null },
    });
  });

  it('counts a site already declared down when an outage starts as caught with no delay', () => {
    const outages = [outage('phx-primary', T + 5 * MINUTE, T + 20 * MINUTE)];
    const trips = [trip('phx-primary', T, T + 30 * MINUTE)];

    const score = scoreReplay(trips, outages);

    expect(score).toMatchObject({ caught: 1, falseTrips: 0, detectDelayMs: { max: 0, mean: 0 } });
  });

  it('lets a trip still down at the end of the trace catch every later outage', () => {
    const outages = [outage('phx-primary', T + 60 * MINUTE, T + 70 * MINUTE)];
    const trips = [trip('phx-primary', T, null)];

    expect(scoreReplay(trips, outages)).toMatchObject({ caught: 1, falseTrips: 0 });
  });

  it('credits one outage with its first trip when it flapped into two', () => {
    const outages = [outage('phx-primary', T, T + 120 * MINUTE)];
    const trips = [
      trip('phx-primary', T + 30_000, T + 40 * MINUTE),
      trip('phx-primary', T + 50 * MINUTE, T + 130 * MINUTE),
    ];

    expect(scoreReplay(trips, outages)).toMatchObject({
      caught: 1,
      falseTrips: 0,
      detectDelayMs: { max: 30_000, mean: 30_000 },
    });
  });
});
