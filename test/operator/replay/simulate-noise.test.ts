import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../../lib/config/load-config';
import { parseOutages } from '../../../lib/operator/replay/outages-format';
import { prepareTrace, replayTrace } from '../../../lib/operator/replay/replay-trace';
import { scoreReplay } from '../../../lib/operator/replay/score-replay';
import { simulateToFiles } from '../../../lib/operator/replay/simulate-command';
import {
  noiseDuring,
  OUTAGE_KINDS,
  OUTAGE_KINDS_WITH_CALLS,
  type SimulationOptions,
  simulateProbeTrace,
  writeSimulatedTrace,
} from '../../../lib/operator/replay/simulate-noise';
import { parseTrace } from '../../../lib/operator/replay/trace-format';

const ROOT = resolve(__dirname, '../../..');
const config = loadConfig(DEFAULT_CONFIG_PATH);
/** The bench's seed (bench/groups/detection.ts), fixed before any result was seen. */
const BENCH_SEED = 20220812;

/** The simulator's options for the example config (with its control targets). */
function options(days: number, seed: number): SimulationOptions {
  return {
    days,
    seed,
    siteId: 'phx-primary',
    regions: config.watchdogRegions,
    probeIntervalSeconds: config.detection.probeIntervalSeconds,
    probeTimeoutMs: config.detection.probeTimeoutMs,
    endpoint: 'sip:udp:sbc1.phx.example.net:5060',
    controlTargets: config.detection.controlTargets.length,
  };
}

/** The example's test call of phx-primary. */
const CALL = 'call:udp:sbc1.phx.example.net:5060:+16025550199';

/** The same with one test call, placed every round or every `intervalSeconds`. */
function withCalls(days: number, seed: number, intervalSeconds?: number): SimulationOptions {
  return {
    ...options(days, seed),
    calls: [{ endpoint: CALL, answerWithinMs: 5000, ...(intervalSeconds ? { intervalSeconds } : {}) }],
  };
}

/** The simulation's outages as the replay scores them. */
function known(simulation: ReturnType<typeof simulateProbeTrace>) {
  return simulation.outages.map((outage, index) => ({ ...outage, line: index + 2 }));
}

function csv(days: number, seed: number): string {
  const chunks: string[] = [];
  writeSimulatedTrace(simulateProbeTrace(options(days, seed)), (chunk) => chunks.push(chunk));
  return chunks.join('');
}

describe('the noise simulator', () => {
  it('writes the same trace for the same seed and another for another seed', () => {
    const first = csv(2, 7);

    expect(csv(2, 7)).toBe(first);
    expect(csv(2, 8)).not.toBe(first);
    expect(parseTrace(first, 'trace.csv').observations).toHaveLength(2 * 8640 * 3);
  });

  it('plans every kind of noise and six real outages of several lengths in a month, none touching another', () => {
    const simulation = simulateProbeTrace(options(30, BENCH_SEED));
    const start = Date.UTC(2026, 10, 1);

    expect(new Set(simulation.noise.map((event) => event.kind))).toEqual(
      new Set(['region-network', 'two-region-blip', 'slow-answers']),
    );
    expect(
      simulation.noise
        .filter((event) => event.kind === 'two-region-blip')
        .every((event) => event.regions.length === 2),
    ).toBe(true);
    expect(simulation.outages.map((outage) => [outage.kind, (outage.end - outage.start) / 60_000])).toEqual(
      OUTAGE_KINDS.map((kind) => [kind.kind, kind.minutes]),
    );
    simulation.outages.forEach((outage, index) => {
      expect(outage.start).toBeGreaterThan(start);
      expect(outage.end).toBeLessThan(start + 30 * 86_400_000);
      if (index > 0) expect(outage.start).toBeGreaterThan(simulation.outages[index - 1].end + 3_600_000);
    });
  });

  it('fails every region during outages: timeouts when unreachable, quick 503s when out of sync', () => {
    const simulation = simulateProbeTrace(options(10, 3));
    const rows = [...simulation.rows()];
    const [unreachable, outOfSync] = simulation.outages;
    const during = (outage: { start: number; end: number }) =>
      rows.filter((row) => row.at >= outage.start && row.at < outage.end);

    expect([unreachable.kind, outOfSync.kind]).toEqual(['unreachable', 'sip-out-of-sync']);
    expect(
      during(unreachable).every(
        (row) => !row.ok && row.latencyMs === undefined && row.reason === 'timeout after 2000 ms',
      ),
    ).toBe(true);
    expect(
      during(outOfSync).every(
        (row) => !row.ok && (row.latencyMs ?? 0) > 0 && row.reason === 'SIP 503 Service Unavailable',
      ),
    ).toBe(true);
    expect(new Set(during(outOfSync).map((row) => row.region))).toEqual(new Set(config.watchdogRegions));
  });

  it('answers slowly near the timeout during slow periods, timing some out, and loses probes at random outside any event', () => {
    const simulation = simulateProbeTrace(options(10, 3));
    const rows = [...simulation.rows()];
    const slow = simulation.noise.find((event) => event.kind === 'slow-answers');
    if (slow === undefined) throw new Error('no slow period in 10 days');
    const inSlow = rows.filter((row) => row.at >= slow.start && row.at < slow.end);
    const quiet = rows.filter(
      (row) =>
        noiseDuring(simulation, row.at, row.at).length === 0 &&
        !simulation.outages.some((outage) => row.at >= outage.start && row.at < outage.end),
    );

    expect(inSlow.filter((row) => row.ok).every((row) => (row.latencyMs ?? 0) >= 1000)).toBe(true);
    expect(inSlow.some((row) => !row.ok)).toBe(true);
    const lost = quiet.filter((row) => !row.ok).length / quiet.length;
    expect(lost).toBeGreaterThan(0.001);
    expect(lost).toBeLessThan(0.006);
  });

  it("fails the control targets with the region's own network, and leaves them reachable otherwise", () => {
    const simulation = simulateProbeTrace(options(10, 3));
    const rows = [...simulation.rows()];
    const inEvent = (row: { at: number; region: string }, kind: string) =>
      noiseDuring(simulation, row.at, row.at).some(
        (event) => event.kind === kind && event.regions.includes(row.region),
      );
    const blind = rows.filter((row) => inEvent(row, 'region-network'));
    const seeing = rows.filter((row) => !inEvent(row, 'region-network'));
    const inOutage = rows.filter((row) =>
      simulation.outages.some((outage) => row.at >= outage.start && row.at < outage.end),
    );

    expect(config.detection.controlTargets.length).toBeGreaterThanOrEqual(2);
    expect(blind.length).toBeGreaterThan(0);
    expect(blind.every((row) => !row.ok && row.control === false)).toBe(true);
    // Each target loses a request as often as a probe is lost; all of them at once almost never.
    expect(seeing.filter((row) => row.control !== true).length).toBeLessThan(5);
    expect(
      inOutage.filter((row) => !inEvent(row, 'region-network')).every((row) => row.control === true),
    ).toBe(true);
  });

  it('changes nothing but the control column when the config has control targets', () => {
    const without = [...simulateProbeTrace({ ...options(2, 7), controlTargets: 0 }).rows()];
    const withControl = [...simulateProbeTrace(options(2, 7)).rows()];

    expect(without.every((row) => row.control === undefined)).toBe(true);
    expect(withControl.map(({ control: _control, ...row }) => row)).toEqual(without);
  });

  describe('test calls', () => {
    it('places the same outages, and changes only the calls column and the rounds whose calls all failed', () => {
      const without = simulateProbeTrace(options(2, 7));
      const simulation = simulateProbeTrace(withCalls(2, 7, 30));
      const before = [...without.rows()];
      const rows = [...simulation.rows()];

      expect(simulation.outages.map((outage) => [outage.start, outage.end])).toEqual(
        without.outages.map((outage) => [outage.start, outage.end]),
      );
      // Every third round, the same rounds in every region.
      const placed = rows.filter((row) => row.calls !== undefined);
      expect(placed).toHaveLength(rows.length / 3);
      expect(new Set(placed.map((row) => Math.floor(row.at / 30_000))).size).toBe(placed.length / 3);
      expect(placed.every((row) => Math.floor(row.at / 10_000) % 3 === 0)).toBe(true);
      const changed = rows.flatMap((row, index) => {
        const { calls: _calls, ...rest } = row;
        return JSON.stringify(rest) === JSON.stringify(before[index]) ? [] : [[row, before[index]] as const];
      });
      expect(changed.length).toBeGreaterThan(0);
      for (const [row, was] of changed) {
        expect([row.calls, row.ok, was.ok, row.endpoint]).toEqual([false, false, true, CALL]);
      }
    });

    it('fails every test call while OPTIONS and the health URL answer during the calls-out-of-sync outage', () => {
      const simulation = simulateProbeTrace(withCalls(10, 3, 30));
      const rows = [...simulation.rows()];
      const outage = simulation.outages[1];
      const during = rows.filter((row) => row.at >= outage.start && row.at < outage.end);
      const calling = during.filter((row) => row.calls !== undefined);
      const between = during.filter((row) => row.calls === undefined);

      expect(simulation.outages.map((o) => o.kind)).toEqual(
        OUTAGE_KINDS_WITH_CALLS.slice(0, 2).map((k) => k.kind),
      );
      expect(outage.kind).toBe('calls-out-of-sync');
      expect(calling.length).toBeGreaterThan(0);
      expect(calling.every((row) => row.calls === false && !row.ok)).toBe(true);
      expect(
        calling.filter(
          (row) => row.reason === `${CALL}: SIP 503 Service Unavailable` && row.latencyMs !== undefined,
        ).length,
      ).toBeGreaterThan(0.9 * calling.length);
      expect(between.filter((row) => row.ok).length).toBeGreaterThan(0.9 * between.length);
    });

    it('writes the calls column, and the scored replay finds the calls-out-of-sync outage with sparse calls', () => {
      const simulation = simulateProbeTrace(withCalls(10, 3, 30));
      const chunks: string[] = [];
      writeSimulatedTrace(simulation, (chunk) => chunks.push(chunk));
      const text = chunks.join('');
      const trace = parseTrace(text, 'trace.csv');

      const score = scoreReplay(
        replayTrace(prepareTrace(trace.observations), config.detection).trips,
        known(simulation),
      );
      // The probes without test calls: the rounds that failed only on their calls pass.
      const rows = [...simulation.rows()];
      const deaf = trace.observations.map(({ calls: _calls, ...line }) => ({
        ...line,
        ok: line.ok || rows[line.line - 2].endpoint === CALL,
      }));
      const deafScore = scoreReplay(
        replayTrace(prepareTrace(deaf), config.detection).trips,
        known(simulation),
      );

      expect(text.slice(0, text.indexOf('\n'))).toBe(
        'time,region,site,ok,latencyMs,control,calls,endpoint,reason',
      );
      expect(trace.problemCount).toBe(0);
      expect(score).toMatchObject({ outages: 2, caught: 2, missed: 0, falseTrips: 0 });
      expect(score.perOutage[1].outage).toMatchObject({ kind: 'calls-out-of-sync' });
      // Within failuresToTrip calls: the run grows only on the rounds that place calls.
      expect(score.perOutage[1].detectDelayMs).toBeLessThanOrEqual(
        config.detection.failuresToTrip * 30_000 + 50,
      );
      expect(deafScore.perOutage.map((verdict) => verdict.trip !== null)).toEqual([true, false]);
    });

    it('simulates the config’s test calls, and none with calls: false', async () => {
      const out = mkdtempSync(join(tmpdir(), 'simulate-calls-'));
      try {
        const base = { days: 1, seed: 5, config: DEFAULT_CONFIG_PATH };
        const summary = await simulateToFiles({ ...base, out: join(out, 'with') });
        await simulateToFiles({ ...base, out: join(out, 'without'), calls: false });
        const header = (folder: string) =>
          readFileSync(join(out, folder, 'trace.csv'), 'utf8').split('\n')[0];

        expect(summary).toContain('Test calls: one every round (the calls column)');
        expect(header('with')).toBe('time,region,site,ok,latencyMs,control,calls,endpoint,reason');
        expect(header('without')).toBe('time,region,site,ok,latencyMs,control,endpoint,reason');
        expect(readFileSync(join(out, 'without', 'trace.csv'), 'utf8')).toBe(csv(1, 5).replace(/\r/g, ''));
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  });

  describe('the simulated month under the example config (seed of the bench)', () => {
    const boundMs = config.detection.probeIntervalSeconds * config.detection.failuresToTrip * 1000;
    let simulation: ReturnType<typeof simulateProbeTrace>;
    let trace: ReturnType<typeof parseTrace>;
    let score: ReturnType<typeof scoreReplay>;

    beforeAll(() => {
      simulation = simulateProbeTrace(options(30, BENCH_SEED));
      const chunks: string[] = [];
      writeSimulatedTrace(simulation, (chunk) => chunks.push(chunk));
      trace = parseTrace(chunks.join(''), 'trace.csv');
      const { trips } = replayTrace(prepareTrace(trace.observations), config.detection);
      score = scoreReplay(
        trips,
        simulation.outages.map((outage, index) => ({ ...outage, line: index + 2 })),
      );
    });

    it('is about 780,000 lines', () => {
      expect(trace.problemCount).toBe(0);
      expect(trace.observations).toHaveLength(777_600);
    });

    it('catches every real outage, each within the bound (plus the rounds’ few ms past their boundary)', () => {
      expect(score).toMatchObject({ outages: 6, caught: 6, missed: 0 });
      expect(score.detectDelayMs.max).toBeLessThanOrEqual(boundMs + 50);
    });

    it('never trips falsely', () => {
      expect(score.falseTripList).toEqual([]);
    });

    // The control targets are what makes it zero: without them, two regions' own networks failing
    // at once look to a quorum of 2 exactly like the site failing.
    it('false-trips without control targets, exactly where two regions’ own networks failed at once', () => {
      const blind = trace.observations.map(({ control: _control, ...observation }) => observation);
      const { trips } = replayTrace(prepareTrace(blind), config.detection);
      const blindScore = scoreReplay(
        trips,
        simulation.outages.map((outage, index) => ({ ...outage, line: index + 2 })),
      );

      expect(blindScore.falseTrips).toBeGreaterThan(0);
      for (const trip of blindScore.falseTripList) {
        const blind = noiseDuring(simulation, trip.outageStartedAt, trip.trippedAt).filter(
          (event) => event.kind === 'region-network',
        );
        expect(blind.flatMap((event) => event.regions).sort()).toEqual(trip.regions);
      }
    });
  });

  it('writes trace.csv and outages.csv with npm run simulate', () => {
    const out = mkdtempSync(join(tmpdir(), 'simulate-'));
    try {
      const run = spawnSync(
        process.execPath,
        [require.resolve('tsx/cli'), 'bin/simulate.ts', '--days', '1', '--seed', '5', '--out', out],
        { cwd: ROOT, encoding: 'utf8' },
      );

      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('Simulated 1 days of phx-primary (seed 5): 25,920 rounds');
      expect(parseTrace(readFileSync(join(out, 'trace.csv'), 'utf8'), 'trace.csv').problemCount).toBe(0);
      expect(parseOutages(readFileSync(join(out, 'outages.csv'), 'utf8'), 'outages.csv')).toMatchObject({
        problems: [],
        outages: [{ siteId: 'phx-primary' }],
      });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
