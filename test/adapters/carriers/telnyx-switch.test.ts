import type { TelnyxCarrierOptions } from '../../../lambdas/adapters/carriers/telnyx';
import type { TelnyxFake, TelnyxFakeOptions } from '../../../lib/developer/carrier-fakes/telnyx-fake';
import {
  allUp,
  BACKUP,
  BACKUP_CONNECTION,
  countingCall,
  PRIMARY,
  ROUTE,
  routeCarrier,
  SITE_CONNECTION,
  SITE_NUMBERS,
  siteDown,
  startRouteFake,
  stateOf,
  writesTo,
} from './telnyx-route-fixture';

// The backup connection has no numbers of its own here: the switch is one filter job each way
// (telnyx-switch-listed.test.ts has the other case).
let fake: TelnyxFake;
const carrier = (options: Partial<TelnyxCarrierOptions> = {}) => routeCarrier(fake, options);
const writes = () => writesTo(fake);
const state = () => stateOf(fake, SITE_NUMBERS);
const operations = (from = 0) => fake.requests.slice(from).map((entry) => entry.operation);
const jobCreates = () => fake.requests.filter((entry) => entry.operation === 'CreateUpdatePhoneNumbersJob');

async function restartFake(options: TelnyxFakeOptions): Promise<void> {
  await fake.stop();
  fake = await startRouteFake(options);
}

/** `count` numbers of a big site, +1646 and seven digits. */
const manyNumbers = (count: number) =>
  Array.from({ length: count }, (_, index) => `+1646${String(index).padStart(7, '0')}`);

beforeEach(async () => {
  fake = await startRouteFake();
});

afterEach(async () => {
  const violations = fake.violations;
  await fake.stop();
  expect(violations).toEqual([]);
});

describe('TelnyxRoutes switch by filter (backup connection without numbers of its own)', () => {
  it('plans a filter record with reads only, moves the connection with one job, and back to exactly the seeded state', async () => {
    // Arrange
    const telnyx = carrier();
    const { call, calls } = countingCall();
    const seeded = state();

    // Act: plan
    const record = await telnyx.routes.planSwitch(ROUTE, call);

    // Assert: nothing changed; the backup was counted with one item a page
    expect(writes()).toEqual([]);
    expect(JSON.parse(JSON.stringify(record))).toEqual({
      carrier: 'telnyx',
      kind: 'filter',
      from: SITE_CONNECTION,
      to: BACKUP_CONNECTION,
    });
    expect(fake.requests.at(-1)).toMatchObject({
      operation: 'ListPhoneNumbers',
      query: { 'filter[connection_id]': BACKUP_CONNECTION, 'page[size]': '1' },
    });

    // Act: switch
    await telnyx.routes.switchToBackup(ROUTE, record, call);

    // Assert: one job picking the site connection's numbers; callers reach the backup
    expect(jobCreates().map((entry) => [entry.query, JSON.parse(entry.body)])).toEqual([
      [{ 'filter[connection_id]': SITE_CONNECTION }, { connection_id: BACKUP_CONNECTION }],
    ]);
    for (const number of SITE_NUMBERS) {
      expect(fake.routeCall(number, siteDown).reached).toBe(BACKUP);
    }

    // Act: back
    await telnyx.routes.switchBack(ROUTE, record, call);

    // Assert
    expect(jobCreates().at(-1)?.query).toEqual({ 'filter[connection_id]': BACKUP_CONNECTION });
    expect(state()).toEqual(seeded);
    expect(fake.routeCall(SITE_NUMBERS[0], allUp).reached).toBe(PRIMARY);
    expect(calls()).toBe(fake.requests.length);
  });

  it('fails a 100,000-number site over and back in a handful of requests, every number back on its connection', async () => {
    // Arrange
    const numbers = manyNumbers(100_000);
    fake.seedSiteRoute(ROUTE, numbers);
    const telnyx = carrier();
    const { call } = countingCall();

    // Act
    const record = await telnyx.routes.planSwitch(ROUTE, call);
    const planned = fake.requests.length;
    await telnyx.routes.switchToBackup(ROUTE, record, call);
    const switched = fake.requests.length;
    const reachedBackup = numbers.every((number) => fake.routeCall(number, siteDown).reached === BACKUP);
    await telnyx.routes.switchBack(ROUTE, record, call);

    // Assert: the plan reads the backup's targets and counts its numbers; each way counts, runs
    // one job polled to its end, and counts again
    expect(JSON.stringify(record).length).toBeLessThan(100);
    expect(operations().slice(0, planned)).toEqual([
      'RetrieveFqdnConnection',
      'ListFqdns',
      'ListPhoneNumbers',
    ]);
    const oneWay = [
      'ListPhoneNumbers',
      'CreateUpdatePhoneNumbersJob',
      'RetrievePhoneNumbersJob',
      'RetrievePhoneNumbersJob',
      'ListPhoneNumbers',
    ];
    expect(operations(planned).slice(0, switched - planned)).toEqual(oneWay);
    expect(operations(switched)).toEqual(oneWay);
    expect(fake.requests).toHaveLength(13);
    expect(reachedBackup).toBe(true);
    expect(
      [...numbers, ...SITE_NUMBERS].every(
        (number) => fake.routingOf(number)!.connection_id === SITE_CONNECTION,
      ),
    ).toBe(true);
    expect(fake.routeCall(numbers[99_999], siteDown).reached).toBeNull();
    expect(fake.routeCall(numbers[99_999], allUp).reached).toBe(PRIMARY);
  });

  it('sends only reads when the same record is applied twice and undone twice', async () => {
    const telnyx = carrier();
    const { call } = countingCall();
    const record = await telnyx.routes.planSwitch(ROUTE, call);
    await telnyx.routes.switchToBackup(ROUTE, record, call);
    const afterSwitch = fake.requests.length;

    await telnyx.routes.switchToBackup(ROUTE, record, call);
    const afterSecondSwitch = fake.requests.length;
    await telnyx.routes.switchBack(ROUTE, record, call);
    const afterBack = fake.requests.length;
    await telnyx.routes.switchBack(ROUTE, record, call);

    expect(operations(afterSwitch).slice(0, afterSecondSwitch - afterSwitch)).toEqual(['ListPhoneNumbers']);
    expect(operations(afterBack)).toEqual(['ListPhoneNumbers']);
    expect(jobCreates()).toHaveLength(2);
  });

  it('runs one job after another until nothing is left when Telnyx takes 1,000 numbers a filter job', async () => {
    // Arrange
    await restartFake({ filterJobLimit: 1000 });
    const numbers = manyNumbers(2500);
    fake.seedSiteRoute(ROUTE, numbers);
    const telnyx = carrier();
    const { call } = countingCall();
    const record = await telnyx.routes.planSwitch(ROUTE, call);

    // Act
    await telnyx.routes.switchToBackup(ROUTE, record, call);

    // Assert: three jobs, each created after the one before had completed, none in flight
    expect(jobCreates()).toHaveLength(3);
    expect(fake.pendingJobs()).toBe(0);
    const creates = fake.requests.flatMap((entry, index) =>
      entry.operation === 'CreateUpdatePhoneNumbersJob' ? [index] : [],
    );
    expect(fake.requests[creates[1] - 2].applied.length).toBe(1000);
    expect(
      [...numbers, ...SITE_NUMBERS].every(
        (number) => fake.routingOf(number)!.connection_id === BACKUP_CONNECTION,
      ),
    ).toBe(true);

    await telnyx.routes.switchBack(ROUTE, record, call);

    expect(numbers.every((number) => fake.routingOf(number)!.connection_id === SITE_CONNECTION)).toBe(true);
  });

  it('moves numbers that joined the site connection after the plan, and brings them back', async () => {
    const telnyx = carrier();
    const { call } = countingCall();
    const record = await telnyx.routes.planSwitch(ROUTE, call);
    const joined = '+14155550150';
    fake.seedNumbers([{ phoneNumber: joined, connectionId: SITE_CONNECTION }]);

    await telnyx.routes.switchToBackup(ROUTE, record, call);
    const during = fake.routeCall(joined, siteDown).reached;
    await telnyx.routes.switchBack(ROUTE, record, call);

    expect(during).toBe(BACKUP);
    expect(fake.routingOf(joined)!.connection_id).toBe(SITE_CONNECTION);
  });

  it('fails not retryable when Telnyx refuses a number, having moved the rest, which switchBack undoes', async () => {
    fake.failNumberInJobs(SITE_NUMBERS[1], { detail: 'Number is locked' });
    const telnyx = carrier();
    const { call } = countingCall();
    const seeded = state();
    const record = await telnyx.routes.planSwitch(ROUTE, call);

    const attempt = telnyx.routes.switchToBackup(ROUTE, record, call);

    await expect(attempt).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('Number is locked'),
    });
    expect(fake.routingOf(SITE_NUMBERS[0])!.connection_id).toBe(BACKUP_CONNECTION);
    expect(fake.routingOf(SITE_NUMBERS[1])!.connection_id).toBe(SITE_CONNECTION);
    await telnyx.routes.switchBack(ROUTE, record, call);
    expect(state()).toEqual(seeded);
  });

  it('fails retryable when the job does not finish in time, and applying the record again finishes the move', async () => {
    await restartFake({ jobPollsToComplete: 4 });
    const { call } = countingCall();
    const record = await carrier().routes.planSwitch(ROUTE, call);

    const attempt = carrier({ pollTimeoutMs: 20 }).routes.switchToBackup(ROUTE, record, call);

    await expect(attempt).rejects.toMatchObject({
      retryable: true,
      message: expect.stringMatching(/in_progress after polling/),
    });
    expect(fake.routingOf(SITE_NUMBERS[0])!.connection_id).toBe(SITE_CONNECTION);
    await carrier().routes.switchToBackup(ROUTE, record, call);
    expect(SITE_NUMBERS.every((number) => fake.routingOf(number)!.connection_id === BACKUP_CONNECTION)).toBe(
      true,
    );
  });

  it('leaves a number someone moved elsewhere since the switch where it is', async () => {
    const telnyx = carrier();
    const { call } = countingCall();
    const record = await telnyx.routes.planSwitch(ROUTE, call);
    await telnyx.routes.switchToBackup(ROUTE, record, call);
    fake.seedNumbers([{ phoneNumber: SITE_NUMBERS[0], connectionId: '5555555555' }]);

    await telnyx.routes.switchBack(ROUTE, record, call);

    expect(fake.routingOf(SITE_NUMBERS[0])!.connection_id).toBe('5555555555');
    expect(fake.routingOf(SITE_NUMBERS[1])!.connection_id).toBe(SITE_CONNECTION);
  });

  it('refuses to plan a switch to a backup connection that would reach nobody', async () => {
    const route = { ...ROUTE, ids: { ...ROUTE.ids, backupConnectionId: '8888888888' } };
    fake.seedConnection({ id: '7777777777', targets: [] });
    const empty = { ...ROUTE, ids: { ...ROUTE.ids, backupConnectionId: '7777777777' } };
    const { call } = countingCall();

    await expect(carrier().routes.planSwitch(route, call)).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('not an FQDN connection'),
    });
    await expect(carrier().routes.planSwitch(empty, call)).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('without FQDNs'),
    });
    expect(writes()).toEqual([]);
  });

  it.each([
    ['another carrier', { carrier: 'twilio', trunkSid: 'TK1' }],
    ['a filter without its backup', { carrier: 'telnyx', kind: 'filter', from: SITE_CONNECTION }],
    ['a listed move without its numbers', { carrier: 'telnyx', kind: 'connection-move', from: '1', to: '2' }],
  ])('refuses a record of %s, without a request', async (_label, record) => {
    const attempt = carrier().routes.switchBack(ROUTE, record, countingCall().call);

    await expect(attempt).rejects.toMatchObject({ retryable: false });
    expect(fake.requests).toEqual([]);
  });
});
