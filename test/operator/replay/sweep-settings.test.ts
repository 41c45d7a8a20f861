import type { Outage } from '../../../lib/operator/replay/outages-format';
import { sweepSettingsInParallel } from '../../../lib/operator/replay/parallel-sweep';
import { prepareTrace, replayTrace } from '../../../lib/operator/replay/replay-trace';
import { scoreReplay } from '../../../lib/operator/replay/score-replay';
import { type SweepEntry, sweepGrid, sweepSettings } from '../../../lib/operator/replay/sweep-settings';
import {
  allRegions,
  INTERVAL_MS,
  NOISY_TWO_HOURS,
  NOISY_TWO_HOURS_OUTAGE,
  scheduleObservations,
  sparseCalls,
} from './support/schedule-trace';

const BASE = { probeIntervalSeconds: 10, probeTimeoutMs: 2000 };
const observations = scheduleObservations(NOISY_TWO_HOURS);
const outages: Outage[] = [{ ...NOISY_TWO_HOURS_OUTAGE, line: 2 }];

describe('sweepSettings', () => {
  const result = sweepSettings(prepareTrace(observations), outages, BASE);
  const kept = (quorum: number, failuresToTrip: number) =>
    result.settings.filter((entry) => entry.quorum === quorum && entry.failuresToTrip === failuresToTrip);

  it('tries quorum 1..regions × failuresToTrip 1..6 × hold 0..15 minutes', () => {
    expect(result.tried).toBe(3 * 6 * 16);
    expect(result.grid).toEqual({
      quorum: [1, 2, 3],
      failuresToTrip: [1, 2, 3, 4, 5, 6],
      recoveryHoldMinutes: Array.from({ length: 16 }, (_, minutes) => minutes),
    });
    expect(sweepGrid(3)).toHaveLength(288);
  });

  it('keeps only settings with no false trip that catch every outage', () => {
    expect(result.settings.filter((entry) => entry.quorum === 1)).toEqual([]);
    expect(kept(2, 1)).toEqual([]);
    expect(kept(2, 2)).toEqual([]);
    expect(kept(2, 3)).toHaveLength(16);
    expect(kept(3, 1)).toHaveLength(16);
    for (const entry of result.settings) {
      const settings = { ...BASE, ...entry };
      const score = scoreReplay(replayTrace(prepareTrace(observations), settings).trips, outages);
      expect(score).toMatchObject({ falseTrips: 0, missed: 0, caught: 1 });
    }
  });

  it('drops exactly the settings whose full replay has a false trip or a miss (no shortcut changes the answer)', () => {
    const prepared = prepareTrace(observations);
    const passing = sweepGrid(3).filter((setting) => {
      const score = scoreReplay(replayTrace(prepared, { ...BASE, ...setting }).trips, outages);
      return score.falseTrips === 0 && score.missed === 0;
    });

    expect(result.settings.map(key).sort()).toEqual(passing.map(key).sort());
  });

  it('orders the kept settings by worst-case detection delay, then mean delay', () => {
    const delays = result.settings.map((entry) => [
      entry.detectDelayMs.max ?? 0,
      entry.detectDelayMs.mean ?? 0,
    ]);

    expect(delays).toEqual([...delays].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
    expect(result.settings[0]).toMatchObject({
      quorum: 3,
      failuresToTrip: 1,
      recoveryHoldMinutes: 0,
      trips: 1,
    });
    expect(result.settings[0].detectDelayMs.max).toBe(INTERVAL_MS - 500 + 23);
    expect(kept(2, 3)[0]).toMatchObject({
      boundMs: 30_000,
      detectDelayMs: { max: 3 * INTERVAL_MS - 500 + 11 },
    });
  });

  it('keeps nothing when no setting can tell the noise from the outages', () => {
    const everyRegionBlips = scheduleObservations({
      regions: allRegions(`${'o'.repeat(10)}${'x'.repeat(8)}${'o'.repeat(10)}`),
    });

    expect(sweepSettings(prepareTrace(everyRegionBlips), [], BASE).settings).toEqual([]);
  });

  it('gives the same settings on worker threads as in one thread', async () => {
    const parallel = await sweepSettingsInParallel(observations, outages, BASE, { workers: 2 });

    expect(parallel.workers).toBe(2);
    expect(parallel.settings).toEqual(result.settings);
  }, 30_000);
});

describe('sweepSettings with control verdicts', () => {
  // Two regions blind for 20 minutes (their control targets failed too), then a real outage.
  const blind = `${'o'.repeat(60)}${'-'.repeat(120)}${'o'.repeat(120)}${'x'.repeat(60)}${'o'.repeat(120)}`;
  const seeing = `${'o'.repeat(300)}${'x'.repeat(60)}${'o'.repeat(120)}`;
  const controlled = scheduleObservations({
    regions: { 'us-east-1': blind, 'us-east-2': blind, 'us-west-2': seeing },
    control: true,
  });
  const outage: Outage[] = [{ ...NOISY_TWO_HOURS_OUTAGE, line: 2 }];

  it('keeps quorum 2: the blind regions abstained instead of voting the site down', () => {
    const { settings } = sweepSettings(prepareTrace(controlled), outage, BASE);

    expect(settings.some((entry) => entry.quorum === 2 && entry.failuresToTrip === 3)).toBe(true);
  });

  it('gives the same settings on worker threads, which get the control verdicts too', async () => {
    const parallel = await sweepSettingsInParallel(controlled, outage, BASE, { workers: 2 });

    expect(parallel.settings).toEqual(sweepSettings(prepareTrace(controlled), outage, BASE).settings);
  }, 30_000);
});

describe('sweepSettings with test calls', () => {
  // OPTIONS answer throughout; the calls (every 3rd round) fail during the outage (rounds 300-359).
  const calls = sparseCalls(480, 3, `${'o'.repeat(100)}${'x'.repeat(20)}${'o'.repeat(40)}`);
  const outOfSync = scheduleObservations({ regions: allRegions('o'.repeat(480)), calls: allRegions(calls) });
  const outage: Outage[] = [{ ...NOISY_TWO_HOURS_OUTAGE, line: 2 }];

  it('keeps the example settings: the rounds between failing calls carry them', () => {
    const { settings } = sweepSettings(prepareTrace(outOfSync), outage, BASE);

    expect(settings.some((entry) => entry.quorum === 2 && entry.failuresToTrip === 3)).toBe(true);
    expect(settings.filter((entry) => entry.failuresToTrip === 6).every((entry) => entry.caught === 1)).toBe(
      true,
    );
  });

  it('gives the same settings on worker threads, which get the calls verdicts too', async () => {
    const parallel = await sweepSettingsInParallel(outOfSync, outage, BASE, { workers: 2 });

    expect(parallel.workers).toBe(2);
    expect(parallel.settings).toEqual(sweepSettings(prepareTrace(outOfSync), outage, BASE).settings);
  }, 30_000);
});

function key(setting: Pick<SweepEntry, 'quorum' | 'failuresToTrip' | 'recoveryHoldMinutes'>): string {
  return `${setting.quorum}/${setting.failuresToTrip}/${setting.recoveryHoldMinutes}`;
}
