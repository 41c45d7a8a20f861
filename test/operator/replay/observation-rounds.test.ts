import { controlEndpointId } from '../../../lambdas/contracts/endpoint-ids';
import type { Observation } from '../../../lambdas/ports/detection';
import { traceRowsFromObservations } from '../../../lib/operator/replay/observation-rounds';
import { prepareTrace, replayTrace } from '../../../lib/operator/replay/replay-trace';
import { formatTraceRow, parseTrace, traceHeader } from '../../../lib/operator/replay/trace-format';

const T = Date.UTC(2026, 10, 1, 0, 0, 10);
const SBC1 = 'sip:udp:sbc1.phx.example.net:5060';
const SBC2 = 'sip:tls:sbc1.phx.example.net:5061';
const PORTAL = 'https://portal.phx.example.net/health';

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
    const trace = parseTrace(traceHeader() + rows.map(formatTraceRow).join(''), 'export.csv');
    const settings = {
      probeIntervalSeconds: 10,
      failuresToTrip: 3,
      quorum: 2,
      recoveryHoldMinutes: 10,
      probeTimeoutMs: 2000,
    };

    expect(rows.slice(0, 3).map((row) => [row.region, row.ok, row.control, row.latencyMs])).toEqual([
      ['us-east-1', false, false, undefined],
      ['us-east-2', false, false, undefined],
      ['us-west-2', true, true, 30],
    ]);
    expect(replayTrace(prepareTrace(trace.observations), settings).trips).toEqual([]);
  });
});
