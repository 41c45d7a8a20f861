import type { TelnyxCarrierOptions } from '../../../lambdas/adapters/carriers/telnyx';
import { MAX_LISTED_SWITCH_NUMBERS } from '../../../lambdas/adapters/carriers/telnyx-switch-plan';
import type { TelnyxFake } from '../../../lib/developer/carrier-fakes/telnyx-fake';
import {
  allUp,
  BACKUP,
  BACKUP_CONNECTION,
  BACKUP_OWN,
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

// The backup connection has a number of its own (BACKUP_OWN) here: a filter on it would take that
// number to the site on the way back, so the record lists the site's numbers.
let fake: TelnyxFake;
const carrier = (options: Partial<TelnyxCarrierOptions> = {}) => routeCarrier(fake, options);
const writes = () => writesTo(fake);
const state = () => stateOf(fake, [...SITE_NUMBERS, BACKUP_OWN]);
const sitePages = () =>
  fake.requests.filter(
    (entry) =>
      entry.operation === 'ListPhoneNumbers' &&
      entry.query['filter[connection_id]'] === SITE_CONNECTION &&
      entry.query['page[size]'] === '250',
  );

/** `count` numbers of a big site, +1646 and seven digits. */
const manyNumbers = (count: number) =>
  Array.from({ length: count }, (_, index) => `+1646${String(index).padStart(7, '0')}`);

beforeEach(async () => {
  fake = await startRouteFake({ backupOwnNumbers: true });
});

afterEach(async () => {
  const violations = fake.violations;
  await fake.stop();
  expect(violations).toEqual([]);
});

describe('TelnyxRoutes switch of listed numbers (backup connection with numbers of its own)', () => {
  it("plans with reads only, moves the site's numbers to the backup, and back to exactly the seeded state", async () => {
    // Arrange
    const telnyx = carrier();
    const { call, calls } = countingCall();
    const seeded = state();

    // Act: plan
    const record = await telnyx.routes.planSwitch(ROUTE, call);

    // Assert: nothing changed, the record names the site's numbers only
    expect(writes()).toEqual([]);
    expect(JSON.parse(JSON.stringify(record))).toEqual({
      carrier: 'telnyx',
      kind: 'connection-move',
      from: SITE_CONNECTION,
      to: BACKUP_CONNECTION,
      numbers: [...SITE_NUMBERS].sort(),
    });

    // Act: switch
    await telnyx.routes.switchToBackup(ROUTE, record, call);

    // Assert: callers reach the backup while the site is down
    for (const number of SITE_NUMBERS) {
      expect(fake.routeCall(number, siteDown).reached).toBe(BACKUP);
    }
    const jobs = fake.requests.filter((entry) => entry.operation === 'CreateUpdatePhoneNumbersJob');
    expect(jobs.map((entry) => JSON.parse(entry.body))).toEqual([
      { phone_numbers: [...SITE_NUMBERS].sort(), connection_id: BACKUP_CONNECTION },
    ]);

    // Act: back
    await telnyx.routes.switchBack(ROUTE, record, call);

    // Assert: the backup's own number stayed where it was
    expect(state()).toEqual(seeded);
    expect(fake.routeCall(SITE_NUMBERS[0], allUp).reached).toBe(PRIMARY);
    expect(fake.routingOf(BACKUP_OWN)!.connection_id).toBe(BACKUP_CONNECTION);
    expect(calls()).toBe(fake.requests.length);
  });

  it('sends only reads when the same record is applied twice and undone twice', async () => {
    const telnyx = carrier();
    const { call } = countingCall();
    const record = await telnyx.routes.planSwitch(ROUTE, call);
    await telnyx.routes.switchToBackup(ROUTE, record, call);
    const afterSwitch = writes().length;

    await telnyx.routes.switchToBackup(ROUTE, record, call);
    const afterSecondSwitch = writes().length;
    await telnyx.routes.switchBack(ROUTE, record, call);
    const afterBack = writes().length;
    await telnyx.routes.switchBack(ROUTE, record, call);

    expect(afterSecondSwitch).toBe(afterSwitch);
    expect(afterBack).toBe(afterSwitch + 1);
    expect(writes()).toHaveLength(afterBack);
  });

  it('moves more than 1,000 numbers in jobs of at most 1,000, several in flight', async () => {
    // Arrange
    const many = manyNumbers(2500);
    fake.seedSiteRoute(ROUTE, many);
    const telnyx = carrier();
    const { call } = countingCall();

    // Act
    const record = await telnyx.routes.planSwitch(ROUTE, call);
    await telnyx.routes.switchToBackup(ROUTE, record, call);

    // Assert
    const creates = fake.requests.flatMap((entry, index) =>
      entry.operation === 'CreateUpdatePhoneNumbersJob' ? [index] : [],
    );
    const sizes = creates.map((index) => JSON.parse(fake.requests[index].body).phone_numbers.length);
    expect(sizes.sort()).toEqual([1000, 1000, 503].sort());
    const firstCompleted = fake.requests.findIndex(
      (entry) => entry.operation === 'RetrievePhoneNumbersJob' && entry.applied.length > 0,
    );
    expect(creates.filter((index) => index < firstCompleted).length).toBeGreaterThan(1);
    expect(
      [...many, ...SITE_NUMBERS].every(
        (number) => fake.routingOf(number)!.connection_id === BACKUP_CONNECTION,
      ),
    ).toBe(true);
  });

  it(`lists a site of ${MAX_LISTED_SWITCH_NUMBERS} numbers, a record an incident item can hold`, async () => {
    fake.seedSiteRoute(ROUTE, manyNumbers(MAX_LISTED_SWITCH_NUMBERS - SITE_NUMBERS.length));

    const record = await carrier().routes.planSwitch(ROUTE, countingCall().call);

    expect(record.numbers).toHaveLength(MAX_LISTED_SWITCH_NUMBERS);
    expect(sitePages()).toHaveLength(MAX_LISTED_SWITCH_NUMBERS / 250);
    // DynamoDB's item limit is 400 KB; the rest of the incident needs room too.
    expect(JSON.stringify(record).length).toBeLessThan(350_000);
  });

  it(`refuses, not retryable and before listing, a site of more than ${MAX_LISTED_SWITCH_NUMBERS} numbers`, async () => {
    fake.seedSiteRoute(ROUTE, manyNumbers(MAX_LISTED_SWITCH_NUMBERS + 1 - SITE_NUMBERS.length));

    const attempt = carrier().routes.planSwitch(ROUTE, countingCall().call);

    await expect(attempt).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('give the site a backup connection with no numbers of its own'),
    });
    expect(sitePages()).toEqual([]);
    expect(fake.requests.map((entry) => entry.operation)).toEqual([
      'RetrieveFqdnConnection',
      'ListFqdns',
      'ListPhoneNumbers',
      'ListPhoneNumbers',
    ]);
    expect(writes()).toEqual([]);
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
});
