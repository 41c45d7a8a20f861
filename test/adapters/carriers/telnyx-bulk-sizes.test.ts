import { TELNYX_PENDING_JOBS_LIMIT } from '../../../lambdas/adapters/carriers/telnyx';
import type { CarrierCall } from '../../../lambdas/ports/carriers';
import type { TelnyxFake, TelnyxFakeOptions } from '../../../lib/developer/carrier-fakes/telnyx-fake';
import { A, BACKUP, startTelnyxFake, telnyxCarrier, VOICEMAIL } from './telnyx-fixture';

let fake: TelnyxFake | undefined;

async function startFake(options: TelnyxFakeOptions = {}): Promise<TelnyxFake> {
  fake = await startTelnyxFake(options);
  return fake;
}

afterEach(async () => {
  const violations = fake?.violations;
  await fake?.stop();
  fake = undefined;
  expect(violations ?? []).toEqual([]);
});

/** `count` numbers on the fake's account. */
function seed(telnyx: TelnyxFake, count: number, prefix = '+1646555'): string[] {
  const numbers = Array.from({ length: count }, (_, index) => `${prefix}${String(index).padStart(4, '0')}`);
  telnyx.seedNumbers(numbers.map((phoneNumber) => ({ phoneNumber })));
  return numbers;
}

const sendAtOnce: CarrierCall = (request) => request();

describe('TelnyxCarrier bulk sizes', () => {
  it('splits 2,600 numbers into update jobs of 1,000, 1,000 and 600, each the creation and one poll', async () => {
    // Arrange: jobs done at the first poll.
    const telnyx = await startFake({ jobPollsToComplete: 1 });
    const numbers = seed(telnyx, 2600);
    const carrier = telnyxCarrier(telnyx);

    // Act
    const outcomes = await carrier.forwardMany(
      numbers.map((number) => ({ number, destination: BACKUP, mode: 'always' })),
    );

    // Assert
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    const jobs = telnyx.requests.filter((entry) => entry.operation === 'CreateUpdatePhoneNumbersJob');
    expect(jobs.map((entry) => JSON.parse(entry.body).phone_numbers.length)).toEqual([1000, 1000, 600]);
    expect(telnyx.requests).toHaveLength(3 * carrier.requestsPerBulkCall);
    expect(carrier.bulkLimit).toBe(1000);
  });

  it('keeps the jobs of concurrent forwardMany calls pending at the same time', async () => {
    // Arrange: every poll waits until all three calls have a job pending.
    const telnyx = await startFake({ jobPollsToComplete: 1 });
    const groups = [seed(telnyx, 3, '+1646111'), seed(telnyx, 3, '+1646222'), seed(telnyx, 3, '+1646333')];
    let pendingTogether = 0;
    let release!: () => void;
    const allWaiting = new Promise<void>((resolve) => {
      release = resolve;
    });
    let waiting = 0;
    const sleep = async () => {
      waiting += 1;
      if (waiting === groups.length) {
        pendingTogether = telnyx.pendingJobs();
        release();
      }
      await allWaiting;
    };
    const carrier = telnyxCarrier(telnyx, { sleep });

    // Act
    const results = await Promise.all(
      groups.map((numbers) =>
        carrier.forwardMany(numbers.map((number) => ({ number, destination: BACKUP, mode: 'always' }))),
      ),
    );

    // Assert
    expect(pendingTogether).toBe(3);
    expect(results.flat().every((outcome) => outcome.ok)).toBe(true);
  });

  it(`keeps up to Telnyx's ${TELNYX_PENDING_JOBS_LIMIT} pending jobs in flight unless told fewer`, async () => {
    const telnyx = await startFake();

    expect(telnyxCarrier(telnyx).bulkInFlight).toBe(20);
    expect(telnyxCarrier(telnyx, { bulkJobsInFlight: 5 }).bulkInFlight).toBe(5);
    expect(() => telnyxCarrier(telnyx, { bulkJobsInFlight: 0 })).toThrow(/`bulkJobsInFlight`/);
    expect(() => telnyxCarrier(telnyx, { bulkJobsInFlight: 2.5 })).toThrow(/at least 1/);
  });

  it('sends one request a forward and a read once the id is known', async () => {
    // Arrange: the ids learned from the account's pages.
    const telnyx = await startFake();
    const numbers = seed(telnyx, 40);
    const carrier = telnyxCarrier(telnyx);
    await carrier.prepareNumbers(numbers, sendAtOnce);
    const before = telnyx.requests.length;

    // Act
    await carrier.forward({ number: A, destination: VOICEMAIL, mode: 'on-failure' });
    const afterForward = telnyx.requests.length;
    await carrier.readRouting(numbers[39]);

    // Assert
    expect(afterForward - before).toBe(carrier.requestsPerForward);
    expect(telnyx.requests.length - afterForward).toBe(carrier.requestsPerRead);
  });
});
