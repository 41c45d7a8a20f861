import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDbObservationStore } from '../../../lambdas/adapters/dynamodb/observation-store';
import type { Observation } from '../../../lambdas/ports/detection';
import type { LocalIncidentTable } from '../../../lib/developer/far-side/local-incident-table';
import { parseTrace, traceHeader } from '../../../lib/operator/replay/trace-format';
import { formatTraceTime } from '../../../lib/operator/replay/trace-time';
import { closedLoopbackUrl, hasStackTrace, runCli } from './support/cli-process';
import { startExampleIncidentTable } from './support/incident-table';

const DAY_MS = 86_400_000;
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'];
const SBC_UDP = 'sip:udp:sbc1.phx.example.net:5060';
const SBC_TLS = 'sip:tls:sbc1.phx.example.net:5061';
const PORTAL = 'https://portal.phx.example.net/health';
/** The last midnight (UTC), so the rounds are inside the probes' 35-day retention. */
const MIDNIGHT = Math.floor(Date.now() / DAY_MS) * DAY_MS;
/** Twelve rounds from a minute before midnight, so the export's day-by-day reads cut through them. */
const FIRST_ROUND = MIDNIGHT - 60_000;

/**
 * One round of the example's phx-primary from one region, as the probe stores it. From the 7th round
 * on, us-east-1 and us-east-2 see every SIP endpoint fail (the site is down for them); us-west-2's
 * TLS endpoint fails alone in one round (degraded, not down).
 */
function round(region: string, step: number): Observation[] {
  const at = FIRST_ROUND + step * 10_000 + REGIONS.indexOf(region) * 7;
  const down = step >= 6 && region !== 'us-west-2';
  const tlsDown = down || (region === 'us-west-2' && step === 3);
  return [
    {
      siteId: 'phx-primary',
      region,
      at,
      endpoint: SBC_UDP,
      ok: !down,
      ...(down ? { reason: 'timeout after 2000 ms' } : { latencyMs: 30 + step }),
    },
    {
      siteId: 'phx-primary',
      region,
      at,
      endpoint: SBC_TLS,
      ok: !tlsDown,
      ...(tlsDown ? { reason: 'SIP 503 Service Unavailable', latencyMs: 12 } : { latencyMs: 45 }),
    },
    { siteId: 'phx-primary', region, at, endpoint: PORTAL, ok: true, latencyMs: 120 },
  ];
}

describe('carrier-failover observations export', () => {
  let table: LocalIncidentTable;
  let unreachable: string;
  let directory: string;
  const env = () => ({ AWS_ENDPOINT_URL_DYNAMODB: table.endpoint });
  const range = ['--from', formatTraceTime(MIDNIGHT - DAY_MS), '--to', formatTraceTime(MIDNIGHT + 60_000)];

  beforeAll(async () => {
    unreachable = await closedLoopbackUrl();
    directory = mkdtempSync(join(tmpdir(), 'export-cli-'));
    table = await startExampleIncidentTable();
    const store = new DynamoDbObservationStore({
      client: table.documentClient,
      tableName: table.observationTableName,
    });
    for (const region of REGIONS) {
      for (let step = 0; step < 12; step++) await store.record(round(region, step));
    }
    await store.record([
      {
        siteId: 'dal-standby',
        region: 'us-east-1',
        at: FIRST_ROUND,
        endpoint: 'sip:udp:sbc1.dal.example.net:5060',
        ok: true,
      },
    ]);
  });

  afterAll(async () => {
    await table.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it("writes every region's rounds of the site as a trace, one judged line per round, sorted by time", async () => {
    const run = await runCli(['observations', 'export', '--site', 'phx-primary', ...range], {
      unreachable,
      env: env(),
    });

    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(`${lines[0]}\n`).toBe(traceHeader({ calls: true }));
    expect(lines).toHaveLength(1 + 36 + 1);
    expect(lines[1]).toBe(`${formatTraceTime(FIRST_ROUND)},us-east-1,phx-primary,1,120,,,,`);
    expect(lines[1 + 3 * 3 + 2]).toBe(
      `${formatTraceTime(FIRST_ROUND + 30_014)},us-west-2,phx-primary,1,120,,,${SBC_TLS},degraded: ${SBC_TLS}: SIP 503 Service Unavailable`,
    );
    expect(lines[1 + 6 * 3]).toBe(
      `${formatTraceTime(MIDNIGHT)},us-east-1,phx-primary,0,120,,,${SBC_TLS} ${SBC_UDP},${SBC_TLS}: SIP 503 Service Unavailable; ${SBC_UDP}: timeout after 2000 ms`,
    );
    const trace = parseTrace(run.stdout, 'export.csv');
    expect(trace.problemCount).toBe(0);
    expect(trace.observations.map((o) => o.at)).toEqual(
      [...trace.observations.map((o) => o.at)].sort((a, b) => a - b),
    );
    expect(trace.sites).toEqual(['phx-primary']);
    expect(run.stderr).toContain('Exported 36 rounds of phx-primary from us-east-1, us-east-2, us-west-2');
  });

  it('exports a trace that replay decides as the probes did', async () => {
    const exported = await runCli(['observations', 'export', '--site', 'phx-primary', ...range], {
      unreachable,
      env: env(),
    });
    writeFileSync(join(directory, 'export.csv'), exported.stdout);

    const run = await runCli(['replay', join(directory, 'export.csv'), '--json'], { unreachable });

    expect(run.code).toBe(0);
    expect(run.json<{ trips: unknown[] }>().trips).toEqual([
      {
        site: 'phx-primary',
        trippedAt: formatTraceTime(MIDNIGHT + 20_007),
        recoveredAt: null,
        regions: ['us-east-1', 'us-east-2'],
        outageStartedAt: formatTraceTime(MIDNIGHT),
      },
    ]);
  });

  it('refuses a bad time range, naming each flag', async () => {
    const run = await runCli(
      [
        'observations',
        'export',
        '--site',
        'phx-primary',
        '--from',
        'last week',
        '--to',
        '2026-11-01T00:00:00+02:00',
      ],
      { unreachable, env: env() },
    );
    const backwards = await runCli(
      [
        'observations',
        'export',
        '--site',
        'phx-primary',
        '--from',
        formatTraceTime(MIDNIGHT),
        '--to',
        formatTraceTime(MIDNIGHT - 1),
      ],
      { unreachable, env: env() },
    );

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      '  - --from: expected an ISO 8601 UTC time such as 2026-11-01T00:00:10Z or epoch milliseconds, got "last week"',
    );
    expect(run.stderr).toContain(
      '  - --to: expected an ISO 8601 UTC time such as 2026-11-01T00:00:10Z or epoch milliseconds (a time in UTC, not at offset +02:00)',
    );
    expect(backwards.code).toBe(1);
    expect(backwards.stderr).toContain('  - --to: expected a time after --from');
    expect(run.stdout).toBe('');
  });

  it('exits 2 for an unknown site and 1 for --json, writing no CSV', async () => {
    const unknown = await runCli(['observations', 'export', '--site', 'nyc-primary', ...range], {
      unreachable,
      env: env(),
    });
    const json = await runCli(['observations', 'export', '--site', 'phx-primary', ...range, '--json'], {
      unreachable,
      env: env(),
    });

    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown site "nyc-primary"');
    expect(unknown.stdout).toBe('');
    expect(json.code).toBe(1);
    expect(json.json()).toMatchObject({
      ok: false,
      error: expect.stringContaining('writes the trace as CSV on stdout'),
    });
    expect(hasStackTrace(json.stderr)).toBe(false);
  });

  it('exits 3 when no region answers', async () => {
    const run = await runCli(['observations', 'export', '--site', 'phx-primary', ...range], { unreachable });

    expect(run.code).toBe(3);
    expect(run.stderr).toContain('no region answered for DynamoDB');
    expect(run.stdout).toBe('');
  });
});
