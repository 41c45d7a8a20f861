import { MIN_NUMBERS_TO_LIST, type TelnyxCarrierOptions } from '../../../lambdas/adapters/carriers/telnyx';
import { CarrierError } from '../../../lambdas/contracts/errors';
import type { CarrierCall } from '../../../lambdas/ports/carriers';
import type { TelnyxFake, TelnyxFakeOptions } from '../../../lib/developer/carrier-fakes/telnyx-fake';
import { A, B, BACKUP, C, startTelnyxFake, telnyxCarrier, VOICEMAIL } from './telnyx-fixture';

let fake: TelnyxFake;

async function startFake(options: TelnyxFakeOptions = {}): Promise<void> {
  fake = await startTelnyxFake(options);
}

const carrier = (options: Partial<TelnyxCarrierOptions> = {}) => telnyxCarrier(fake, options);

beforeEach(async () => {
  await startFake();
});

afterEach(async () => {
  const violations = fake.violations;
  await fake.stop();
  expect(violations).toEqual([]);
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

  it('throws when the first job cannot be created in six tries, so the engine takes the whole call over', async () => {
    fake.failNext('rate-limit', { count: 6, when: (request) => request.method === 'POST' });

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
