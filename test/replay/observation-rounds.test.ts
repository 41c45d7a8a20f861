import type { Observation } from '../../lambdas/ports';
import { traceRowsFromObservations } from '../../lib/replay/observation-rounds';

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
});
