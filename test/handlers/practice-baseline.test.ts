/**
 * The practice function's routing baseline: refreshed after the weekly practice, and on the daily
 * read (`{"action": "refresh-baseline"}`) in any region unless younger than 20 hours; with the real
 * adapters against the carrier fakes and the baseline store on dynalite.
 */
import { createCarrierAccess } from '../../lambdas/adapters/carriers/carrier-access';
import { EnvironmentCredentialSource } from '../../lambdas/adapters/carriers/credentials';
import { DynamoDbForwardingStateStore } from '../../lambdas/adapters/dynamodb/forwarding-state-store';
import { DynamoDbIncidentStore } from '../../lambdas/adapters/dynamodb/incident-store';
import { DynamoDbRoutingBaselineStore } from '../../lambdas/adapters/dynamodb/routing-baseline-store';
import { seededRandom } from '../../lambdas/adapters/local/seeded-random';
import { OUT_OF_TIME } from '../../lambdas/composition/routing-baseline-refresh';
import { DAILY_BASELINE_EVENT } from '../../lambdas/contracts/events/practice-event';
import { practiceRegionOfWeek } from '../../lambdas/domain/practice/practice-schedule';
import { handlePracticeEvent, type PracticeDependencies } from '../../lambdas/handlers/practice';
import type { Alert } from '../../lambdas/ports/alerts';
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

const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'];
/** A Tuesday 15:00 UTC (the weekly practice) and the next day's 03:00 UTC (the daily read). */
const PRACTICE_AT = Date.UTC(2026, 10, 24, 15, 0, 0);
const DAILY_AT = Date.UTC(2026, 10, 25, 3, 0, 0);
const HOUR = 60 * 60 * 1000;
const PRACTICING = practiceRegionOfWeek(PRACTICE_AT, REGIONS) as string;
const SCHEDULED = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
const context = { awsRequestId: 'req-baseline-1', getRemainingTimeInMillis: () => 600_000 };

describe('practice handler: the routing baseline', () => {
  let deployment: PracticeDeployment;
  let table: LocalIncidentTable;
  let spies: jest.SpyInstance[];
  const store = () => new DynamoDbRoutingBaselineStore(table.documentClient, table.tableName);
  const incidents = () => new DynamoDbIncidentStore(table.documentClient, table.tableName);
  const planRequests = () => deployment.carriers.requestCount();

  function dependencies(at: number, region = PRACTICING): PracticeDependencies {
    const alerts: Alert[] = [];
    return {
      files: { config: deployment.config, plan: deployment.plan },
      incidents: incidents(),
      numbers: new DynamoDbForwardingStateStore(table.documentClient, table.tableName),
      notifier: { publish: async (alert) => void alerts.push(alert) },
      access: createCarrierAccess(
        deployment.config.carriers,
        new EnvironmentCredentialSource(deployment.credentials),
        { pollIntervalMs: 10 },
      ),
      orchestrators: [],
      alertTopics: [{ region, subscriptions: async () => [{ protocol: 'email', confirmed: true }] }],
      baseline: store(),
      clock: new FakeClock(at),
      random: seededRandom(5),
      region,
      regions: REGIONS,
    };
  }

  beforeEach(async () => {
    deployment = await startPracticeDeployment();
    table = await startLocalIncidentTable();
    // Powertools logs to stdout/stderr: keep the test output readable.
    spies = [process.stdout, process.stderr].map((stream) =>
      jest.spyOn(stream, 'write').mockImplementation(() => true),
    );
  });

  afterEach(async () => {
    for (const spy of spies) spy.mockRestore();
    await deployment.carriers.stop();
    await table.stop();
  });

  it('refreshes the baseline of every plan number after the weekly practice', async () => {
    const result = await handlePracticeEvent(SCHEDULED, context, dependencies(PRACTICE_AT));

    expect(result).toMatchObject({ status: 'passed' });
    const rows = result.status === 'passed' ? result.baseline : [];
    expect(
      rows.map(({ site, carrier, read, unread, stored }) => [site, carrier, read, unread, stored]),
    ).toEqual(
      PRACTICE_CARRIERS.map((carrier) => [
        'phx-primary',
        carrier,
        deployment.plan.filter((entry) => entry.carrier === carrier).length,
        0,
        true,
      ]),
    );
    const baseline = await store().load('phx-primary');
    expect([...baseline.keys()].sort()).toEqual(deployment.plan.map((entry) => entry.number).sort());
    // The canaries are not plan numbers: never part of the baseline.
    expect(baseline.has('+16025559900')).toBe(false);
    expect(deployment.carriers.violations()).toEqual([]);
  });

  it('reads only the practised carrier after a practice of one carrier', async () => {
    const result = await handlePracticeEvent(
      { action: 'practice', carrier: 'twilio', force: true },
      context,
      dependencies(PRACTICE_AT),
    );

    expect(result.status === 'passed' && result.baseline.map((row) => row.carrier)).toEqual(['twilio']);
    const carriers = new Set(
      [...(await store().load('phx-primary')).values()].map((e) => e.snapshot.carrier),
    );
    expect(carriers).toEqual(new Set(['twilio']));
  });

  it('reads on the daily schedule in any region, and the next regions an hour later leave it alone', async () => {
    const [first, second, third] = REGIONS;

    const read = await handlePracticeEvent(DAILY_BASELINE_EVENT, context, dependencies(DAILY_AT, first));
    const requests = planRequests();
    const later = await Promise.all([
      handlePracticeEvent(DAILY_BASELINE_EVENT, context, dependencies(DAILY_AT + HOUR, second)),
      handlePracticeEvent(DAILY_BASELINE_EVENT, context, dependencies(DAILY_AT + 2 * HOUR, third)),
    ]);

    expect(read).toMatchObject({ status: 'baseline' });
    expect(read.status === 'baseline' && read.baseline.every((row) => row.stored && row.unread === 0)).toBe(
      true,
    );
    expect(planRequests()).toBe(requests);
    for (const result of later) {
      expect(
        result.status === 'baseline' && result.baseline.map((row) => [row.stored, row.freshSince]),
      ).toEqual(PRACTICE_CARRIERS.map(() => [false, DAILY_AT]));
    }
    // No incident of any kind: the daily read is not a practice.
    expect(await incidents().listBySite('practice')).toEqual([]);
  });

  it('takes over the next day when the region that read last is down, and reads a fresh one when forced', async () => {
    await handlePracticeEvent(DAILY_BASELINE_EVENT, context, dependencies(DAILY_AT, REGIONS[0]));

    // The first region is down the next day: the second's turn comes 25 h after the last read.
    const takeover = await handlePracticeEvent(
      DAILY_BASELINE_EVENT,
      context,
      dependencies(DAILY_AT + 25 * HOUR, REGIONS[1]),
    );
    const before = planRequests();
    const forced = await handlePracticeEvent(
      { action: 'refresh-baseline', site: 'phx-primary', force: true },
      context,
      dependencies(DAILY_AT + 26 * HOUR, REGIONS[2]),
    );

    expect(takeover.status === 'baseline' && takeover.baseline.every((row) => row.stored)).toBe(true);
    expect(forced.status === 'baseline' && forced.baseline.every((row) => row.stored)).toBe(true);
    expect(planRequests()).toBeGreaterThan(before);
    const baseline = await store().load('phx-primary');
    expect([...baseline.values()].every((entry) => entry.readAt === DAILY_AT + 26 * HOUR)).toBe(true);
  });

  it('leaves a site with an open incident alone on the daily read', async () => {
    await incidents().openOrJoin({
      id: 'phx-primary-20261125T024500Z',
      siteId: 'phx-primary',
      kind: 'outage',
      outageStartedAt: DAILY_AT - 900_000,
      openedAt: DAILY_AT - 870_000,
      regions: ['us-east-1', 'us-east-2'],
      openedBy: { type: 'probe', region: 'us-east-1' },
      failureKind: 'site-unreachable',
      reason: 'SIP OPTIONS timeout',
      numbers: { total: 22, forwarded: 22, failed: 0, restored: 0 },
    });

    const result = await handlePracticeEvent(DAILY_BASELINE_EVENT, context, dependencies(DAILY_AT));

    expect(result.status === 'baseline' && result.baseline.map((row) => row.skipped)).toEqual(
      PRACTICE_CARRIERS.map(
        () => 'incident phx-primary-20261125T024500Z is open; its numbers may be forwarded',
      ),
    );
    expect(planRequests()).toBe(0);
    expect((await store().load('phx-primary')).size).toBe(0);
  });

  it('sends nothing once the invocation is out of time, and says so', async () => {
    const short = { ...context, getRemainingTimeInMillis: () => 20_000 };

    const result = await handlePracticeEvent(DAILY_BASELINE_EVENT, short, dependencies(DAILY_AT));

    expect(planRequests()).toBe(0);
    expect(result.status === 'baseline' && result.baseline.map((row) => row.firstUnread?.reason)).toEqual(
      PRACTICE_CARRIERS.map((carrier) => `${carrier}: ${OUT_OF_TIME}`),
    );
  });

  it('rejects a malformed baseline event without touching anything', async () => {
    const result = await handlePracticeEvent(
      { action: 'refresh-baseline', site: '' },
      context,
      dependencies(DAILY_AT),
    );

    expect(result).toMatchObject({ status: 'rejected', problems: [expect.stringContaining('site')] });
    expect(planRequests()).toBe(0);
  });
});
