/**
 * Creating a Telnyx update job when the create's answer is lost: the newest update jobs are
 * searched (ListPhoneNumbersJobs) for one naming exactly the job's numbers, created since it was
 * sent, before the job is created again. Against the spec-checking Telnyx fake, on one clock.
 */
import type { TelnyxCarrierOptions } from '../../../lambdas/adapters/carriers/telnyx';
import type { FaultKind } from '../../../lib/developer/carrier-fakes/fake-carrier-messages';
import type { TelnyxFake } from '../../../lib/developer/carrier-fakes/telnyx-fake';
import { A, B, BACKUP, startTelnyxFake, telnyxCarrier } from './telnyx-fixture';

let fake: TelnyxFake;
let now = Date.UTC(2026, 11, 3, 12, 0, 0);

const isCreate = (request: { method: string; path: string }) =>
  request.method === 'POST' && request.path.endsWith('/phone_numbers/jobs/update_phone_numbers');
const isSearch = (request: { method: string; path: string }) =>
  request.method === 'GET' && request.path.endsWith('/phone_numbers/jobs');
const creates = () => fake.requests.filter(isCreate).length;
const searches = () => fake.requests.filter(isSearch).length;

beforeEach(async () => {
  fake = await startTelnyxFake({ now: () => now });
});

afterEach(async () => {
  const violations = fake.violations;
  await fake.stop();
  expect(violations).toEqual([]);
});

function forwardBoth(options: Partial<TelnyxCarrierOptions> = {}) {
  return telnyxCarrier(fake, { now: () => now, timeoutMs: 200, ...options }).forwardMany([
    { number: A, destination: BACKUP, mode: 'always' },
    { number: B, destination: BACKUP, mode: 'always' },
  ]);
}

describe('TelnyxCarrier update job creation when the answer is lost', () => {
  it('finds the job a create answered with a 500 had queued, and polls it instead of creating it again', async () => {
    fake.failNext('accepted-then-500', { when: isCreate });

    const outcomes = await forwardBoth();

    expect(outcomes).toEqual([
      { number: A, ok: true },
      { number: B, ok: true },
    ]);
    expect([creates(), searches()]).toEqual([1, 1]);
    expect(fake.writesTo(A)).toBe(1);
  });

  it.each<FaultKind>(['http-503', 'connection-reset'])(
    'creates the job again when the search finds none after a %s',
    async (kind) => {
      fake.failNext(kind, { when: isCreate });

      const outcomes = await forwardBoth();

      expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
      expect([creates(), searches()]).toEqual([2, 1]);
      expect(fake.writesTo(A)).toBe(1);
    },
  );

  it('creates the job again without searching after a 429, which Telnyx never processed', async () => {
    fake.failNext('rate-limit', { when: isCreate });

    const outcomes = await forwardBoth();

    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect([creates(), searches()]).toEqual([2, 0]);
  });

  it('does not take an older job naming the same numbers for the lost one', async () => {
    await forwardBoth();
    now += 10 * 60_000;
    fake.failNext('http-503', { when: isCreate });

    const outcomes = await forwardBoth();

    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    // The first run's job, then the lost create and the one sent after the search found none.
    expect(creates()).toBe(3);
    expect(fake.writesTo(A)).toBe(2);
  });

  it('throws an error of unknown outcome when the answer was lost and no search could tell', async () => {
    fake.failNext('accepted-then-500', { when: isCreate });
    fake.failNext('http-503', { count: 10, when: isSearch });

    const failure = await forwardBoth().catch((error: unknown) => error);

    expect(failure).toMatchObject({ retryable: true, status: undefined });
    expect((failure as Error).message).toContain('whether the job was queued is unknown');
    expect(creates()).toBe(1);
  });

  it('with lostJobs: read-back, throws the lost answer at once for the engine to read the numbers back', async () => {
    fake.failNext('accepted-then-500', { when: isCreate });

    const failure = await forwardBoth({ lostJobs: 'read-back' }).catch((error: unknown) => error);

    expect(failure).toMatchObject({ retryable: true, status: 500 });
    expect([creates(), searches()]).toEqual([1, 0]);
  });
});
