import { MIN_NUMBERS_TO_LIST, type TelnyxCarrierOptions } from '../../../lambdas/adapters/carriers/telnyx';
import { CarrierAuthError } from '../../../lambdas/contracts/errors';
import type { TelnyxFake, TelnyxFakeOptions } from '../../../lib/developer/carrier-fakes/telnyx-fake';
import { checkRequestAgainstSpec, loadOfficialSpec, officialSpecsPresent } from '../../support/official-spec';
import { A, B, BACKUP, C, startTelnyxFake, telnyxCarrier } from './telnyx-fixture';

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
      const telnyx = carrier();
      const route = {
        siteId: 'phx',
        carrier: 'telnyx' as const,
        mode: 'native' as const,
        primarySipUri: 'sip:sbc1.phx.example.net:5060',
        backupSipUri: 'sip:sbc1.dal.example.net:5060',
        ids: { connectionId: '1111111111', backupConnectionId: '4444444444' },
        nativeFailoverSeconds: 5,
      };
      fake.seedSiteRoute(route, [A, C]);
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
      const call = <T>(request: () => Promise<T>) => request();
      await telnyx.routes.armNative(route, [A, B, C], call);
      // Both kinds of switch: by filter (the backup connection empty), then listed (it has a number).
      for (const backupOwn of [[], ['+12145550100']]) {
        fake.seedNumbers(backupOwn.map((phoneNumber) => ({ phoneNumber, connectionId: '4444444444' })));
        const record = await telnyx.routes.planSwitch(route, call);
        await telnyx.routes.switchToBackup(route, record, call);
        await telnyx.routes.switchBack(route, record, call);
      }
      expect(
        fake.requests
          .filter((entry) => entry.operation === 'CreateUpdatePhoneNumbersJob')
          .map((entry) => entry.query),
      ).toEqual([
        {},
        { 'filter[connection_id]': '1111111111' },
        { 'filter[connection_id]': '4444444444' },
        {},
        {},
      ]);
      const spec = loadOfficialSpec('telnyx/spec3.yml');

      // The spec's request schema lists `phone_numbers` as required, while the operation and the
      // field say it "is required if no filter parameters are provided" and that with filters
      // "ALL phone numbers that match" are updated (a schema cannot make a body field depend on
      // the query). A filter job is held to the prose: that one problem is excused for it alone.
      const filterJob = (entry: (typeof fake.requests)[number]) =>
        entry.operation === 'CreateUpdatePhoneNumbersJob' && 'filter[connection_id]' in entry.query;
      const problems = fake.requests.flatMap((entry) =>
        checkRequestAgainstSpec(
          spec,
          {
            method: entry.method,
            path: entry.path,
            query: entry.query,
            contentType: entry.contentType,
            body: entry.body === '' ? undefined : JSON.parse(entry.body),
          },
          { validateValues: true },
        ).filter(
          (problem) => !(filterJob(entry) && problem.endsWith("must have required property 'phone_numbers'")),
        ),
      );

      // The shared check reads one level of a deepObject (`filter[x]`); the voice listing's
      // `filter[connection_name][contains]` is two, so it is checked against the spec here.
      const nested = 'filter[connection_name][contains]';
      const voiceFilter = (
        spec.paths['/phone_numbers/voice'].get as {
          parameters: { name?: string; schema?: { properties?: Record<string, { properties?: object }> } }[];
        }
      ).parameters.find((parameter) => parameter.name === 'filter');
      expect(voiceFilter?.schema?.properties?.connection_name?.properties).toHaveProperty('contains');
      expect(fake.requests.some((entry) => nested in entry.query)).toBe(true);
      expect(fake.requests.length).toBeGreaterThan(10);
      expect(fake.requests.filter(filterJob)).toHaveLength(2);
      expect(
        problems.filter((problem) => !problem.includes(`query parameter ${nested} is not in the spec`)),
      ).toEqual([]);
    });
  });
} else {
  describe('TelnyxCarrier against the official Telnyx spec', () => {
    it('is not checked here because ../shared/carrier-specs is absent', () => {
      expect(officialSpecsPresent()).toBe(false);
    });
  });
}
