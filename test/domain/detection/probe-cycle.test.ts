import { DynamoDbObservationStore } from '../../../lambdas/adapters/dynamodb/observation-store';
import { DynamoDbSiteHealthStore } from '../../../lambdas/adapters/dynamodb/site-health-store';
import { probeSite } from '../../../lambdas/adapters/probes/probe-site';
import type { DetectionSettings, Site } from '../../../lambdas/contracts/config/schema';
import { ConcurrentModificationError } from '../../../lambdas/contracts/errors';
import { initialSiteHealthState, outageKey } from '../../../lambdas/domain/detection/decide-site-health';
import { ProbeCycle, type ProbeCycleDependencies } from '../../../lambdas/domain/detection/probe-cycle';
import type { Clock } from '../../../lambdas/ports/clock';
import type {
  Observation,
  ProbeSiteFn,
  SiteHealthStore,
  SiteRecovery,
  SiteTrip,
} from '../../../lambdas/ports/detection';
import { SipResponder } from '../../../lib/developer/drill/sip-responder';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../../lib/developer/far-side/local-incident-table';

/** Incident morning, 04:45 EST, on a minute boundary. */
const T0 = Date.UTC(2022, 7, 12, 8, 45, 0);
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];
const SETTINGS: DetectionSettings = {
  probeIntervalSeconds: 10,
  failuresToTrip: 3,
  quorum: 2,
  recoveryHoldMinutes: 1,
  probeTimeoutMs: 500,
  controlTargets: [],
};

/** Time that moves only when told; `sleep` advances it instead of waiting. */
class FakeClock implements Clock {
  constructor(public nowMs: number) {}
  now(): number {
    return this.nowMs;
  }
  async sleep(ms: number): Promise<void> {
    this.nowMs += ms;
  }
}

function siteAt(port: number): Site {
  return {
    id: 'pbx-east',
    role: 'primary',
    sip: [{ host: '127.0.0.1', port, transport: 'udp', healthyCodes: [] }],
    http: [],
    calls: [],
  };
}

/** A probe that needs no network: the site answers as `isUp(region, at)` says. */
function scriptedProbe(isUp: (region: string, at: number) => boolean): ProbeSiteFn {
  return async (site, round) => [
    {
      siteId: site.id,
      region: round.region,
      at: round.at,
      endpoint: 'sip:udp:sbc.test:5060',
      ok: isUp(round.region, round.at),
      latencyMs: 1,
      reason: isUp(round.region, round.at) ? 'SIP 200 OK' : 'SIP 503 Service Unavailable',
    },
  ];
}

describe('ProbeCycle', () => {
  let table: LocalIncidentTable;

  beforeEach(async () => {
    table = await startLocalIncidentTable();
  });

  afterEach(async () => {
    await table.stop();
  });

  function cycleFor(
    overrides: Partial<ProbeCycleDependencies> & Pick<ProbeCycleDependencies, 'region' | 'clock'>,
  ) {
    return new ProbeCycle({
      sites: [siteAt(5060)],
      probeSite: scriptedProbe(() => true),
      observations: new DynamoDbObservationStore({
        client: table.documentClient,
        tableName: table.observationTableName,
      }),
      siteHealth: new DynamoDbSiteHealthStore(table.documentClient, table.tableName),
      settings: SETTINGS,
      regions: REGIONS,
      onTrip: async () => {},
      ...overrides,
    });
  }

  it('lets three regions sharing one table see the same outage and derive the same idempotency key', async () => {
    const responder = await SipResponder.start({ mode: 200 });
    try {
      const site = siteAt(responder.port);
      const clock = new FakeClock(T0);
      const trips: Record<string, SiteTrip[]> = {};
      const recoveries: Record<string, SiteRecovery[]> = {};
      const cycles = REGIONS.map((region) =>
        cycleFor({
          region,
          clock,
          sites: [site],
          // A real probe on a shared, busy machine: a generous timeout, so load never reads as an outage.
          probeSite: (s, round) => probeSite(s, round, { timeoutMs: 5_000 }),
          onTrip: async (trip) => {
            trips[region] = [...(trips[region] ?? []), trip];
          },
          onRecovered: async (recovery) => {
            recoveries[region] = [...(recoveries[region] ?? []), recovery];
          },
        }),
      );
      // Regions probe 250 ms apart and take turns going first, as independent Lambdas would.
      const runStep = async (step: number) => {
        for (let k = 0; k < REGIONS.length; k++) {
          const index = (step + k) % REGIONS.length;
          clock.nowMs = T0 + step * 10_000 + index * 250;
          await cycles[index].runRound();
        }
      };

      for (let step = 0; step < 3; step++) await runStep(step);
      await responder.setMode(503); // up but out of sync
      for (let step = 3; step < 12; step++) await runStep(step);
      await responder.setMode(200);
      for (let step = 12; step < 24; step++) await runStep(step);

      // The first failed round was us-east-1's at step 3; the quorum completed with us-west-2's at step 5.
      const outageStartedAt = T0 + 30_000;
      const expectedTrip: SiteTrip = {
        kind: 'tripped',
        siteId: 'pbx-east',
        at: T0 + 50_250,
        outageStartedAt,
        idempotencyKey: outageKey('pbx-east', outageStartedAt),
        regions: ['us-east-1', 'us-west-2'],
        reasons: {
          'us-east-1': `sip:udp:127.0.0.1:${responder.port}: SIP 503 Service Unavailable`,
          'us-west-2': `sip:udp:127.0.0.1:${responder.port}: SIP 503 Service Unavailable`,
        },
      };
      expect(trips).toEqual({
        'us-east-1': [expectedTrip],
        'us-west-2': [expectedTrip],
        'eu-west-1': [expectedTrip],
      });
      // Healthy quorum from us-west-2's first good round (step 12, +250 ms), held for a minute.
      const recoveryKeys = REGIONS.map((region) => recoveries[region]?.map((r) => [r.idempotencyKey, r.at]));
      expect(recoveryKeys).toEqual(REGIONS.map(() => [[expectedTrip.idempotencyKey, T0 + 120_250 + 60_000]]));
      const observations = await new DynamoDbObservationStore({
        client: table.documentClient,
        tableName: table.observationTableName,
      }).list('pbx-east', 'eu-west-1', T0, T0 + 1_000_000);
      expect(observations).toHaveLength(24);
      expect(observations[3]).toMatchObject({
        endpoint: `sip:udp:127.0.0.1:${responder.port}`,
        at: T0 + 30_500,
        ok: false,
        reason: 'SIP 503 Service Unavailable',
      });
    } finally {
      await responder.close();
    }
  });

  it('does not trip when only one region sees the site fail', async () => {
    const clock = new FakeClock(T0);
    let tripCount = 0;
    const cycles = REGIONS.map((region) =>
      cycleFor({
        region,
        clock,
        probeSite: scriptedProbe((r) => r !== 'us-east-1'),
        onTrip: async () => {
          tripCount++;
        },
      }),
    );

    for (let step = 0; step < 20; step++) {
      clock.nowMs = T0 + step * 10_000;
      for (const cycle of cycles) await cycle.runRound();
    }

    expect(tripCount).toBe(0);
  });

  it('announces a trip again in the next round when the callback failed, and then never again', async () => {
    const clock = new FakeClock(T0);
    const calls: string[] = [];
    const cycle = cycleFor({
      region: 'us-east-1',
      regions: ['us-east-1'],
      settings: { ...SETTINGS, quorum: 1 },
      clock,
      probeSite: scriptedProbe(() => false),
      onTrip: async (trip) => {
        calls.push(trip.idempotencyKey);
        if (calls.length === 1) throw new Error('Lambda invoke throttled');
      },
    });

    const outcomes = [];
    for (let step = 0; step < 8; step++) {
      clock.nowMs = T0 + step * 10_000;
      outcomes.push((await cycle.runRound()).sites[0]);
    }

    expect(calls).toEqual([outageKey('pbx-east', T0), outageKey('pbx-east', T0)]);
    expect(outcomes.filter((o) => o.error !== undefined).map((o) => (o.error as Error).message)).toEqual([
      'Lambda invoke throttled',
    ]);
  });

  it('announces a trip once when two runs of one region overlap', async () => {
    const observations = new DynamoDbObservationStore({
      client: table.documentClient,
      tableName: table.observationTableName,
    });
    const failing: Observation[] = [0, 10_000, 20_000].map((offset) => ({
      siteId: 'pbx-east',
      region: 'us-east-1',
      at: T0 + offset,
      endpoint: 'sip:udp:sbc.test:5060',
      ok: false,
      reason: 'timeout after 500 ms',
    }));
    await observations.record(failing);
    const clock = new FakeClock(T0 + 30_000);
    let tripCount = 0;
    let lostWrites = 0;
    const store = new DynamoDbSiteHealthStore(table.documentClient, table.tableName);
    const siteHealth: SiteHealthStore = {
      get: (siteId, region) => store.get(siteId, region),
      put: (...args) =>
        store.put(...args).catch((error) => {
          lostWrites++;
          throw error;
        }),
    };
    const overlapping = [1, 2].map(() =>
      cycleFor({
        region: 'us-east-1',
        regions: ['us-east-1'],
        settings: { ...SETTINGS, quorum: 1 },
        siteHealth,
        clock,
        onTrip: async () => {
          tripCount++;
        },
      }),
    );

    const first = await Promise.all(overlapping.map((cycle) => cycle.decideSite(siteAt(5060))));
    clock.nowMs += 60_000;
    await Promise.all(overlapping.map((cycle) => cycle.decideSite(siteAt(5060))));

    expect(first.map((o) => o.error)).toEqual([undefined, undefined]);
    expect(lostWrites).toBeGreaterThan(0); // the runs really raced
    expect(tripCount).toBe(1);
  });

  it('runs rounds on probe-interval boundaries until the deadline', async () => {
    const clock = new FakeClock(T0 + 300);
    const cycle = cycleFor({ region: 'us-east-1', clock });

    const reports = await cycle.run(T0 + 60_000);

    expect(reports.map((r) => r.at - T0)).toEqual([300, 10_000, 20_000, 30_000, 40_000, 50_000]);
  });

  it('reports a failing store per site and carries on with the next round', async () => {
    const clock = new FakeClock(T0);
    const cycle = cycleFor({
      region: 'us-east-1',
      clock,
      observations: {
        record: async () => {
          throw new Error('ProvisionedThroughputExceededException');
        },
        list: async () => [],
      },
    });

    const reports = await cycle.run(T0 + 20_000);

    expect(reports).toHaveLength(2);
    expect(
      reports.every((r) => (r.sites[0].error as Error).message === 'ProvisionedThroughputExceededException'),
    ).toBe(true);
  });
});

describe('DynamoDbSiteHealthStore', () => {
  let table: LocalIncidentTable;

  beforeEach(async () => {
    table = await startLocalIncidentTable();
  });

  afterEach(async () => {
    await table.stop();
  });

  it('creates a record, then only accepts writes that name its current version', async () => {
    const store = new DynamoDbSiteHealthStore(table.documentClient, table.tableName);
    const record = { state: initialSiteHealthState('pbx-east'), unannounced: [] };

    const created = await store.put('pbx-east', 'us-east-1', record, undefined);
    const updated = await store.put('pbx-east', 'us-east-1', record, created);

    expect([created, updated]).toEqual([1, 2]);
    await expect(store.put('pbx-east', 'us-east-1', record, undefined)).rejects.toThrow(
      ConcurrentModificationError,
    );
    await expect(store.put('pbx-east', 'us-east-1', record, 1)).rejects.toThrow(ConcurrentModificationError);
    expect(await store.get('pbx-east', 'us-east-1')).toEqual({ ...record, version: 2 });
    expect(await store.get('pbx-east', 'us-west-2')).toBeUndefined();
  });
});
