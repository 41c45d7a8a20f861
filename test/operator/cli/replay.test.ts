import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatOutages } from '../../../lib/operator/replay/outages-format';
import {
  allRegions,
  NOISY_TWO_HOURS,
  NOISY_TWO_HOURS_OUTAGE,
  SITE,
  scheduleCsv,
  sparseCalls,
} from '../replay/support/schedule-trace';
import { closedLoopbackUrl, hasStackTrace, runCli } from './support/cli-process';

/** Two hours with one real outage and noise (see NOISY_TWO_HOURS for what each setting makes of it). */
const TRACE = scheduleCsv(NOISY_TWO_HOURS);
const OUTAGES = formatOutages([{ ...NOISY_TWO_HOURS_OUTAGE, kind: 'unreachable' }]);

interface ReplayJson {
  trace: { observations: number; regions: string[]; from: string; to: string };
  settings: { quorum: number; failuresToTrip: number; boundMs: number; sources: Record<string, string> };
  trips: {
    site: string;
    trippedAt: string;
    recoveredAt: string | null;
    regions: string[];
    falseTrip?: boolean;
  }[];
  score?: {
    outages: number;
    caught: number;
    missed: number;
    falseTrips: number;
    detectDelayMs: { max: number; mean: number };
  };
  sweep?: {
    tried: number;
    settings: {
      quorum: number;
      failuresToTrip: number;
      recoveryHoldMinutes: number;
      detectDelayMs: { max: number };
    }[];
  };
}

describe('carrier-failover replay', () => {
  let directory: string;
  let unreachable: string;
  const file = (name: string) => join(directory, name);

  beforeAll(async () => {
    unreachable = await closedLoopbackUrl();
    directory = mkdtempSync(join(tmpdir(), 'replay-cli-'));
    writeFileSync(file('trace.csv'), TRACE);
    writeFileSync(file('outages.csv'), OUTAGES);
  });

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('prints each trip and the score against the outages, with the config’s settings', async () => {
    const run = await runCli(['replay', file('trace.csv'), '--outages', file('outages.csv')], {
      unreachable,
    });

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('2,160 rounds of phx-primary from us-east-1, us-east-2, us-west-2');
    expect(run.stdout).toContain(
      'Settings: quorum 2 of 3 regions, failuresToTrip 3, recoveryHoldMinutes 10, probeIntervalSeconds 10 (the config); bound 30.0 s',
    );
    expect(run.stdout).toMatch(
      /1 trip:\nSITE\s+TRIPPED\s+RECOVERED\s+DOWN FOR\s+VERDICT\s+REGIONS\nphx-primary\s+2026-11-01 00:50:20Z\s+2026-11-01 01:10:00Z\s+19 min\s+outage\s+us-east-1, us-east-2\n/,
    );
    expect(run.stdout).toContain(
      'Score: 1 outage, 1 caught, 0 missed, 0 false trips; detection delay max 29.5 s, mean 29.5 s (bound 30.0 s)',
    );
    expect(run.stderr).toMatch(/Read 2,160 rounds from .*trace\.csv in \d+\.\d s\nReplayed in \d+\.\d s/);
  });

  it('takes each setting from its flag, and exits 5 with the false trip marked when the settings trip on noise', async () => {
    const run = await runCli(
      [
        'replay',
        file('trace.csv'),
        '--outages',
        file('outages.csv'),
        '--failures-to-trip',
        '2',
        '--recovery-hold-minutes',
        '1',
        '--json',
      ],
      { unreachable },
    );

    expect(run.code).toBe(5);
    const result = run.json<ReplayJson>();
    expect(result.settings).toMatchObject({
      quorum: 2,
      failuresToTrip: 2,
      boundMs: 20_000,
      sources: {
        quorum: 'config',
        failuresToTrip: '--failures-to-trip',
        recoveryHoldMinutes: '--recovery-hold-minutes',
        probeIntervalSeconds: 'config',
      },
    });
    expect(result.trips).toEqual([
      {
        site: SITE,
        trippedAt: '2026-11-01T00:33:30.023Z',
        recoveredAt: '2026-11-01T00:34:40.011Z',
        regions: ['us-east-2', 'us-west-2'],
        outageStartedAt: '2026-11-01T00:33:20.011Z',
        falseTrip: true,
      },
      {
        site: SITE,
        trippedAt: '2026-11-01T00:50:10.011Z',
        recoveredAt: '2026-11-01T01:01:00.011Z',
        regions: ['us-east-1', 'us-east-2'],
        outageStartedAt: '2026-11-01T00:50:00.004Z',
        falseTrip: false,
      },
    ]);
    expect(result.score).toEqual({
      outages: 1,
      caught: 1,
      missed: 0,
      falseTrips: 1,
      detectDelayMs: { max: 19_511, mean: 19_511 },
      boundMs: 20_000,
      perOutage: [
        {
          site: SITE,
          start: '2026-11-01T00:49:50.500Z',
          end: '2026-11-01T01:00:00Z',
          caught: true,
          trippedAt: '2026-11-01T00:50:10.011Z',
          detectDelayMs: 19_511,
        },
      ],
    });
  });

  it('sweeps the grid and lists the passing settings best first, marking the current ones', async () => {
    const json = await runCli(
      ['replay', file('trace.csv'), '--outages', file('outages.csv'), '--sweep', '--json'],
      {
        unreachable,
      },
    );
    const human = await runCli(['replay', file('trace.csv'), '--outages', file('outages.csv'), '--sweep'], {
      unreachable,
    });

    expect(json.code).toBe(0);
    const { sweep } = json.json<ReplayJson>();
    expect(sweep?.tried).toBe(288);
    expect(sweep?.settings[0]).toMatchObject({ quorum: 3, failuresToTrip: 1, recoveryHoldMinutes: 0 });
    expect(sweep?.settings.some((entry) => entry.quorum === 1)).toBe(false);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(
      'Sweep: 288 settings (quorum 1-3, failuresToTrip 1-6, recoveryHoldMinutes 0-15)',
    );
    expect(human.stdout).toMatch(
      /QUORUM\s+FAILURES\s+HOLD \(MIN\)\s+TRIPS\s+MAX DELAY\s+MEAN DELAY\s+BOUND\n3\s+1\s+0-15\s+1\s+9\.5 s/,
    );
    expect(human.stdout).toMatch(/\n2\s+3\s+0-15\s+1\s+29\.5 s\s+29\.5 s\s+30\.0 s\s+<- these settings\n/);
  });

  it('replays the calls column: sparse failing calls trip the site while OPTIONS answer', async () => {
    // Calls every 3rd round fail from round 300 to 359 (the outage); every line between says ok 1.
    const calls = sparseCalls(480, 3, `${'o'.repeat(100)}${'x'.repeat(20)}${'o'.repeat(40)}`);
    writeFileSync(
      file('calls.csv'),
      scheduleCsv({ regions: allRegions('o'.repeat(480)), calls: allRegions(calls) }),
    );

    const run = await runCli(['replay', file('calls.csv'), '--outages', file('outages.csv'), '--json'], {
      unreachable,
    });

    expect(run.code).toBe(0);
    const result = run.json<ReplayJson>();
    expect(result.trips).toEqual([
      {
        site: SITE,
        trippedAt: '2026-11-01T00:51:00Z',
        recoveredAt: '2026-11-01T01:10:00Z',
        regions: ['us-east-1', 'us-east-2', 'us-west-2'],
        outageStartedAt: '2026-11-01T00:50:00Z',
        falseTrip: false,
      },
    ]);
    expect(result.score).toMatchObject({ outages: 1, caught: 1, missed: 0, falseTrips: 0 });
  });

  it('lists every bad trace line at once and exits 1 without a stack trace', async () => {
    writeFileSync(
      file('broken.csv'),
      'time,region,site,ok,latencyMs\n2026-11-01T00:00:10Z,us-east-1,phx-primary,yes,\n2026-11-01 00:00:20,us-east-1,phx-primary,1,\n',
    );

    const run = await runCli(['replay', file('broken.csv'), '--json'], { unreachable });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/carrier-failover: Invalid trace .*broken\.csv \(2 problems\):/);
    expect(run.json<{ ok: boolean; problems: string[] }>()).toMatchObject({
      ok: false,
      problems: [
        expect.stringMatching(/broken\.csv:2: ok: expected 1, 0, true or false, got "yes"$/),
        expect.stringMatching(
          /broken\.csv:3: time: expected an ISO 8601 UTC time .*, got "2026-11-01 00:00:20"$/,
        ),
      ],
    });
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it('names every bad flag, checked like the config, and a quorum above the trace’s regions', async () => {
    const run = await runCli(
      ['replay', file('trace.csv'), '--quorum', '4', '--failures-to-trip', '0', '--interval-seconds', 'ten'],
      { unreachable },
    );

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('carrier-failover: invalid detection settings for the replay (3 problems):');
    expect(run.stderr).toContain('  - --failures-to-trip: expected an integer 1-20, got 0');
    expect(run.stderr).toContain('  - --interval-seconds: expected an integer 5-60, got "ten"');
    expect(run.stderr).toContain(
      '  - --quorum: expected at most the number of regions in the trace (3), got 4',
    );
  });

  it('asks for --outages with --sweep, and says which trace it cannot read', async () => {
    const sweep = await runCli(['replay', file('trace.csv'), '--sweep'], { unreachable });
    const missing = await runCli(['replay', file('nope.csv')], { unreachable });

    expect(sweep.code).toBe(1);
    expect(sweep.stderr).toContain('carrier-failover: --sweep needs --outages OUTAGES.csv');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/carrier-failover: cannot read the trace .*nope\.csv: no such file/);
  });
});
