import { controlEndpointId, testCallEndpointId } from '../../../lambdas/contracts/endpoint-ids';
import type { Observation } from '../../../lambdas/ports/detection';
import { traceRowsFromObservations } from '../../../lib/operator/replay/observation-rounds';
import { prepareTrace, replayTrace } from '../../../lib/operator/replay/replay-trace';
import { formatTraceRow, parseTrace, traceHeader } from '../../../lib/operator/replay/trace-format';

const T = Date.UTC(2026, 10, 1, 0, 0, 10);
const SBC1 = 'sip:udp:sbc1.phx.example.net:5060';
const SBC2 = 'sip:tls:sbc1.phx.example.net:5061';
const PORTAL = 'https://portal.phx.example.net/health';
const CALL = testCallEndpointId({
  transport: 'udp',
  host: 'sbc1.phx.example.net',
  port: 5060,
  to: '+16025550199',
});
const SETTINGS = {
  probeIntervalSeconds: 10,
  failuresToTrip: 3,
  quorum: 2,
  recoveryHoldMinutes: 10,
  probeTimeoutMs: 2000,
};

function observation(
  region: string,
  at: number,
  endpoint: string,
  ok: boolean,
  latencyMs?: number,
  reason?: string,
): Observation {
  return {
    siteId: 'phx-primary',
    region,
    at,
    endpoint,
    ok,
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    ...(reason ? { reason } : {}),
  };
}

describe('traceRowsFromObservations', () => {
  it('writes one row per round, judged as the probe judges it, sorted by time then region', () => {
    const rows = traceRowsFromObservations([
      observation('us-east-2', T + 10_000, SBC1, false, undefined, 'timeout after 2000 ms'),
      observation('us-east-2', T + 10_000, SBC2, false, undefined, 'SIP 503 Service Unavailable'),
      observation('us-east-2', T + 10_000, PORTAL, true, 80),
      observation('us-east-1', T, SBC1, false, undefined, 'timeout after 2000 ms'),
      observation('us-east-1', T, SBC2, true, 41),
      observation('us-east-1', T, PORTAL, true, 95),
      observation('us-west-2', T, SBC1, true, 30),
      observation('us-west-2', T, SBC2, true, 35),
      observation('us-west-2', T, PORTAL, true, 60),
    ]);

    expect(rows).toEqual([
      {
        at: T,
        region: 'us-east-1',
        siteId: 'phx-primary',
        ok: true,
        latencyMs: 95,
        endpoint: SBC1,
        reason: `degraded: ${SBC1}: timeout after 2000 ms`,
      },
      { at: T, region: 'us-west-2', siteId: 'phx-primary', ok: true, latencyMs: 60 },
      {
        at: T + 10_000,
        region: 'us-east-2',
        siteId: 'phx-primary',
        ok: false,
        latencyMs: 80,
        endpoint: `${SBC1} ${SBC2}`,
        reason: `${SBC1}: timeout after 2000 ms; ${SBC2}: SIP 503 Service Unavailable`,
      },
    ]);
  });

  it('writes the control verdict of a round, and a blind round replays as an abstention', () => {
    const CONTROL = controlEndpointId('https://www.gstatic.com/generate_204');
    const blindRound = (region: string, at: number) => [
      observation(region, at, SBC1, false, undefined, 'timeout after 2000 ms'),
      observation(region, at, CONTROL, false, undefined, 'timeout after 2000 ms'),
    ];
    const observations = [0, 1, 2, 3, 4].flatMap((step) => [
      ...blindRound('us-east-1', T + step * 10_000),
      ...blindRound('us-east-2', T + step * 10_000),
      observation('us-west-2', T + step * 10_000, SBC1, true, 30),
      observation('us-west-2', T + step * 10_000, CONTROL, true, 12),
    ]);

    const rows = traceRowsFromObservations(observations);
    const trace = parseTrace(traceHeader() + rows.map((row) => formatTraceRow(row)).join(''), 'export.csv');
    const settings = SETTINGS;

    expect(rows.slice(0, 3).map((row) => [row.region, row.ok, row.control, row.latencyMs])).toEqual([
      ['us-east-1', false, false, undefined],
      ['us-east-2', false, false, undefined],
      ['us-west-2', true, true, 30],
    ]);
    expect(replayTrace(prepareTrace(trace.observations), settings).trips).toEqual([]);
  });

  it('writes the calls verdict of a round, its verdict without carrying, and the latency of OPTIONS and HTTP only', () => {
    const rows = traceRowsFromObservations([
      observation('us-east-1', T, SBC1, true, 30),
      observation('us-east-1', T, PORTAL, true, 95),
      observation('us-east-1', T, CALL, false, 1800, 'SIP 503 Service Unavailable'),
      observation('us-east-1', T + 10_000, SBC1, true, 31),
      observation('us-east-1', T + 10_000, PORTAL, true, 90),
      observation('us-east-2', T, SBC1, true, 35),
      observation('us-east-2', T, CALL, true, 2400),
    ]);

    expect(rows).toEqual([
      {
        at: T,
        region: 'us-east-1',
        siteId: 'phx-primary',
        ok: false,
        latencyMs: 95,
        calls: false,
        endpoint: CALL,
        reason: `${CALL}: SIP 503 Service Unavailable`,
      },
      { at: T, region: 'us-east-2', siteId: 'phx-primary', ok: true, latencyMs: 35, calls: true },
      // The round after the failed calls placed none: its own verdict, the replay carries the calls.
      { at: T + 10_000, region: 'us-east-1', siteId: 'phx-primary', ok: true, latencyMs: 90 },
    ]);
  });

  it('exports sparse failing calls that replay trips on, the rounds between carrying them', () => {
    // Two regions: OPTIONS and HTTP answer every round; a call every 3rd round fails from round 3 on.
    const observations = Array.from({ length: 30 }, (_, step) => T + step * 10_000).flatMap((at, step) =>
      ['us-east-1', 'us-east-2'].flatMap((region) => [
        observation(region, at, SBC1, true, 30),
        ...(step % 3 === 0
          ? [observation(region, at, CALL, step < 3, 1500, step < 3 ? undefined : 'SIP 503')]
          : []),
      ]),
    );

    const rows = traceRowsFromObservations(observations);
    const text =
      traceHeader({ calls: true }) + rows.map((row) => formatTraceRow(row, { calls: true })).join('');
    const trace = parseTrace(text, 'export.csv');

    expect(trace.problems).toEqual([]);
    expect(trace.observations.filter((o) => !o.ok)).toHaveLength(2 * 9);
    expect(replayTrace(prepareTrace(trace.observations), SETTINGS).trips).toEqual([
      {
        siteId: 'phx-primary',
        trippedAt: T + 9 * 10_000,
        recoveredAt: null,
        regions: ['us-east-1', 'us-east-2'],
        outageStartedAt: T + 3 * 10_000,
      },
    ]);
  });
});
