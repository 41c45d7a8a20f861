/**
 * `numberRoutePlans: none`: the operator's word that no TN on the account has an origination route
 * plan of its own. The SIP peer TN lists (ReadSipPeerTns) cannot show such a plan, so only with
 * that word are their readings complete for TNs without a CallForward, and the route audit can
 * skip RetrieveTnDetails. The default (`possible`) keeps the per-TN reads.
 */
import type { BandwidthCarrier, BandwidthCarrierOptions } from '../../../lambdas/adapters/carriers/bandwidth';
import { seededRandom } from '../../../lambdas/adapters/local/seeded-random';
import { RetryPolicy } from '../../../lambdas/domain/forwarding/retry-policy';
import {
  type CheckedRouting,
  checkRoutingInPages,
  takeRoutingBaseline,
} from '../../../lambdas/domain/forwarding/routing-baseline';
import { CarrierLanes } from '../../../lambdas/domain/forwarding/token-bucket';
import type { RouteCall, SiteRoute } from '../../../lambdas/ports/carrier-routes';
import type { CarrierCall, PageReading } from '../../../lambdas/ports/carriers';
import { BandwidthFake } from '../../../lib/developer/carrier-fakes/bandwidth-fake';
import { FakeClock } from '../../domain/forwarding/fake-clock';
import { bandwidthOn } from './bandwidth-fixture';

const BACKUP = '+13035559123';
const OWN_PLAN = [{ endpoint: 'sip:pbx.example.net', priority: 1 }];
const ROUTE: SiteRoute = {
  siteId: 'dallas',
  carrier: 'bandwidth',
  mode: 'native',
  primarySipUri: 'sip:sbc1.dal.example.net:5060',
  backupSipUri: 'sip:sbc1.den.example.net:5060',
  ids: { bandwidthSiteId: '479', sipPeerId: '500014' },
};

let fake: BandwidthFake;

function carrier(options: Partial<BandwidthCarrierOptions> = {}): BandwidthCarrier {
  return bandwidthOn(fake, { sipPeerTnsPageSize: 1000, ...options });
}

/** `count` numbers from +1212555<start>, none with a CallForward or a route plan. */
function plainNumbers(start: number, count: number): string[] {
  const numbers = Array.from(
    { length: count },
    (_, index) => `+1212555${String(start + index).padStart(4, '0')}`,
  );
  fake.seedNumbers(numbers.map((phoneNumber) => ({ phoneNumber })));
  return numbers;
}

function operations(): (string | undefined)[] {
  return fake.requests.map((entry) => entry.operation);
}

function countOf(operation: string): number {
  return operations().filter((name) => name === operation).length;
}

/** The baseline of `numbers` taken from nothing stored, on a virtual clock. */
async function takeBaseline(bandwidth: BandwidthCarrier, numbers: readonly string[]) {
  const clock = new FakeClock();
  const lanes = new CarrierLanes({ bandwidth: { rateLimitPerSecond: 1000, maxConcurrency: 10 } }, clock);
  return takeRoutingBaseline({
    carrier: bandwidth,
    numbers,
    previous: new Map(),
    lane: lanes.lane('bandwidth'),
    policy: new RetryPolicy({ retryBudget: 100 }, seededRandom(1)),
    clock,
  });
}

beforeEach(async () => {
  fake = await new BandwidthFake().start();
});

afterEach(async () => {
  const violations = fake.violations;
  await fake.stop();
  expect(violations).toEqual([]);
});

describe('BandwidthCarrier routing pages with numberRoutePlans none', () => {
  it('reads 2,600 TNs without a CallForward completely in one ListSites and 3 pages, with no per-TN read', async () => {
    const numbers = plainNumbers(0, 2600);
    const bandwidth = carrier({ numberRoutePlans: 'none' });
    let calls = 0;
    const call: CarrierCall = (request) => {
      calls += 1;
      return request();
    };
    const readings: PageReading[] = [];

    const { unseen } = await bandwidth.routingPages.read(numbers, call, (page) => readings.push(...page));

    expect(operations()).toEqual(['ListSites', 'ReadSipPeerTns', 'ReadSipPeerTns', 'ReadSipPeerTns']);
    expect(calls).toBe(4);
    expect(unseen).toEqual([]);
    expect(readings).toHaveLength(2600);
    expect(readings.every((reading) => reading.complete)).toBe(true);
    expect(readings[0].snapshot.settings).toMatchObject({ callForward: null, originationRoutePlan: null });
    const first = readings.find((reading) => reading.snapshot.number === numbers[0])!;
    expect(first.snapshot).toEqual(await bandwidth.readRouting(numbers[0]));
  });

  it('takes the baseline and the outage check of 2,600 TNs from the pages alone', async () => {
    const numbers = plainNumbers(0, 2600);
    const bandwidth = carrier({ numberRoutePlans: 'none' });

    const baseline = await takeBaseline(bandwidth, numbers);
    const checked: CheckedRouting[] = [];
    await checkRoutingInPages({
      carrier: bandwidth,
      numbers,
      baseline: new Map(),
      call: (request) => request(),
      onChecked: (_, result) => checked.push(result),
    });

    expect(baseline.requests).toBe(4);
    expect(baseline.entries).toHaveLength(2600);
    expect(baseline.unread).toEqual([]);
    expect(checked).toHaveLength(2600);
    expect(checked.every((result) => result.kind === 'read')).toBe(true);
    expect(countOf('RetrieveTnDetails') + countOf('ReadSipPeerTn')).toBe(0);
  });

  it('by default (possible) completes each TN without a CallForward with its details alone, as readRouting reads it', async () => {
    const numbers = plainNumbers(0, 30);
    fake.seedNumbers([{ phoneNumber: numbers[3], originationRoutePlan: OWN_PLAN }]);
    const bandwidth = carrier();

    const baseline = await takeBaseline(bandwidth, numbers);

    expect(baseline.entries).toHaveLength(30);
    expect(baseline.unread).toEqual([]);
    // The page showed each CallForward: only the route plan is looked up (ListSites, 1 page, 30).
    expect(countOf('RetrieveTnDetails')).toBe(30);
    expect(countOf('ReadSipPeerTn')).toBe(0);
    expect(baseline.requests).toBe(32);
    const byNumber = new Map(baseline.entries.map((entry) => [entry.snapshot.number, entry.snapshot]));
    for (const number of [numbers[0], numbers[3]]) {
      expect(byNumber.get(number)).toEqual(await carrier().readRouting(number));
    }
    expect(byNumber.get(numbers[3])!.settings).toMatchObject({
      originationRoutePlan: [{ endpoint: 'sip:pbx.example.net' }],
    });
  });

  it('reads the CallForward again where a TN moved to between its page and its details', async () => {
    const numbers = plainNumbers(0, 2);
    const bandwidth = carrier();
    const readings: PageReading[] = [];
    await bandwidth.routingPages.read(
      numbers,
      (request) => request(),
      (page) => readings.push(...page),
    );
    const partial = readings.find((reading) => reading.snapshot.number === numbers[0])!.snapshot;
    fake.seedNumbers([
      { phoneNumber: numbers[0], siteId: '480', sipPeerId: '600001', callForward: '7042661720' },
    ]);
    fake.requests.length = 0;

    const completed = await bandwidth.routingPages.completeReading(partial, (request) => request());

    expect(operations()).toEqual(['RetrieveTnDetails', 'ReadSipPeerTn']);
    expect(completed).toEqual(await carrier().readRouting(numbers[0]));
    expect(completed.settings).toMatchObject({
      siteId: '480',
      sipPeerId: '600001',
      callForward: '7042661720',
    });
  });

  it('takes the pages of TNs the route audit just looked up as complete, and forgets a TN whose route plan it forwarded', async () => {
    const numbers = ['+19195550100', '+19195550101', '+19195550102'];
    fake.seedSiteRoute(ROUTE, numbers);
    fake.seedNumbers([{ phoneNumber: numbers[2], originationRoutePlan: OWN_PLAN }]);
    const bandwidth = carrier();
    await bandwidth.routes.audit(ROUTE, numbers, (request) => request());
    fake.requests.length = 0;

    const readings: PageReading[] = [];
    await bandwidth.routingPages.read(
      numbers,
      (request) => request(),
      (page) => readings.push(...page),
    );

    expect(operations().filter((name) => name !== 'ListSites' && name !== 'ReadSipPeerTns')).toEqual([]);
    expect(readings.every((reading) => reading.complete)).toBe(true);
    const withPlan = readings.find((reading) => reading.snapshot.number === numbers[2])!.snapshot;
    expect(withPlan).toEqual(await carrier().readRouting(numbers[2]));

    await bandwidth.forward({ number: numbers[2], destination: BACKUP, mode: 'always' });
    const after: PageReading[] = [];
    await bandwidth.routingPages.read(
      numbers,
      (request) => request(),
      (page) => after.push(...page),
    );

    // The order replaced the route plan: the page cannot show the new one, so it is not complete.
    expect(after.find((reading) => reading.snapshot.number === numbers[2])!.complete).toBe(false);
    expect(after.find((reading) => reading.snapshot.number === numbers[0])!.complete).toBe(true);
  });

  it('forwards a TN learned from the pages with one UpdateSipPeerTnSettings, looking nothing up', async () => {
    const numbers = plainNumbers(0, 30);
    const bandwidth = carrier({ numberRoutePlans: 'none' });
    await bandwidth.routingPages.read(
      numbers,
      (request) => request(),
      () => {},
    );
    fake.requests.length = 0;

    await bandwidth.forward({ number: numbers[0], destination: BACKUP, mode: 'always' });

    expect(operations()).toEqual(['UpdateSipPeerTnSettings']);
    expect(fake.routingOf(numbers[0])!.callForward).toBe('3035559123');
  });

  it('still forwards a TN that does have a route plan: readRouting learns it, forward replaces the plan', async () => {
    const [number] = plainNumbers(0, 1);
    fake.seedNumbers([{ phoneNumber: number, originationRoutePlan: OWN_PLAN }]);
    const bandwidth = carrier({ numberRoutePlans: 'none' });

    const snapshot = await bandwidth.readRouting(number);
    await bandwidth.forward({ number, destination: BACKUP, mode: 'always' });

    expect(snapshot.settings).toMatchObject({ originationRoutePlan: [{ endpoint: 'sip:pbx.example.net' }] });
    expect(operations()).not.toContain('UpdateSipPeerTnSettings');
    expect(fake.routingOf(number)).toMatchObject({
      callForward: null,
      originationRoutePlan: [{ endpoint: '3035559123' }],
    });
  });

  it('forwards one TN the pages took for plain by its route plan when Bandwidth refuses the CallForward', async () => {
    const numbers = plainNumbers(0, 30);
    fake.seedNumbers([{ phoneNumber: numbers[0], originationRoutePlan: OWN_PLAN }]);
    const bandwidth = carrier({ numberRoutePlans: 'none' });
    await bandwidth.routingPages.read(
      numbers,
      (request) => request(),
      () => {},
    );
    fake.requests.length = 0;

    await bandwidth.forward({ number: numbers[0], destination: BACKUP, mode: 'always' });

    expect(operations().slice(0, 2)).toEqual(['UpdateSipPeerTnSettings', 'RetrieveTnDetails']);
    expect(operations()).toContain('CreateTnOptionOrder');
    expect(fake.routingOf(numbers[0])).toMatchObject({
      callForward: null,
      originationRoutePlan: [{ endpoint: '3035559123' }],
    });
  });
});

describe('BandwidthRoutes audit with numberRoutePlans none', () => {
  const call: RouteCall = (request) => request();

  it('sends no RetrieveTnDetails and names only what the SIP peer TN list shows', async () => {
    const numbers = ['+19195550100', '+19195550101', '+19195550102'];
    fake.seedSiteRoute(ROUTE, numbers);
    fake.seedNumbers([{ phoneNumber: numbers[1], callForward: '7042661720' }]);

    const readBack = await carrier({ numberRoutePlans: 'none' }).routes.audit(ROUTE, numbers, call);

    expect(countOf('RetrieveTnDetails')).toBe(0);
    expect(readBack.ignored).toEqual([
      { number: numbers[1], reason: expect.stringContaining('has CallForward to 7042661720') },
    ]);
  });

  it('by default (possible) looks up each listed TN without a CallForward', async () => {
    const numbers = ['+19195550100', '+19195550101', '+19195550102'];
    fake.seedSiteRoute(ROUTE, numbers);
    fake.seedNumbers([{ phoneNumber: numbers[1], callForward: '7042661720' }]);

    await carrier().routes.audit(ROUTE, numbers, call);

    expect(countOf('RetrieveTnDetails')).toBe(2);
  });

  it('hands every lookup to the call at once and names the TNs with plans of their own in plan order', async () => {
    const numbers = Array.from({ length: 40 }, (_, index) => `+1919555${String(index).padStart(4, '0')}`);
    fake.seedSiteRoute(ROUTE, numbers);
    fake.seedNumbers(
      [numbers[31], numbers[7]].map((phoneNumber) => ({ phoneNumber, originationRoutePlan: OWN_PLAN })),
    );
    let inFlight = 0;
    let most = 0;
    const counting: RouteCall = async (request) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      try {
        return await request();
      } finally {
        inFlight -= 1;
      }
    };

    const readBack = await carrier().routes.audit(ROUTE, numbers, counting);

    expect(most).toBeGreaterThan(10);
    expect(readBack.ignored.map((ignored) => ignored.number)).toEqual([numbers[7], numbers[31]]);
  });

  it('looks no TN up twice in one run: a second audit reuses what the first learned; a new adapter looks each up', async () => {
    const numbers = ['+19195550100', '+19195550101', '+19195550102'];
    fake.seedSiteRoute(ROUTE, numbers);
    fake.seedNumbers([{ phoneNumber: numbers[2], originationRoutePlan: OWN_PLAN }]);
    const bandwidth = carrier();
    const first = await bandwidth.routes.audit(ROUTE, numbers, call);
    fake.requests.length = 0;

    const second = await bandwidth.routes.audit(ROUTE, numbers, call);

    expect(countOf('RetrieveTnDetails')).toBe(0);
    expect(second.ignored).toEqual(first.ignored);
    expect(second.ignored).toEqual([
      { number: numbers[2], reason: expect.stringContaining('its own origination route plan') },
    ]);

    await carrier().routes.audit(ROUTE, numbers, call);
    expect(countOf('RetrieveTnDetails')).toBe(3);
  });

  it('fails the read-back when a lookup fails, after every other lookup has settled', async () => {
    const numbers = Array.from({ length: 20 }, (_, index) => `+1919555${String(index).padStart(4, '0')}`);
    fake.seedSiteRoute(ROUTE, numbers);
    let lookups = 0;
    let settled = 0;
    const failingFifth: RouteCall = async (request) => {
      lookups += 1;
      const lookup = lookups;
      try {
        if (lookup === 5) throw new Error('lookup 5 refused');
        return await request();
      } finally {
        settled += 1;
      }
    };

    await expect(carrier().routes.audit(ROUTE, numbers, failingFifth)).rejects.toThrow('lookup 5 refused');
    expect(settled).toBe(lookups);
  });
});
