import { XMLParser } from 'fast-xml-parser';
import {
  BANDWIDTH_BULK_LIMIT,
  BandwidthCarrier,
  type BandwidthCarrierOptions,
} from '../../../lambdas/adapters/carriers/bandwidth';
import { CarrierAuthError, CarrierError } from '../../../lambdas/contracts/errors';
import {
  BandwidthFake,
  type BandwidthFakeOptions,
} from '../../../lib/developer/carrier-fakes/bandwidth-fake';
import { checkRequestAgainstSpec, loadOfficialSpec, officialSpecsPresent } from '../../support/official-spec';

const A = '+19195550100';
const B = '+19195550101';
const C = '+19195550102';
const BACKUP = '+13035559123';

let fake: BandwidthFake;

async function startFake(options: BandwidthFakeOptions = {}): Promise<BandwidthFake> {
  fake = await new BandwidthFake(options).start();
  fake.seedNumbers([{ phoneNumber: A }, { phoneNumber: B, callForward: '7042661720' }, { phoneNumber: C }]);
  return fake;
}

function carrier(options: Partial<BandwidthCarrierOptions> = {}): BandwidthCarrier {
  return new BandwidthCarrier({
    accountId: fake.accountId,
    username: fake.username,
    password: fake.password,
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

describe('BandwidthCarrier routing', () => {
  it('reads CallForward with ReadSipPeerTn after finding the site and SIP peer once', async () => {
    const bandwidth = carrier();

    const snapshot = await bandwidth.readRouting(B);
    await bandwidth.readRouting(B);

    expect(snapshot).toEqual({
      carrier: 'bandwidth',
      number: B,
      forwardsTo: '+17042661720',
      mode: 'always',
      settings: { tn: '9195550101', siteId: '479', sipPeerId: '500014', callForward: '7042661720' },
    });
    expect(fake.requests.filter((entry) => entry.operation === 'RetrieveTnDetails')).toHaveLength(1);
    expect(fake.requests.filter((entry) => entry.operation === 'ReadSipPeerTn')).toHaveLength(2);
  });

  it('reads a number without CallForward as not forwarded', async () => {
    expect(await carrier().readRouting(A)).toMatchObject({
      forwardsTo: null,
      mode: null,
      settings: { callForward: null },
    });
  });

  it('forwards with a TN option order, polled until COMPLETE', async () => {
    await carrier().forward({ number: A, destination: BACKUP, mode: 'always' });

    expect(fake.routingOf(A)!.callForward).toBe('3035559123');
    expect(fake.requests.map((entry) => entry.operation)).toEqual([
      'CreateTnOptionOrder',
      'GetTnOptionOrder',
      'GetTnOptionOrder',
    ]);
    expect(fake.writesTo(A)).toBe(1);
  });

  it.each([
    ['no forwarding (systemDefault)', A],
    ['an existing CallForward', B],
  ])('restores %s exactly after a failover', async (_label, number) => {
    const bandwidth = carrier();
    const original = fake.routingOf(number);
    const snapshot = await bandwidth.readRouting(number);
    await bandwidth.forward({ number, destination: BACKUP, mode: 'always' });

    await bandwidth.restore(JSON.parse(JSON.stringify(snapshot)));

    expect(fake.routingOf(number)).toEqual(original);
  });

  it('refuses on-failure mode and non-NANP destinations before sending anything', async () => {
    const bandwidth = carrier();

    await expect(
      bandwidth.forward({ number: A, destination: BACKUP, mode: 'on-failure' }),
    ).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('on-failure'),
    });
    await expect(
      bandwidth.forward({ number: A, destination: 'sip:backup@sbc2.example.net', mode: 'always' }),
    ).rejects.toMatchObject({ retryable: false });
    expect(fake.requests).toHaveLength(0);
  });

  it('throws the ErrorList reason when the order fails the number', async () => {
    fake.failNumberInOrders(A, { code: '5095', description: 'CallForward is not allowed for this TN' });

    const attempt = carrier().forward({ number: A, destination: BACKUP, mode: 'always' });

    await expect(attempt).rejects.toMatchObject({ retryable: false, code: '5095' });
    await expect(attempt).rejects.toThrow('not allowed');
  });
});

describe('BandwidthCarrier bulk forwarding', () => {
  it('forwards many numbers in one order with one TnOptionGroup per destination', async () => {
    const outcomes = await carrier().forwardMany([
      { number: A, destination: BACKUP, mode: 'always' },
      { number: B, destination: BACKUP, mode: 'always' },
      { number: C, destination: '+13035550000', mode: 'always' },
    ]);

    expect(outcomes).toEqual([
      { number: A, ok: true },
      { number: B, ok: true },
      { number: C, ok: true },
    ]);
    const orders = fake.requests.filter((entry) => entry.operation === 'CreateTnOptionOrder');
    expect(orders).toHaveLength(1);
    const order = new XMLParser({ isArray: (name) => name === 'TnOptionGroup' }).parse(orders[0].body);
    expect(order.TnOptionOrder.TnOptionGroups.TnOptionGroup).toHaveLength(2);
    expect(fake.routingOf(C)!.callForward).toBe('3035550000');
  });

  it('maps ErrorList entries to failed outcomes (order PARTIAL) and forwards the rest', async () => {
    fake.failNumberInOrders(B, { code: '5095', description: 'CallForward is not allowed for this TN' });

    const outcomes = await carrier().forwardMany([
      { number: A, destination: BACKUP, mode: 'always' },
      { number: B, destination: BACKUP, mode: 'always' },
    ]);

    expect(outcomes[0]).toEqual({ number: A, ok: true });
    expect(outcomes[1]).toMatchObject({ number: B, ok: false });
    expect(outcomes[1].error).toBeInstanceOf(CarrierError);
    expect(outcomes[1].error).toMatchObject({ retryable: false, code: '5095' });
    expect(fake.routingOf(B)!.callForward).toBe('7042661720');
  });

  it(`splits more than ${BANDWIDTH_BULK_LIMIT} numbers into several orders`, async () => {
    const numbers = Array.from(
      { length: BANDWIDTH_BULK_LIMIT + 1 },
      (_, index) => `+1212555${String(index).padStart(4, '0')}`,
    );
    fake.seedNumbers(numbers.map((phoneNumber) => ({ phoneNumber })));

    const outcomes = await carrier().forwardMany(
      numbers.map((number) => ({ number, destination: BACKUP, mode: 'always' })),
    );

    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(fake.requests.filter((entry) => entry.operation === 'CreateTnOptionOrder')).toHaveLength(2);
  });

  it('keeps polling through a 429 on GetTnOptionOrder instead of ordering again', async () => {
    fake.failNext('rate-limit', { when: (request) => request.method === 'GET' });

    const outcomes = await carrier().forwardMany([{ number: A, destination: BACKUP, mode: 'always' }]);

    expect(outcomes).toEqual([{ number: A, ok: true }]);
    expect(fake.requests.filter((entry) => entry.operation === 'CreateTnOptionOrder')).toHaveLength(1);
  });

  it('reports numbers of an order that does not finish in time as retryable', async () => {
    await fake.stop();
    await startFake({ ordersCompleteAfterPolls: 1000 });

    const outcomes = await carrier({ pollIntervalMs: 1, pollTimeoutMs: 3 }).forwardMany([
      { number: A, destination: BACKUP, mode: 'always' },
    ]);

    expect(outcomes[0]).toMatchObject({ ok: false, error: { retryable: true } });
  });
});

describe('BandwidthCarrier failures', () => {
  it('turns rejected credentials into CarrierAuthError without them in the message', async () => {
    const attempt = carrier({ password: 'wrong-password-value' }).readRouting(A);

    await expect(attempt).rejects.toBeInstanceOf(CarrierAuthError);
    await expect(attempt).rejects.toMatchObject({
      status: 401,
      message: expect.not.stringMatching(/wrong-password-value|api-user/),
    });
  });

  it('turns 429 with X-RateLimit-Reset into a retryable error with retryAfterMs', async () => {
    await fake.stop();
    const now = 1_700_000_000_000;
    await startFake({ now: () => now, retryAfterSeconds: 3 });
    fake.failNext('rate-limit');

    await expect(carrier({ now: () => now }).readRouting(A)).rejects.toMatchObject({
      retryable: true,
      status: 429,
      retryAfterMs: 3000,
    });
  });

  it('turns 429 without X-RateLimit-Reset into a retryable error without retryAfterMs', async () => {
    fake.failNext('rate-limit-without-retry-after');

    await expect(carrier().readRouting(A)).rejects.toMatchObject({
      retryable: true,
      status: 429,
      retryAfterMs: undefined,
    });
  });

  it.each(['http-500', 'http-502', 'http-503'] as const)(
    'treats %s as retryable, reading the XML ErrorCode',
    async (kind) => {
      fake.failNext(kind);

      await expect(carrier().readRouting(A)).rejects.toMatchObject({ retryable: true, code: kind.slice(5) });
    },
  );

  it('times out a slow answer as retryable', async () => {
    await fake.stop();
    await startFake({ slowMs: 2000 });
    fake.failNext('slow');

    await expect(carrier({ timeoutMs: 50 }).readRouting(A)).rejects.toMatchObject({ retryable: true });
  });

  it('treats a reset connection as retryable', async () => {
    fake.failNext('connection-reset');

    await expect(carrier().readRouting(A)).rejects.toMatchObject({ retryable: true });
  });

  it('treats a truncated XML answer as malformed and retryable', async () => {
    fake.failNext('malformed');

    await expect(carrier().readRouting(A)).rejects.toMatchObject({
      retryable: true,
      message: expect.stringContaining('malformed response'),
    });
  });

  it('reports "accepted but answered 500" on order creation as retryable', async () => {
    fake.failNext('accepted-then-500', { when: (request) => request.method === 'POST' });

    await expect(carrier().forward({ number: A, destination: BACKUP, mode: 'always' })).rejects.toMatchObject(
      {
        retryable: true,
        status: 500,
      },
    );
  });
});

if (officialSpecsPresent()) {
  describe('BandwidthCarrier against the official Bandwidth spec (../shared/carrier-specs)', () => {
    it('sends only operations and XML elements the spec defines', async () => {
      const bandwidth = carrier();
      const snapshot = await bandwidth.readRouting(B);
      await bandwidth.forward({ number: B, destination: BACKUP, mode: 'always' });
      await bandwidth.restore(snapshot);
      await bandwidth.forwardMany([
        { number: A, destination: BACKUP, mode: 'always' },
        { number: C, destination: '+13035550000', mode: 'always' },
      ]);
      const spec = loadOfficialSpec('bandwidth/numbers.yml');
      const parser = new XMLParser({
        isArray: (name) => ['TnOptionGroup', 'TelephoneNumber'].includes(name),
      });

      const problems = fake.requests.flatMap((entry) =>
        checkRequestAgainstSpec(spec, {
          method: entry.method,
          path: entry.path,
          query: entry.query,
          contentType: entry.contentType,
          body: entry.body === '' ? undefined : parser.parse(entry.body),
        }),
      );

      expect(fake.requests.length).toBeGreaterThan(8);
      expect(problems).toEqual([]);
    });
  });
} else {
  describe('BandwidthCarrier against the official Bandwidth spec', () => {
    it('is not checked here because ../shared/carrier-specs is absent', () => {
      expect(officialSpecsPresent()).toBe(false);
    });
  });
}
