import { type CarrierRunFacts, carrierRow } from '../../bench/scale/scale-figures';
import type { Carrier } from '../../lambdas/ports/carriers';
import type { IncidentRoute } from '../../lambdas/ports/incidents';
import type { RequestLogEntry } from '../../lib/developer/carrier-fakes/fake-carrier-messages';

const KILL = 1_000_000;
const URL = '/v1/Trunks/TK1/OriginationUrls/OU1';

function entry(
  at: number,
  method: string,
  status: number,
  fault?: RequestLogEntry['fault'],
): RequestLogEntry {
  return { method, path: URL, query: {}, body: '', status, fault, applied: [], write: false, at };
}

/** A Twilio switch row whose outage-time requests are `requests`. */
function switchRow(requests: RequestLogEntry[]) {
  const facts: CarrierRunFacts = {
    numbers: 2,
    carrier: 'twilio',
    configuredMode: 'switch',
    slowMode: 'per-number',
    route: {
      carrier: 'twilio',
      mode: 'switch',
      state: 'switched',
      covered: 2,
      uncovered: [],
      at: KILL,
    } as IncidentRoute,
    adapter: { name: 'twilio' } as Carrier,
    rateLimitPerSecond: 100,
    carrierFaultRate: 0.3,
    settings: {
      probeIntervalSeconds: 10,
      failuresToTrip: 3,
      quorum: 2,
      probeTimeoutMs: 2_000,
    } as CarrierRunFacts['settings'],
    carrierNumbers: ['+15550000001', '+15550000002'],
    destinations: [2],
    requests,
    killAt: KILL,
    reachedAtKill: new Set(),
    lost: new Set(),
  };
  return carrierRow(facts);
}

describe('scale figures: route writes of a switch', () => {
  it('does not count a write whose connection was reset (status 0, never reached the carrier) as applied', () => {
    const row = switchRow([
      entry(KILL + 40_000, 'GET', 200),
      entry(KILL + 40_100, 'POST', 0, 'connection-reset'),
      entry(KILL + 40_200, 'GET', 200),
      entry(KILL + 40_900, 'POST', 200),
    ]);

    expect(row.appliedTwice).toBe(0);
    expect(row.killToReachableMs).toBe(40_900);
  });

  it('counts a write the carrier applied and answered with a 500, and one more after it, as applied twice', () => {
    const row = switchRow([
      entry(KILL + 40_100, 'POST', 500, 'accepted-then-500'),
      entry(KILL + 40_900, 'POST', 200),
    ]);

    expect(row.appliedTwice).toBe(1);
  });

  it('does not count a 503 the carrier answered without applying it', () => {
    const row = switchRow([entry(KILL + 40_100, 'POST', 503, 'http-503'), entry(KILL + 40_900, 'POST', 200)]);

    expect(row.appliedTwice).toBe(0);
  });
});
