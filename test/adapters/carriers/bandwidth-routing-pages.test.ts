import type { BandwidthCarrier, BandwidthCarrierOptions } from '../../../lambdas/adapters/carriers/bandwidth';
import { CarrierError } from '../../../lambdas/contracts/errors';
import type { CarrierCall, PageReading } from '../../../lambdas/ports/carriers';
import {
  BandwidthFake,
  type BandwidthFakeNumber,
  type BandwidthFakeOptions,
} from '../../../lib/developer/carrier-fakes/bandwidth-fake';
import { checkRequestAgainstSpec, loadOfficialSpec, officialSpecsPresent } from '../../support/official-spec';
import { bandwidthOn } from './bandwidth-fixture';

const BACKUP = '+13035559123';
const FORWARDED_TO = '7042661720';

let fake: BandwidthFake;

async function startFake(options: BandwidthFakeOptions = {}): Promise<void> {
  fake = await new BandwidthFake(options).start();
}

function carrier(options: Partial<BandwidthCarrierOptions> = {}): BandwidthCarrier {
  return bandwidthOn(fake, { sipPeerTnsPageSize: 1000, ...options });
}

/** `count` numbers from +1212555<start>, every third with a CallForward unless `forwarded` says. */
function numbersFrom(start: number, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `+1212555${String(start + index).padStart(4, '0')}`);
}

function seed(
  numbers: readonly string[],
  at: Partial<BandwidthFakeNumber> = {},
  forwarded: (index: number) => boolean = (index) => index % 3 === 0,
): void {
  fake.seedNumbers(
    numbers.map((phoneNumber, index) => ({
      phoneNumber,
      ...at,
      callForward: forwarded(index) ? FORWARDED_TO : null,
    })),
  );
}

/** A call that counts requests and how many were in flight at once. */
function countingCall(): { call: CarrierCall; calls: number; mostInFlight: number } {
  const tally = { calls: 0, mostInFlight: 0, inFlight: 0 };
  const call: CarrierCall = async (request) => {
    tally.calls += 1;
    tally.inFlight += 1;
    tally.mostInFlight = Math.max(tally.mostInFlight, tally.inFlight);
    try {
      return await request();
    } finally {
      tally.inFlight -= 1;
    }
  };
  return {
    call,
    get calls() {
      return tally.calls;
    },
    get mostInFlight() {
      return tally.mostInFlight;
    },
  };
}

async function readAll(
  bandwidth: BandwidthCarrier,
  numbers: readonly string[],
  call: CarrierCall = countingCall().call,
): Promise<{ pages: PageReading[][]; unseen: string[] }> {
  const pages: PageReading[][] = [];
  const { unseen } = await bandwidth.routingPages.read(numbers, call, (readings) => pages.push(readings));
  return { pages, unseen };
}

function operations(): (string | undefined)[] {
  return fake.requests.map((entry) => entry.operation);
}

beforeEach(async () => {
  await startFake();
});

afterEach(async () => {
  const violations = fake.violations;
  await fake.stop();
  expect(violations).toEqual([]);
});

describe('BandwidthRoutingPages read', () => {
  it('reads 2,600 numbers of one SIP peer in one ListSites and 3 pages of 1,000, all handed to call at once', async () => {
    const numbers = numbersFrom(0, 2600);
    seed(numbers);
    const counting = countingCall();

    const { pages, unseen } = await readAll(carrier(), numbers, counting.call);

    expect(operations()).toEqual(['ListSites', 'ReadSipPeerTns', 'ReadSipPeerTns', 'ReadSipPeerTns']);
    expect(counting.calls).toBe(4);
    expect(counting.mostInFlight).toBe(3);
    expect(pages.map((page) => page.length).sort()).toEqual([1000, 1000, 600]);
    expect(new Set(pages.flat().map((reading) => reading.snapshot.number))).toEqual(new Set(numbers));
    expect(unseen).toEqual([]);
  });

  it('gives a listed number with a CallForward the snapshot readRouting gives, complete, and one without it incomplete', async () => {
    const numbers = numbersFrom(0, 30);
    seed(numbers);
    const bandwidth = carrier();

    const readings = (await readAll(bandwidth, numbers)).pages.flat();

    const forwarded = readings.find((reading) => reading.snapshot.number === numbers[0])!;
    const plain = readings.find((reading) => reading.snapshot.number === numbers[1])!;
    expect(forwarded.complete).toBe(true);
    expect(forwarded.snapshot).toEqual(await bandwidth.readRouting(numbers[0]));
    expect(plain.complete).toBe(false);
    expect(plain.snapshot).toEqual(await bandwidth.readRouting(numbers[1]));
    expect(readings.filter((reading) => reading.complete)).toHaveLength(10);
  });

  it('puts a forwarded number back from its page snapshot with restore', async () => {
    const numbers = numbersFrom(0, 30);
    seed(numbers);
    const bandwidth = carrier();
    const reading = (await readAll(bandwidth, numbers)).pages
      .flat()
      .find((page) => page.snapshot.number === numbers[0])!;
    await bandwidth.forward({ number: numbers[0], destination: BACKUP, mode: 'always' });

    await bandwidth.restore(reading.snapshot);

    expect(fake.routingOf(numbers[0])!.callForward).toBe(FORWARDED_TO);
  });

  it('leaves the numbers of a page that failed unseen and reads the others', async () => {
    const numbers = numbersFrom(0, 2600);
    seed(numbers);
    fake.failNext('http-500', {
      when: (request) => request.path.endsWith('/tns') && request.query.page === '2',
    });

    const { pages, unseen } = await readAll(carrier(), numbers);

    expect(unseen).toEqual(numbers.slice(1000, 2000));
    expect(pages.flat()).toHaveLength(1600);
  });

  it('leaves numbers the account does not have, and non-NANP numbers, unseen', async () => {
    const numbers = numbersFrom(0, 20);
    seed(numbers);
    const strangers = ['+12125559998', '+12125559999', '+442071838750'];

    const { pages, unseen } = await readAll(carrier(), [...numbers, ...strangers]);

    expect(unseen).toEqual(strangers);
    expect(pages.flat()).toHaveLength(20);
  });

  it('does not list a big account for few numbers, and remembers its size for the next read', async () => {
    const numbers = numbersFrom(0, 2600);
    seed(numbers);
    const bandwidth = carrier({ sipPeerTnsPageSize: 500 });
    const few = numbers.slice(0, 2);

    const first = await readAll(bandwidth, few);
    const second = await readAll(bandwidth, few);
    const single = await readAll(bandwidth, numbers.slice(0, 1));

    expect(operations()).toEqual(['ListSites']);
    expect([first.unseen, second.unseen]).toEqual([few, few]);
    expect(single).toEqual({ pages: [], unseen: numbers.slice(0, 1) });
  });

  it('counts the SIP peers of a site with several, then lists only the SIP peers of numbers it knows', async () => {
    const onA = numbersFrom(0, 1500);
    const onB = numbersFrom(5000, 1500);
    seed(onA, { siteId: '479', sipPeerId: '500014' }, () => true);
    seed(onB, { siteId: '479', sipPeerId: '500015' }, () => true);
    const bandwidth = carrier();

    const cold = await readAll(bandwidth, [...onA, ...onB]);
    const coldOperations = operations();
    fake.requests.length = 0;
    const warm = await readAll(bandwidth, onA);

    expect(coldOperations.filter((operation) => operation === 'RetrieveSipPeerTnsCount')).toHaveLength(2);
    expect(coldOperations).toHaveLength(1 + 2 + 4);
    expect(cold.unseen).toEqual([]);
    expect(operations()).toEqual([
      'ListSites',
      'RetrieveSipPeerTnsCount',
      'ReadSipPeerTns',
      'ReadSipPeerTns',
    ]);
    expect(warm.unseen).toEqual([]);
  });

  it('rejects when the sites cannot be listed, since nothing could be read', async () => {
    seed(numbersFrom(0, 20));
    fake.failNext('http-503', { when: (request) => request.path.endsWith('/sites') });

    const attempt = carrier().routingPages.read(numbersFrom(0, 20), countingCall().call, () => {});

    await expect(attempt).rejects.toBeInstanceOf(CarrierError);
  });

  it('rejects when every page failed', async () => {
    seed(numbersFrom(0, 20));
    fake.failNext('http-500', { when: (request) => request.path.endsWith('/tns') });

    const attempt = carrier().routingPages.read(numbersFrom(0, 20), countingCall().call, () => {});

    await expect(attempt).rejects.toMatchObject({ retryable: true });
  });
});

describe('BandwidthRoutingPages confirms', () => {
  it('confirms a baseline with the same site, SIP peer and no CallForward, keeping its route plan for the forward', async () => {
    const [number] = numbersFrom(0, 1);
    fake.seedNumbers([
      { phoneNumber: number, originationRoutePlan: [{ endpoint: 'sip:pbx.example.net', priority: 1 }] },
      ...numbersFrom(1, 9).map((phoneNumber) => ({ phoneNumber })),
    ]);
    const baseline = await carrier().readRouting(number);
    const bandwidth = carrier();
    const reading = (await readAll(bandwidth, numbersFrom(0, 10))).pages.flat()[0];
    fake.requests.length = 0;

    const confirmed = bandwidth.routingPages.confirms(reading.snapshot, baseline);
    await bandwidth.forward({ number, destination: BACKUP, mode: 'always' });

    expect(reading.complete).toBe(false);
    expect(confirmed).toBe(true);
    expect(operations()[0]).toBe('CreateTnOptionOrder');
    expect(operations()).not.toContain('RetrieveTnDetails');
  });

  it('does not confirm a baseline of another SIP peer, CallForward, number or carrier', async () => {
    const numbers = numbersFrom(0, 10);
    seed(numbers, {}, () => false);
    const bandwidth = carrier();
    const reading = (await readAll(bandwidth, numbers)).pages.flat()[0].snapshot;
    const settings = reading.settings;

    const confirms = (changed: object) =>
      bandwidth.routingPages.confirms(reading, { ...reading, ...changed });

    expect(confirms({})).toBe(true);
    expect(confirms({ settings: { ...settings, sipPeerId: '500099' } })).toBe(false);
    expect(confirms({ settings: { ...settings, callForward: FORWARDED_TO } })).toBe(false);
    expect(confirms({ number: numbers[1] })).toBe(false);
    expect(confirms({ carrier: 'telnyx' })).toBe(false);
  });
});

describe('BandwidthCarrier bulk and request counts', () => {
  it('forwards numbers learned from the pages with one UpdateSipPeerTnSettings each, looking nothing up', async () => {
    const numbers = numbersFrom(0, 10);
    seed(numbers, {}, () => true);
    const bandwidth = carrier();
    await readAll(bandwidth, numbers);
    fake.requests.length = 0;

    await bandwidth.forward({ number: numbers[0], destination: BACKUP, mode: 'always' });

    expect(operations()).toHaveLength(bandwidth.requestsPerForward);
    expect(operations()).toEqual(['UpdateSipPeerTnSettings']);
  });

  it('splits a bulk of 5,001 numbers into orders of the default 5,000 and 1', async () => {
    const numbers = numbersFrom(0, 5001);
    seed(numbers, {}, () => true);
    const bandwidth = carrier({ sipPeerTnsPageSize: 5000 });
    await readAll(bandwidth, numbers);
    fake.requests.length = 0;

    const outcomes = await bandwidth.forwardMany(
      numbers.map((number) => ({ number, destination: BACKUP, mode: 'always' })),
    );

    const orders = fake.requests.filter((entry) => entry.operation === 'CreateTnOptionOrder');
    expect(bandwidth.bulkLimit).toBe(5000);
    expect(orders.map((order) => order.body.match(/<TelephoneNumber>/g)?.length)).toEqual([5000, 1]);
    expect(operations()).not.toContain('RetrieveTnDetails');
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
  });

  it('costs requestsPerBulkCall requests for an order done at the first poll', async () => {
    await fake.stop();
    await startFake({ ordersCompleteAfterPolls: 1 });
    const numbers = numbersFrom(0, 10);
    seed(numbers, {}, () => true);
    const bandwidth = carrier();
    await readAll(bandwidth, numbers);
    fake.requests.length = 0;

    await bandwidth.forwardMany(numbers.map((number) => ({ number, destination: BACKUP, mode: 'always' })));

    expect(operations()).toEqual(['CreateTnOptionOrder', 'GetTnOptionOrder']);
    expect(bandwidth.requestsPerBulkCall).toBe(2);
  });

  it('takes bulkLimit and bulkInFlight as options and refuses ones that are not positive integers', () => {
    const tuned = carrier({ bulkLimit: 250, bulkInFlight: 2 });

    expect([tuned.bulkLimit, tuned.bulkInFlight, carrier().bulkInFlight]).toEqual([250, 2, 5]);
    expect([
      carrier().requestsPerRead,
      carrier({ singleNumberWrite: 'tn-option-order' }).requestsPerForward,
    ]).toEqual([2, 2]);
    expect(() => carrier({ bulkLimit: 0 })).toThrow(/`bulkLimit` must be a positive integer/);
    expect(() => carrier({ bulkInFlight: 1.5 })).toThrow(/`bulkInFlight`/);
  });
});

if (officialSpecsPresent()) {
  describe('BandwidthRoutingPages against the official Bandwidth spec (../shared/carrier-specs)', () => {
    it('sends ListSites, RetrieveSipPeerTnsCount and ReadSipPeerTns with only the query parameters the spec defines', async () => {
      seed(numbersFrom(0, 30), { siteId: '479', sipPeerId: '500014' });
      seed(numbersFrom(100, 30), { siteId: '479', sipPeerId: '500015' });
      await readAll(carrier(), [...numbersFrom(0, 30), ...numbersFrom(100, 30)]);
      const spec = loadOfficialSpec('bandwidth/numbers.yml');

      const problems = fake.requests.flatMap((entry) =>
        checkRequestAgainstSpec(spec, { method: entry.method, path: entry.path, query: entry.query }),
      );

      expect(new Set(operations())).toEqual(
        new Set(['ListSites', 'RetrieveSipPeerTnsCount', 'ReadSipPeerTns']),
      );
      expect(problems).toEqual([]);
    });
  });
}
