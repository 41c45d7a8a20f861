import { BandwidthCarrier } from '../../../lambdas/adapters/carriers/bandwidth';
import type { RouteCall, SiteRoute } from '../../../lambdas/ports/carrier-routes';
import { BandwidthFake } from '../../../lib/developer/carrier-fakes/bandwidth-fake';

const PRIMARY = 'sip:sbc1.dal.example.net:5060';
const BACKUP = 'sip:sbc1.den.example.net:5060';
const A = '+19195550100';
const B = '+19195550101';
const ROUTE: SiteRoute = {
  siteId: 'dallas',
  carrier: 'bandwidth',
  mode: 'native',
  primarySipUri: PRIMARY,
  backupSipUri: BACKUP,
  ids: { bandwidthSiteId: '479', sipPeerId: '500014' },
};
const MOVING: SiteRoute = { ...ROUTE, mode: 'switch', ids: { ...ROUTE.ids, backupSipPeerId: '500099' } };
const primaryDown = (target: string) => target !== PRIMARY;
const allUp = () => true;
const call: RouteCall = (request) => request();

let fake: BandwidthFake;

function carrier(): BandwidthCarrier {
  return new BandwidthCarrier({
    accountId: fake.accountId,
    username: fake.username,
    password: fake.password,
    baseUrl: fake.baseUrl,
    sleep: async () => {},
  });
}

const writes = () => fake.requests.filter((entry) => entry.method !== 'GET');

beforeEach(async () => {
  fake = await new BandwidthFake().start();
});

afterEach(async () => {
  const violations = fake.violations;
  await fake.stop();
  expect(violations).toEqual([]);
});

describe('BandwidthRoutes native failover (the SIP peer route plan)', () => {
  it('arms the backup after the primary, reads it back, and Bandwidth then fails calls over to it', async () => {
    fake.seedSiteRoute(ROUTE, [A, B]);
    expect(fake.routeCall(A, primaryDown).reached).toBeNull();

    const readBack = await carrier().routes.armNative(ROUTE, [A, B], call);

    expect(readBack).toMatchObject({ armed: true, ignored: [] });
    expect(readBack.details[0]).toContain(`1 ${PRIMARY} (100), 2 ${BACKUP} (100)`);
    expect(fake.sipPeerOf('479', '500014')!.originationRoutePlan).toEqual([
      { endpoint: PRIMARY, priority: 1, weight: 100 },
      { endpoint: BACKUP, priority: 2, weight: 100 },
    ]);
    expect(fake.routeCall(A, allUp).reached).toBe(PRIMARY);
    expect(fake.routeCall(A, primaryDown)).toEqual({
      reached: BACKUP,
      tried: [
        { target: PRIMARY, via: 'SIP peer 500014 route plan, priority 1', up: false },
        { target: BACKUP, via: 'SIP peer 500014 route plan, priority 2', up: true },
      ],
    });
  });

  it('sends only reads when armed again, and keeps the SIP peer settings it did not mean to change', async () => {
    fake.seedSiteRoute(ROUTE, [A]);
    const before = fake.sipPeerOf('479', '500014')!;
    const bandwidth = carrier();
    await bandwidth.routes.armNative(ROUTE, [A], call);
    const written = writes().length;

    const again = await bandwidth.routes.armNative(ROUTE, [A], call);

    expect(written).toBe(1);
    expect(writes()).toHaveLength(1);
    expect(again.armed).toBe(true);
    expect(fake.sipPeerOf('479', '500014')).toEqual({
      ...before,
      originationRoutePlan: expect.arrayContaining([expect.objectContaining({ endpoint: BACKUP })]),
    });
  });

  it('audits without writing: not armed before arm, and names each number the route plan does not carry', async () => {
    fake.seedSiteRoute(ROUTE, [A]);
    fake.seedNumbers([
      { phoneNumber: B, callForward: '7042661720' },
      {
        phoneNumber: '+19195550102',
        originationRoutePlan: [{ endpoint: 'sip:pbx.example.net', priority: 1 }],
      },
      { phoneNumber: '+19195550103', sipPeerId: '500015' },
    ]);

    const readBack = await carrier().routes.audit(
      ROUTE,
      [A, B, '+19195550102', '+19195550103', '+442071234567'],
      call,
    );

    expect(writes()).toEqual([]);
    expect(readBack.armed).toBe(false);
    expect(readBack.ignored).toEqual([
      { number: B, reason: expect.stringContaining('has CallForward to 7042661720') },
      {
        number: '+19195550102',
        reason: expect.stringContaining(
          "has its own origination route plan (1 sip:pbx.example.net): it overrides the SIP peer's",
        ),
      },
      { number: '+19195550103', reason: expect.stringContaining('not on SIP peer 500014 of site 479') },
      { number: '+442071234567', reason: expect.stringContaining('not a North American number') },
    ]);
  });
});

describe('BandwidthRoutes switch of the SIP peer route plan', () => {
  it('plans with reads only, switches in one update, and switches back to exactly the seeded SIP peer', async () => {
    fake.seedSiteRoute({ ...ROUTE, mode: 'switch' }, [A]);
    const seeded = fake.sipPeerOf('479', '500014');
    const bandwidth = carrier();

    const record = await bandwidth.routes.planSwitch(ROUTE, call);
    expect(writes()).toEqual([]);
    await bandwidth.routes.switchToBackup(ROUTE, JSON.parse(JSON.stringify(record)), call);
    await bandwidth.routes.switchToBackup(ROUTE, record, call);

    expect(writes().map((entry) => entry.operation)).toEqual(['UpdateSipPeer']);
    expect(fake.routeCall(A, allUp).reached).toBe(BACKUP);
    expect(record).toEqual({
      kind: 'sip-peer-route-plan',
      siteId: '479',
      sipPeerId: '500014',
      before: [{ endpoint: PRIMARY, priority: 1, weight: 100 }],
      after: [
        { endpoint: BACKUP, priority: 1, weight: 100 },
        { endpoint: PRIMARY, priority: 2, weight: 100 },
      ],
    });

    await bandwidth.routes.switchBack(ROUTE, record, call);
    await bandwidth.routes.switchBack(ROUTE, record, call);

    expect(writes().map((entry) => entry.operation)).toEqual(['UpdateSipPeer', 'UpdateSipPeer']);
    expect(fake.routeCall(A, allUp).reached).toBe(PRIMARY);
    expect(fake.sipPeerOf('479', '500014')).toEqual(seeded);
  });

  it('refuses to switch back over a route plan someone changed since the switch, naming it', async () => {
    fake.seedSiteRoute(ROUTE, [A]);
    const bandwidth = carrier();
    const record = await bandwidth.routes.planSwitch(ROUTE, call);
    await bandwidth.routes.switchToBackup(ROUTE, record, call);
    fake.seedSipPeer({
      siteId: '479',
      sipPeerId: '500014',
      originationRoutePlan: [{ endpoint: 'sip:other.example.net', priority: 1 }],
    });

    await expect(bandwidth.routes.switchBack(ROUTE, record, call)).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('changed since the switch (now 1 sip:other.example.net)'),
    });
  });
});

describe('BandwidthRoutes switch by movetns to the backup SIP peer', () => {
  it('moves every TN to the backup SIP peer and back, leaving each number as seeded', async () => {
    fake.seedSiteRoute(MOVING, [A, B]);
    const seeded = [fake.routingOf(A), fake.routingOf(B)];
    const bandwidth = carrier();

    const record = await bandwidth.routes.planSwitch(MOVING, call);
    await bandwidth.routes.switchToBackup(MOVING, record, call);
    await bandwidth.routes.switchToBackup(MOVING, record, call);

    expect(record).toMatchObject({
      kind: 'movetns',
      fromSipPeerId: '500014',
      toSipPeerId: '500099',
      tns: ['9195550100', '9195550101'],
    });
    expect(writes().map((entry) => entry.operation)).toEqual(['CreateSipPeerTelephoneNumberBulk']);
    expect(fake.routeCall(A, allUp).reached).toBe(BACKUP);
    expect((await bandwidth.readRouting(B)).settings).toMatchObject({ sipPeerId: '500099' });

    await bandwidth.routes.switchBack(MOVING, record, call);
    await bandwidth.routes.switchBack(MOVING, record, call);

    expect(writes()).toHaveLength(2);
    expect(fake.routeCall(A, allUp).reached).toBe(PRIMARY);
    expect([fake.routingOf(A), fake.routingOf(B)]).toEqual(seeded);
  });

  it('moves at most 5,000 TNs a call, reading the SIP peer 5,000 a page', async () => {
    const numbers = Array.from({ length: 5001 }, (_, index) => `+1212555${String(index).padStart(4, '0')}`);
    fake.seedSiteRoute(MOVING, numbers);
    const bandwidth = carrier();

    const record = await bandwidth.routes.planSwitch(MOVING, call);
    await bandwidth.routes.switchToBackup(MOVING, record, call);

    expect((record.tns as string[]).length).toBe(5001);
    expect(
      fake.requests.filter((entry) => entry.operation === 'ReadSipPeerTns').map((entry) => entry.query.page),
    ).toEqual(['1', '2', '1', '2']);
    expect(writes().map((entry) => entry.operation)).toEqual([
      'CreateSipPeerTelephoneNumberBulk',
      'CreateSipPeerTelephoneNumberBulk',
    ]);
    expect(fake.routeCall(numbers[5000], allUp).reached).toBe(BACKUP);
  });

  it('refuses to plan a move to a backup SIP peer without routes', async () => {
    fake.seedSiteRoute(MOVING, [A]);
    fake.seedSipPeer({ siteId: '479', sipPeerId: '500099', originationRoutePlan: null });

    await expect(carrier().routes.planSwitch(MOVING, call)).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('backup SIP peer 500099 has no route plan'),
    });
  });
});
