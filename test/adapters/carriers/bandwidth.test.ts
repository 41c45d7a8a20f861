import { XMLParser } from 'fast-xml-parser';
import type { BandwidthCarrier, BandwidthCarrierOptions } from '../../../lambdas/adapters/carriers/bandwidth';
import { CarrierAuthError, CarrierError } from '../../../lambdas/contracts/errors';
import type { RouteCall, SiteRoute } from '../../../lambdas/ports/carrier-routes';
import {
  BandwidthFake,
  type BandwidthFakeOptions,
} from '../../../lib/developer/carrier-fakes/bandwidth-fake';
import { checkRequestAgainstSpec, loadOfficialSpec, officialSpecsPresent } from '../../support/official-spec';
import { bandwidthOn } from './bandwidth-fixture';

const A = '+19195550100';
const B = '+19195550101';
const C = '+19195550102';
const D = '+19195550103';
const BACKUP = '+13035559123';
const ROUTE: SiteRoute = {
  siteId: 'dallas',
  carrier: 'bandwidth',
  mode: 'native',
  primarySipUri: 'sip:sbc1.dal.example.net:5060',
  backupSipUri: 'sip:sbc1.den.example.net:5060',
  ids: { bandwidthSiteId: '479', sipPeerId: '500014' },
};
const ROOT_IS_SCHEMA = new Set(['UpdateSipPeerTnSettings', 'UpdateSipPeer']);

let fake: BandwidthFake;

async function startFake(options: BandwidthFakeOptions = {}): Promise<BandwidthFake> {
  fake = await new BandwidthFake(options).start();
  fake.seedNumbers([{ phoneNumber: A }, { phoneNumber: B, callForward: '7042661720' }, { phoneNumber: C }]);
  return fake;
}

function carrier(options: Partial<BandwidthCarrierOptions> = {}): BandwidthCarrier {
  return bandwidthOn(fake, options);
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
  it('reads the SIP peer and route plan (RetrieveTnDetails) and the CallForward (ReadSipPeerTn) on every read', async () => {
    const bandwidth = carrier();

    const snapshot = await bandwidth.readRouting(B);
    await bandwidth.readRouting(B);

    expect(snapshot).toEqual({
      carrier: 'bandwidth',
      number: B,
      forwardsTo: '+17042661720',
      mode: 'always',
      settings: {
        tn: '9195550101',
        siteId: '479',
        sipPeerId: '500014',
        callForward: '7042661720',
        originationRoutePlan: null,
      },
    });
    expect(snapshot.settings).toEqual(fake.routingOf(B));
    expect(fake.requests.map((entry) => entry.operation)).toEqual([
      'RetrieveTnDetails',
      'ReadSipPeerTn',
      'RetrieveTnDetails',
      'ReadSipPeerTn',
    ]);
  });

  it('reads a number without CallForward as not forwarded', async () => {
    expect(await carrier().readRouting(A)).toMatchObject({
      forwardsTo: null,
      mode: null,
      settings: { callForward: null },
    });
  });

  it('forwards one number with UpdateSipPeerTnSettings, set when it answers', async () => {
    await carrier().forward({ number: A, destination: BACKUP, mode: 'always' });

    expect(fake.routingOf(A)!.callForward).toBe('3035559123');
    expect(fake.requests.map((entry) => entry.operation)).toEqual([
      'RetrieveTnDetails',
      'UpdateSipPeerTnSettings',
    ]);
    expect(fake.writesTo(A)).toBe(1);
  });

  it('forwards one number with a TN option order, polled until COMPLETE, when configured so', async () => {
    await carrier({ singleNumberWrite: 'tn-option-order' }).forward({
      number: A,
      destination: BACKUP,
      mode: 'always',
    });

    expect(fake.routingOf(A)!.callForward).toBe('3035559123');
    expect(fake.requests.map((entry) => entry.operation)).toEqual([
      'RetrieveTnDetails',
      'CreateTnOptionOrder',
      'GetTnOptionOrder',
      'GetTnOptionOrder',
    ]);
  });

  it('falls back to a TN option order when UpdateSipPeerTnSettings answers 409, as the spec advises', async () => {
    const conflicting: typeof fetch = async (input, init) =>
      init?.method === 'PUT'
        ? new Response('', { status: 409, headers: { 'Content-Type': 'application/xml' } })
        : fetch(input, init);

    await carrier({ fetch: conflicting }).forward({ number: A, destination: BACKUP, mode: 'always' });

    expect(fake.routingOf(A)!.callForward).toBe('3035559123');
    expect(fake.requests.filter((entry) => entry.operation === 'CreateTnOptionOrder')).toHaveLength(1);
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

    const attempt = carrier({ singleNumberWrite: 'tn-option-order' }).forward({
      number: A,
      destination: BACKUP,
      mode: 'always',
    });

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

  it('splits more than `bulkLimit` numbers into several orders', async () => {
    const numbers = Array.from({ length: 101 }, (_, index) => `+1212555${String(index).padStart(4, '0')}`);
    fake.seedNumbers(numbers.map((phoneNumber) => ({ phoneNumber })));

    const outcomes = await carrier({ bulkLimit: 100 }).forwardMany(
      numbers.map((number) => ({ number, destination: BACKUP, mode: 'always' })),
    );

    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(fake.requests.filter((entry) => entry.operation === 'CreateTnOptionOrder')).toHaveLength(2);
  });

  it('keeps polling through a 429 on GetTnOptionOrder instead of ordering again', async () => {
    fake.failNext('rate-limit', { when: (request) => request.path.includes('/tnoptions/') });

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

  it('reports "accepted but answered 500" on the per-number update as retryable', async () => {
    fake.failNext('accepted-then-500', { when: (request) => request.method === 'PUT' });

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
    it('sends only operations and XML elements the spec defines, route operations included', async () => {
      const bandwidth = carrier();
      const snapshot = await bandwidth.readRouting(B);
      await bandwidth.forward({ number: B, destination: BACKUP, mode: 'always' });
      await bandwidth.restore(snapshot);
      await bandwidth.forwardMany([
        { number: A, destination: BACKUP, mode: 'always' },
        { number: C, destination: '+13035550000', mode: 'always' },
      ]);
      fake.seedNumbers([
        {
          phoneNumber: D,
          originationRoutePlan: [{ endpoint: 'sbc9.example.net', priority: 1, weight: 100 }],
        },
      ]);
      const planned = await bandwidth.readRouting(D);
      await bandwidth.forward({ number: D, destination: BACKUP, mode: 'always' });
      await bandwidth.restore(planned);
      const call: RouteCall = (request) => request();
      fake.seedSiteRoute(ROUTE, [A]);
      await bandwidth.routes.armNative(ROUTE, [A, C], call);
      const record = await bandwidth.routes.planSwitch(ROUTE, call);
      await bandwidth.routes.switchToBackup(ROUTE, record, call);
      await bandwidth.routes.switchBack(ROUTE, record, call);
      const moving = { ...ROUTE, ids: { ...ROUTE.ids, backupSipPeerId: '500099' } };
      fake.seedSiteRoute(moving, [A]);
      const moveRecord = await bandwidth.routes.planSwitch(moving, call);
      await bandwidth.routes.switchToBackup(moving, moveRecord, call);
      await bandwidth.routes.switchBack(moving, moveRecord, call);
      const spec = loadOfficialSpec('bandwidth/numbers.yml');
      const parser = new XMLParser({
        isArray: (name) => ['TnOptionGroup', 'TelephoneNumber', 'Route', 'FullNumber'].includes(name),
      });

      const problems = fake.requests.flatMap((entry) => {
        const parsed = entry.body === '' ? undefined : parser.parse(entry.body);
        return checkRequestAgainstSpec(spec, {
          method: entry.method,
          path: entry.path,
          query: entry.query,
          contentType: entry.contentType,
          // These two operations' schemas are their root element (SipPeerTelephoneNumber,
          // SipPeerPayload); the others' schemas hold the root as a property (TnOptionOrder).
          body: ROOT_IS_SCHEMA.has(entry.operation ?? '') ? Object.values(parsed)[0] : parsed,
        });
      });

      const operations = new Set(fake.requests.map((entry) => entry.operation));
      expect([...operations].sort()).toEqual([
        'CreateSipPeerTelephoneNumberBulk',
        'CreateTnOptionOrder',
        'GetTnOptionOrder',
        'ReadSipPeer',
        'ReadSipPeerTn',
        'ReadSipPeerTns',
        'RetrieveTnDetails',
        'UpdateSipPeer',
        'UpdateSipPeerTnSettings',
      ]);
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
