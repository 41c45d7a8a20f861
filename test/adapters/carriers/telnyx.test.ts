import {
  MIN_NUMBERS_TO_LIST,
  TelnyxCarrier,
  type TelnyxCarrierOptions,
} from '../../../lambdas/adapters/carriers/telnyx';
import { CarrierAuthError, CarrierError } from '../../../lambdas/contracts/errors';
import type { CarrierCall } from '../../../lambdas/ports/carriers';
import { TelnyxFake, type TelnyxFakeOptions } from '../../../lib/developer/carrier-fakes/telnyx-fake';
import { checkRequestAgainstSpec, loadOfficialSpec, officialSpecsPresent } from '../../support/official-spec';

const A = '+14155550100';
const B = '+14155550101';
const C = '+14155550102';
const BACKUP = '+13035559123';
const VOICEMAIL = '+13035550000';

let fake: TelnyxFake;

async function startFake(options: TelnyxFakeOptions = {}): Promise<TelnyxFake> {
  fake = await new TelnyxFake(options).start();
  fake.seedNumbers([
    { phoneNumber: A },
    { phoneNumber: B, callForwarding: { forwards_to: VOICEMAIL, forwarding_type: 'on-failure' } },
    { phoneNumber: C, callForwarding: { call_forwarding_enabled: false, forwards_to: VOICEMAIL } },
  ]);
  return fake;
}

function carrier(options: Partial<TelnyxCarrierOptions> = {}): TelnyxCarrier {
  return new TelnyxCarrier({
    apiKey: fake.apiKey,
    baseUrl: fake.baseUrl,
    pollIntervalMs: 10,
    sleep: async () => {},
    ...options,
  });
}

beforeEach(async () => {
  await startFake();
});

afterEach(async () => {
  const violations = fake.violations;
  await fake.stop();
  expect(violations).toEqual([]);
});

describe('TelnyxCarrier routing', () => {
  it('reads call forwarding by phone number id, looking the id up once', async () => {
    const telnyx = carrier();

    const first = await telnyx.readRouting(B);
    const second = await telnyx.readRouting(B);

    expect(first).toEqual(second);
    expect(first).toMatchObject({ carrier: 'telnyx', number: B, forwardsTo: VOICEMAIL, mode: 'on-failure' });
    expect(first.settings).toEqual({
      id: fake.routingOf(B)!.id,
      connection_id: '1111111111',
      call_forwarding: {
        call_forwarding_enabled: true,
        forwards_to: VOICEMAIL,
        forwarding_type: 'on-failure',
      },
    });
    const lookups = fake.requests.filter((entry) => entry.operation === 'ListPhoneNumbers');
    expect(lookups).toHaveLength(1);
    expect(lookups[0].query['filter[phone_number]']).toBe('14155550101');
  });

  it('reads a disabled forwarding as not forwarded', async () => {
    const snapshot = await carrier().readRouting(C);

    expect(snapshot.forwardsTo).toBeNull();
    expect(snapshot.mode).toBeNull();
  });

  it('forwards every call with forwarding_type always', async () => {
    const telnyx = carrier();

    await telnyx.forward({ number: A, destination: BACKUP, mode: 'always' });

    expect(fake.routingOf(A)!.call_forwarding).toEqual({
      call_forwarding_enabled: true,
      forwards_to: BACKUP,
      forwarding_type: 'always',
    });
    expect(await telnyx.readRouting(A)).toMatchObject({ forwardsTo: BACKUP, mode: 'always' });
    expect(fake.writesTo(A)).toBe(1);
  });

  it('pre-arms forwarding with forwarding_type on-failure', async () => {
    await carrier().forward({ number: A, destination: BACKUP, mode: 'on-failure' });

    expect(fake.routingOf(A)!.call_forwarding.forwarding_type).toBe('on-failure');
  });

  it.each([
    ['no forwarding', A],
    ['an on-failure voicemail forward', B],
    ['a disabled forward', C],
  ])('restores %s exactly after a failover', async (_label, number) => {
    const telnyx = carrier();
    const original = fake.routingOf(number);
    const snapshot = await telnyx.readRouting(number);
    await telnyx.forward({ number, destination: BACKUP, mode: 'always' });

    await telnyx.restore(JSON.parse(JSON.stringify(snapshot)));

    expect(fake.routingOf(number)).toEqual(original);
  });

  it('refuses a SIP destination without calling Telnyx, since call forwarding takes E.164 only', async () => {
    const attempt = carrier().forward({
      number: A,
      destination: 'sip:backup@sbc2.example.net',
      mode: 'always',
    });

    await expect(attempt).rejects.toMatchObject({ name: 'CarrierError', retryable: false });
    expect(fake.requests).toHaveLength(0);
  });

  it('names an unknown number as not on the account, not retryable', async () => {
    await expect(carrier().readRouting('+14155559999')).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('+14155559999'),
    });
  });
});

describe('TelnyxCarrier prepareNumbers', () => {
  /** `count` more numbers on the account, listed after A, B and C. */
  function seedMore(count: number): string[] {
    const numbers = Array.from({ length: count }, (_, index) => `+1415556${String(index).padStart(4, '0')}`);
    fake.seedNumbers(numbers.map((phoneNumber) => ({ phoneNumber })));
    return numbers;
  }
  /** Every ListPhoneNumbers request, the ones that failed included. */
  const lookups = () =>
    fake.requests.filter((entry) => entry.method === 'GET' && entry.path === '/phone_numbers');
  /** A CarrierCall that runs the request at once and counts it. */
  function countingCall() {
    const counted = { calls: 0 };
    const call: CarrierCall = (request) => {
      counted.calls += 1;
      return request();
    };
    return { counted, call };
  }

  it('learns the ids from pages of 250, each sent through `call`, so reads and writes look nothing up', async () => {
    // Arrange: 603 numbers on the account, three pages.
    const numbers = seedMore(600);
    const telnyx = carrier();
    const { counted, call } = countingCall();

    // Act
    await telnyx.prepareNumbers(numbers, call);
    const listed = lookups().length;
    await telnyx.readRouting(numbers[599]);
    await telnyx.forward({ number: numbers[0], destination: BACKUP, mode: 'always' });

    // Assert
    expect(listed).toBe(3);
    expect(counted.calls).toBe(3);
    expect(lookups().map((entry) => [entry.query['page[number]'], entry.query['page[size]']])).toEqual([
      ['1', '250'],
      ['2', '250'],
      ['3', '250'],
    ]);
    expect(fake.routingOf(numbers[0])?.call_forwarding.forwards_to).toBe(BACKUP);
  });

  it(`lists nothing for fewer than ${MIN_NUMBERS_TO_LIST} numbers, which are cheaper to look up one by one`, async () => {
    const telnyx = carrier();
    const { call } = countingCall();

    await telnyx.prepareNumbers([A, B, C], call);

    expect(fake.requests).toEqual([]);
  });

  it('stops after the first page when the rest of the account has more pages than numbers to learn', async () => {
    // Arrange: 22 pages on the account, 20 numbers to learn, none of them on the first page.
    const numbers = seedMore(250 * 22 - 3);
    const wanted = numbers.slice(-MIN_NUMBERS_TO_LIST);
    const telnyx = carrier();
    const { call } = countingCall();

    // Act
    await telnyx.prepareNumbers(wanted, call);
    const listed = lookups().length;
    await telnyx.readRouting(wanted[0]);

    // Assert: one page, then the number is looked up on its own.
    expect(listed).toBe(1);
    expect(lookups().at(-1)?.query['filter[phone_number]']).toBe(wanted[0].slice(1));
  });

  it('skips a page that fails and looks its numbers up one by one', async () => {
    // Arrange
    const numbers = seedMore(600);
    fake.failNext('http-500', { when: (request) => request.query['page[number]'] === '2' });
    const telnyx = carrier();
    const { call } = countingCall();

    // Act
    await telnyx.prepareNumbers(numbers, call);
    const listed = lookups().length;
    await telnyx.readRouting(numbers[300]);
    await telnyx.readRouting(numbers[0]);

    // Assert: the number of the failed page needed one lookup, the other none.
    expect(listed).toBe(3);
    expect(lookups()).toHaveLength(4);
    expect(lookups().at(-1)?.query['filter[phone_number]']).toBe(numbers[300].slice(1));
  });
});

describe('TelnyxCarrier bulk forwarding', () => {
  it('forwards numbers sharing a destination with one update job, polled until done, and a lone one with a plain update', async () => {
    const telnyx = carrier();

    const outcomes = await telnyx.forwardMany([
      { number: A, destination: BACKUP, mode: 'always' },
      { number: B, destination: BACKUP, mode: 'always' },
      { number: C, destination: VOICEMAIL, mode: 'on-failure' },
    ]);

    expect(outcomes).toEqual([
      { number: A, ok: true },
      { number: B, ok: true },
      { number: C, ok: true },
    ]);
    const jobs = fake.requests.filter((entry) => entry.operation === 'CreateUpdatePhoneNumbersJob');
    expect(jobs.map((entry) => JSON.parse(entry.body).phone_numbers)).toEqual([[A, B]]);
    expect(fake.requests.filter((entry) => entry.operation === 'RetrievePhoneNumbersJob')).toHaveLength(2);
    // C alone with its destination: one PATCH instead of a job and its polls.
    expect(
      fake.requests.filter((entry) => entry.operation === 'UpdatePhoneNumberVoiceSettings'),
    ).toHaveLength(1);
    expect(fake.routingOf(C)!.call_forwarding).toMatchObject({
      forwards_to: VOICEMAIL,
      forwarding_type: 'on-failure',
    });
    for (const number of [A, B, C]) {
      expect(fake.writesTo(number)).toBe(1);
    }
    expect(telnyx.bulkLimit).toBe(1000);
  });

  it('maps per-number failures of a job to failed outcomes and leaves those numbers untouched', async () => {
    fake.failNumberInJobs(B, { code: '10015', detail: 'Call forwarding is not available for this number' });

    const outcomes = await carrier().forwardMany([
      { number: A, destination: BACKUP, mode: 'always' },
      { number: B, destination: BACKUP, mode: 'always' },
    ]);

    expect(outcomes[0]).toEqual({ number: A, ok: true });
    expect(outcomes[1]).toMatchObject({ number: B, ok: false });
    expect(outcomes[1].error).toBeInstanceOf(CarrierError);
    expect(outcomes[1].error).toMatchObject({ retryable: false, code: '10015' });
    expect(outcomes[1].error!.message).toContain('not available');
    expect(fake.routingOf(B)!.call_forwarding.forwards_to).toBe(VOICEMAIL);
  });

  it('fails a SIP destination in the outcomes while forwarding the rest', async () => {
    const outcomes = await carrier().forwardMany([
      { number: A, destination: 'sip:backup@sbc2.example.net', mode: 'always' },
      { number: B, destination: BACKUP, mode: 'always' },
    ]);

    expect(outcomes.map((outcome) => outcome.ok)).toEqual([false, true]);
    expect(outcomes[0].error).toMatchObject({ retryable: false });
  });

  it('splits more than 1000 numbers into jobs of at most 1000', async () => {
    const numbers = Array.from({ length: 1001 }, (_, index) => `+1212555${String(index).padStart(4, '0')}`);
    fake.seedNumbers(numbers.map((phoneNumber) => ({ phoneNumber })));

    const outcomes = await carrier().forwardMany(
      numbers.map((number) => ({ number, destination: BACKUP, mode: 'always' })),
    );

    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    const jobs = fake.requests.filter((entry) => entry.operation === 'CreateUpdatePhoneNumbersJob');
    expect(jobs.map((entry) => JSON.parse(entry.body).phone_numbers.length)).toEqual([1000, 1]);
  });

  it('keeps polling through a transient 503 instead of creating the job again', async () => {
    fake.failNext('http-503', {
      when: (request) => request.method === 'GET' && request.path.startsWith('/phone_numbers/jobs/'),
    });

    const outcomes = await carrier().forwardMany([
      { number: A, destination: BACKUP, mode: 'always' },
      { number: B, destination: BACKUP, mode: 'always' },
    ]);

    expect(outcomes).toEqual([
      { number: A, ok: true },
      { number: B, ok: true },
    ]);
    expect(fake.requests.filter((entry) => entry.operation === 'CreateUpdatePhoneNumbersJob')).toHaveLength(
      1,
    );
    expect(fake.writesTo(A)).toBe(1);
  });

  it('reports numbers of a job that does not finish in time as retryable', async () => {
    await fake.stop();
    await startFake({ jobPollsToComplete: 1000 });

    const outcomes = await carrier({ pollIntervalMs: 1, pollTimeoutMs: 3 }).forwardMany([
      { number: A, destination: BACKUP, mode: 'always' },
      { number: B, destination: BACKUP, mode: 'always' },
    ]);

    expect(outcomes[0]).toMatchObject({ ok: false, error: { retryable: true } });
    expect(outcomes[0].error!.message).toMatch(/still (pending|in_progress)/);
  });

  it('throws when the first job cannot be created, so the engine retries the whole call', async () => {
    fake.failNext('rate-limit', { when: (request) => request.method === 'POST' });

    const attempt = carrier().forwardMany([
      { number: A, destination: BACKUP, mode: 'always' },
      { number: B, destination: BACKUP, mode: 'always' },
    ]);

    await expect(attempt).rejects.toMatchObject({ retryable: true, status: 429, retryAfterMs: 1000 });
  });

  it('treats the 20-pending-jobs limit as retryable', async () => {
    await fake.stop();
    await startFake({ jobPollsToComplete: 1000 });
    const telnyx = carrier({ pollIntervalMs: 1, pollTimeoutMs: 1 });
    const pair = (destination: string) => [
      { number: A, destination, mode: 'always' as const },
      { number: B, destination, mode: 'always' as const },
    ];
    for (let job = 0; job < 20; job++) {
      await telnyx.forwardMany(pair(BACKUP));
    }

    const attempt = telnyx.forwardMany(pair(VOICEMAIL));

    await expect(attempt).rejects.toMatchObject({ retryable: true, status: 422, code: '10015' });
  });
});

describe('TelnyxCarrier connection switch', () => {
  const PRIMARY = '2222222222';
  const SPARE = '3333333333';

  it('moves every number of the primary connection to the backup connection and back', async () => {
    const onPrimary = Array.from({ length: 260 }, (_, index) => `+1646555${String(index).padStart(4, '0')}`);
    fake.seedNumbers(onPrimary.map((phoneNumber) => ({ phoneNumber, connectionId: PRIMARY })));
    const telnyx = carrier({ primaryConnectionId: PRIMARY, backupConnectionId: SPARE });

    await telnyx.switchToBackupRoute!();

    expect(onPrimary.every((number) => fake.routingOf(number)!.connection_id === SPARE)).toBe(true);
    expect(fake.routingOf(A)!.connection_id).toBe('1111111111');
    const pages = fake.requests.filter((entry) => entry.operation === 'ListPhoneNumbers');
    expect(pages.map((entry) => entry.query['page[number]'])).toEqual(['1', '2']);

    await telnyx.switchToPrimaryRoute!();

    expect(onPrimary.every((number) => fake.routingOf(number)!.connection_id === PRIMARY)).toBe(true);
  });

  it('offers no connection switch unless both connection ids are configured', () => {
    expect(carrier({ backupConnectionId: SPARE }).switchToBackupRoute).toBeUndefined();
    expect(carrier({ backupConnectionId: SPARE }).switchToPrimaryRoute).toBeUndefined();
    expect(carrier().switchToBackupRoute).toBeUndefined();
  });
});

describe('TelnyxCarrier failures', () => {
  it('turns a rejected API key into CarrierAuthError without the key in the message', async () => {
    const attempt = carrier({ apiKey: 'KEY-wrong-secret-value' }).readRouting(A);

    await expect(attempt).rejects.toBeInstanceOf(CarrierAuthError);
    await expect(attempt).rejects.toMatchObject({ status: 401, code: '10009', retryable: false });
    await expect(attempt).rejects.toMatchObject({
      message: expect.not.stringContaining('KEY-wrong-secret-value'),
    });
  });

  it('turns 429 with Retry-After into a retryable error carrying retryAfterMs and code 10011', async () => {
    fake.failNext('rate-limit');

    await expect(carrier().readRouting(A)).rejects.toMatchObject({
      retryable: true,
      status: 429,
      code: '10011',
      retryAfterMs: 1000,
    });
  });

  it('turns 429 without a wait hint into a retryable error without retryAfterMs', async () => {
    fake.failNext('rate-limit-without-retry-after');

    await expect(carrier().readRouting(A)).rejects.toMatchObject({
      retryable: true,
      status: 429,
      retryAfterMs: undefined,
    });
  });

  it.each(['http-500', 'http-502', 'http-503'] as const)('treats %s as retryable', async (kind) => {
    fake.failNext(kind);

    await expect(carrier().readRouting(A)).rejects.toMatchObject({ retryable: true, code: '10007' });
  });

  it('times out a slow answer as retryable', async () => {
    await fake.stop();
    await startFake({ slowMs: 2000 });
    fake.failNext('slow');

    await expect(carrier({ timeoutMs: 50 }).readRouting(A)).rejects.toMatchObject({
      retryable: true,
      message: expect.stringContaining('within 50 ms'),
    });
  });

  it('treats a reset connection as retryable', async () => {
    fake.failNext('connection-reset');

    await expect(carrier().readRouting(A)).rejects.toMatchObject({ retryable: true, name: 'CarrierError' });
  });

  it('treats malformed JSON in a 2xx answer as retryable', async () => {
    const telnyx = carrier();
    await telnyx.readRouting(A);
    fake.failNext('malformed');

    await expect(telnyx.readRouting(A)).rejects.toMatchObject({
      retryable: true,
      message: expect.stringContaining('malformed response'),
    });
  });

  it('reports "accepted but answered 500" as retryable although the change took effect', async () => {
    const telnyx = carrier();
    await telnyx.readRouting(A);
    fake.failNext('accepted-then-500');

    await expect(telnyx.forward({ number: A, destination: BACKUP, mode: 'always' })).rejects.toMatchObject({
      retryable: true,
      status: 500,
    });
    expect(fake.routingOf(A)!.call_forwarding.forwards_to).toBe(BACKUP);
    expect(fake.writesTo(A)).toBe(1);
  });

  it("answers past the fake's rate limit with Telnyx's 429, until a second has passed", async () => {
    await fake.stop();
    let now = 1_700_000_000_000;
    await startFake({ rateLimitPerSecond: 2, now: () => now });
    const telnyx = carrier({ now: () => now });
    await telnyx.readRouting(A);

    await expect(telnyx.readRouting(A)).rejects.toMatchObject({
      status: 429,
      code: '10011',
      retryAfterMs: 1000,
    });
    now += 1000;
    await expect(telnyx.readRouting(A)).resolves.toMatchObject({ number: A });
  });
});

if (officialSpecsPresent()) {
  describe('TelnyxCarrier against the official Telnyx spec (../shared/carrier-specs)', () => {
    it('sends only operations, query parameters and body fields the spec defines', async () => {
      const telnyx = carrier({ primaryConnectionId: '1111111111', backupConnectionId: '4444444444' });
      const more = Array.from(
        { length: MIN_NUMBERS_TO_LIST },
        (_, index) => `+1415556${String(index).padStart(4, '0')}`,
      );
      fake.seedNumbers(more.map((phoneNumber) => ({ phoneNumber })));
      await telnyx.prepareNumbers(more, (request) => request());
      const snapshot = await telnyx.readRouting(B);
      await telnyx.forward({ number: B, destination: BACKUP, mode: 'always' });
      await telnyx.forward({ number: B, destination: BACKUP, mode: 'on-failure' });
      await telnyx.restore(snapshot);
      await telnyx.forwardMany([
        { number: A, destination: BACKUP, mode: 'always' },
        { number: C, destination: BACKUP, mode: 'always' },
      ]);
      await telnyx.switchToBackupRoute!();
      await telnyx.switchToPrimaryRoute!();
      const spec = loadOfficialSpec('telnyx/spec3.yml');

      const problems = fake.requests.flatMap((entry) =>
        checkRequestAgainstSpec(spec, {
          method: entry.method,
          path: entry.path,
          query: entry.query,
          contentType: entry.contentType,
          body: entry.body === '' ? undefined : JSON.parse(entry.body),
        }),
      );

      expect(fake.requests.length).toBeGreaterThan(10);
      expect(problems).toEqual([]);
    });
  });
} else {
  describe('TelnyxCarrier against the official Telnyx spec', () => {
    it('is not checked here because ../shared/carrier-specs is absent', () => {
      expect(officialSpecsPresent()).toBe(false);
    });
  });
}
