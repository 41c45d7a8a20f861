import { createCarrierAccess } from '../../lambdas/adapters/carriers/carrier-access';
import { EnvironmentCredentialSource } from '../../lambdas/adapters/carriers/credentials';
import { DynamoDbRoutingBaselineStore } from '../../lambdas/adapters/dynamodb/routing-baseline-store';
import { seededRandom } from '../../lambdas/adapters/local/seeded-random';
import {
  BASELINE_FRESH_FOR_MS,
  OUT_OF_TIME,
  type RoutingBaselineRefreshInput,
  refreshRoutingBaseline,
} from '../../lambdas/composition/routing-baseline-refresh';
import type { CarrierName } from '../../lambdas/contracts/config/schema';
import { CarrierAuthError } from '../../lambdas/contracts/errors';
import type { RoutingBaselineStore } from '../../lambdas/ports/routing-baseline';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../lib/developer/far-side/local-incident-table';
import { FakeClock } from '../domain/forwarding/fake-clock';
import {
  PRACTICE_CARRIERS,
  type PracticeDeployment,
  startPracticeDeployment,
} from '../support/practice-deployment';

const T0 = Date.UTC(2026, 10, 24, 3, 0, 0);
const HOUR = 60 * 60 * 1000;

describe('refreshRoutingBaseline', () => {
  let deployment: PracticeDeployment;
  let table: LocalIncidentTable;
  let store: DynamoDbRoutingBaselineStore;

  const access = () =>
    createCarrierAccess(deployment.config.carriers, new EnvironmentCredentialSource(deployment.credentials), {
      pollIntervalMs: 10,
    });
  const requestsAt = () =>
    Object.fromEntries(
      PRACTICE_CARRIERS.map((name) => [name, deployment.carriers.requestCountOf(name)]),
    ) as Record<CarrierName, number>;
  const refresh = (overrides: Partial<RoutingBaselineRefreshInput> = {}) => {
    const carriers = access();
    return refreshRoutingBaseline({
      plan: deployment.plan,
      carriers: deployment.config.carriers,
      open: (name) => carriers.open(name),
      store,
      clock: new FakeClock(T0),
      random: seededRandom(11),
      ...overrides,
    });
  };

  beforeEach(async () => {
    deployment = await startPracticeDeployment();
    table = await startLocalIncidentTable();
    store = new DynamoDbRoutingBaselineStore(table.documentClient, table.tableName);
  });
  afterEach(async () => {
    await deployment.carriers.stop();
    await table.stop();
  });

  it("reads every carrier's plan numbers of the site and keeps exactly what each carrier says", async () => {
    const before = requestsAt();

    const summaries = await refresh();

    const after = requestsAt();
    expect(
      summaries.map(({ site, carrier, numbers, read, unread, stored }) => [
        site,
        carrier,
        numbers,
        read,
        unread,
        stored,
      ]),
    ).toEqual(
      PRACTICE_CARRIERS.map((carrier) => {
        const count = deployment.plan.filter((entry) => entry.carrier === carrier).length;
        return ['phx-primary', carrier, count, count, [], true];
      }),
    );
    for (const summary of summaries) {
      // Each request counted was one the fake received.
      expect(summary.requests).toBeGreaterThan(0);
      expect(summary.requests).toBe(after[summary.carrier] - before[summary.carrier]);
    }
    const baseline = await store.load('phx-primary');
    expect(baseline.size).toBe(deployment.plan.length);
    const carriers = access();
    for (const entry of deployment.plan) {
      const routing = await (await carriers.open(entry.carrier)).readRouting(entry.number);
      expect(baseline.get(entry.number)).toEqual({ snapshot: routing, readAt: T0 });
    }
    expect(deployment.carriers.violations()).toEqual([]);
  });

  it('leaves a carrier alone while its baseline is younger than 20 h, and reads it again after', async () => {
    await refresh();
    const before = requestsAt();

    const fresh = await refresh({
      clock: new FakeClock(T0 + 19 * HOUR),
      skipFresherThanMs: BASELINE_FRESH_FOR_MS,
    });

    expect(requestsAt()).toEqual(before);
    expect(
      fresh.map(({ read, requests, stored, freshSince }) => [read, requests, stored, freshSince]),
    ).toEqual(PRACTICE_CARRIERS.map(() => [0, 0, false, T0]));

    const stale = await refresh({
      clock: new FakeClock(T0 + 21 * HOUR),
      skipFresherThanMs: BASELINE_FRESH_FOR_MS,
    });

    expect(stale.every((summary) => summary.stored && summary.read === summary.numbers)).toBe(true);
    const baseline = await store.load('phx-primary');
    expect([...baseline.values()].every((entry) => entry.readAt === T0 + 21 * HOUR)).toBe(true);
  });

  it('reports a carrier that cannot be opened with all its numbers unread, and still keeps the others', async () => {
    const carriers = access();
    const summaries = await refresh({
      open: async (name) => {
        if (name === 'twilio') throw new CarrierAuthError('twilio', 'credentials rejected (HTTP 401)');
        return carriers.open(name);
      },
    });

    const twilio = summaries.find((summary) => summary.carrier === 'twilio')!;
    expect(twilio).toMatchObject({ read: 0, requests: 0, stored: false });
    expect(twilio.error).toContain('credentials rejected');
    expect(twilio.unread).toHaveLength(twilio.numbers);
    const baseline = await store.load('phx-primary');
    const stored = new Set([...baseline.values()].map((entry) => entry.snapshot.carrier));
    expect(stored).toEqual(new Set(['telnyx', 'bandwidth']));
  });

  it('sends nothing once the deadline has passed, and keeps the earlier reading of what it did not read', async () => {
    await refresh();
    const before = requestsAt();
    const later = T0 + 30 * HOUR;

    const summaries = await refresh({ clock: new FakeClock(later), deadlineMs: later });

    expect(requestsAt()).toEqual(before);
    for (const summary of summaries) {
      expect(summary).toMatchObject({ read: 0, requests: 0, stored: true });
      expect(summary.unread).toHaveLength(summary.numbers);
      expect(summary.unread[0].reason).toContain(OUT_OF_TIME);
    }
    const baseline = await store.load('phx-primary');
    expect(baseline.size).toBe(deployment.plan.length);
    expect([...baseline.values()].every((entry) => entry.readAt === T0)).toBe(true);
  });

  it("reads only the chosen site's numbers, site by site", async () => {
    // Three Telnyx numbers move to a second site.
    const moved = deployment.plan.filter((entry) => entry.carrier === 'telnyx').slice(0, 3);
    const plan = deployment.plan.map((entry) =>
      moved.includes(entry) ? { ...entry, siteId: 'tus-primary' } : entry,
    );

    const one = await refresh({ plan, siteId: 'tus-primary' });
    const all = await refresh({ plan, clock: new FakeClock(T0 + HOUR) });

    expect(one.map(({ site, carrier, numbers, read }) => [site, carrier, numbers, read])).toEqual([
      ['tus-primary', 'telnyx', 3, 3],
    ]);
    // Sites in the plan's order (the moved numbers come first).
    expect(all.map(({ site, carrier }) => `${site} ${carrier}`)).toEqual([
      'tus-primary telnyx',
      'phx-primary telnyx',
      'phx-primary twilio',
      'phx-primary bandwidth',
    ]);
    expect([...(await store.load('tus-primary')).keys()].sort()).toEqual(
      moved.map((entry) => entry.number).sort(),
    );
  });

  it('says so when a reading could not be saved, and goes on with the other carriers', async () => {
    const failing: RoutingBaselineStore = {
      load: (site) => store.load(site),
      save: async (site, carrier, takenAt, entries) => {
        if (carrier === 'bandwidth') throw new Error('DynamoDB answered AccessDeniedException');
        await store.save(site, carrier, takenAt, entries);
      },
    };

    const summaries = await refresh({ store: failing });

    const bandwidth = summaries.find((summary) => summary.carrier === 'bandwidth')!;
    expect(bandwidth).toMatchObject({ stored: false, read: bandwidth.numbers });
    expect(bandwidth.error).toBe('the baseline could not be saved: DynamoDB answered AccessDeniedException');
    expect(summaries.filter((summary) => summary.stored).map((summary) => summary.carrier)).toEqual([
      'telnyx',
      'twilio',
    ]);
  });

  it('reads nothing of a site whose stored baseline cannot be read, naming why for every number', async () => {
    const before = requestsAt();
    const unreadable: RoutingBaselineStore = {
      load: async () => {
        throw new Error('no region answered for DynamoDB');
      },
      save: (site, carrier, takenAt, entries) => store.save(site, carrier, takenAt, entries),
    };

    const summaries = await refresh({ store: unreadable });

    expect(requestsAt()).toEqual(before);
    for (const summary of summaries) {
      expect(summary).toMatchObject({ read: 0, requests: 0, stored: false });
      expect(summary.error).toBe('the stored baseline could not be read: no region answered for DynamoDB');
      expect(summary.unread.map((item) => item.number).sort()).toEqual(
        deployment.plan
          .filter((entry) => entry.carrier === summary.carrier)
          .map((entry) => entry.number)
          .sort(),
      );
    }
  });

  it('leaves a site with an open incident alone: its numbers may be forwarded', async () => {
    const before = requestsAt();

    const summaries = await refresh({
      openIncidentOf: async (site) => (site === 'phx-primary' ? 'phx-primary-20261124T025930Z' : undefined),
    });

    expect(requestsAt()).toEqual(before);
    for (const summary of summaries) {
      expect(summary).toMatchObject({
        read: 0,
        requests: 0,
        stored: false,
        skipped: 'incident phx-primary-20261124T025930Z is open; its numbers may be forwarded',
      });
    }
    expect((await store.load('phx-primary')).size).toBe(0);
  });
});
