import type { TelnyxCarrier } from '../../../lambdas/adapters/carriers/telnyx';
import { MIN_REQUESTS_TO_PAGE } from '../../../lambdas/adapters/carriers/telnyx-routing-pages';
import { CarrierError } from '../../../lambdas/contracts/errors';
import type { CarrierCall, PageReading, RoutingSnapshot } from '../../../lambdas/ports/carriers';
import type { TelnyxFake } from '../../../lib/developer/carrier-fakes/telnyx-fake';
import { checkRequestAgainstSpec, loadOfficialSpec, officialSpecsPresent } from '../../support/official-spec';
import { A, B, BACKUP, C, startTelnyxFake, telnyxCarrier, VOICEMAIL } from './telnyx-fixture';

let fake: TelnyxFake;

beforeEach(async () => {
  fake = await startTelnyxFake();
});

afterEach(async () => {
  const violations = fake.violations;
  await fake.stop();
  expect(violations).toEqual([]);
});

/** The account's numbers in the fake's listing order: A, B, C, then `count` more. */
function seedAccount(count: number): string[] {
  const more = Array.from({ length: count }, (_, index) => `+1212555${String(index).padStart(4, '0')}`);
  fake.seedNumbers(more.map((phoneNumber) => ({ phoneNumber })));
  return [A, B, C, ...more];
}

/** A CarrierCall that sends at once (no retry), counting calls and the most outstanding at once. */
function countingCall() {
  const counted = { calls: 0, outstanding: 0, mostOutstanding: 0 };
  const call: CarrierCall = async (request) => {
    counted.calls += 1;
    counted.outstanding += 1;
    counted.mostOutstanding = Math.max(counted.mostOutstanding, counted.outstanding);
    try {
      return await request();
    } finally {
      counted.outstanding -= 1;
    }
  };
  return { counted, call };
}

/** Reads `numbers` in pages, collecting every reading handed to onPage. */
async function readPages(telnyx: TelnyxCarrier, numbers: readonly string[], call: CarrierCall) {
  const pages: PageReading[][] = [];
  const { unseen } = await telnyx.routingPages.read(numbers, call, (readings) => pages.push(readings));
  const readings = new Map(pages.flat().map((reading) => [reading.snapshot.number, reading]));
  return { pages, readings, unseen };
}

/** Every ListPhoneNumbersWithVoiceSettings request, the failed ones included. */
const listRequests = () =>
  fake.requests.filter((entry) => entry.method === 'GET' && entry.path === '/phone_numbers/voice');
const lookups = () => fake.requests.filter((entry) => entry.operation === 'ListPhoneNumbers');

describe('TelnyxRoutingPages read', () => {
  it('reads 2,600 numbers in 11 pages of 250, the ten after the first handed to `call` at once', async () => {
    // Arrange
    const numbers = seedAccount(2597);
    const telnyx = telnyxCarrier(fake);
    const { counted, call } = countingCall();

    // Act
    const { pages, readings, unseen } = await readPages(telnyx, numbers, call);

    // Assert
    expect(unseen).toEqual([]);
    expect(readings.size).toBe(2600);
    expect(pages).toHaveLength(11);
    expect(counted.calls).toBe(11);
    expect(fake.requests).toHaveLength(11);
    expect(listRequests().map((entry) => entry.query['page[size]'])).toEqual(Array(11).fill('250'));
    expect(new Set(listRequests().map((entry) => entry.query['page[number]'])).size).toBe(11);
    expect(counted.mostOutstanding).toBe(10);
    expect([...readings.values()].every((reading) => reading.complete)).toBe(true);
  });

  it('gives each number the very snapshot readRouting gives it', async () => {
    const numbers = seedAccount(30);
    const telnyx = telnyxCarrier(fake);
    const { call } = countingCall();

    const { readings } = await readPages(telnyx, numbers, call);

    for (const number of [A, B, C, numbers[20]]) {
      expect(readings.get(number)?.snapshot).toEqual(await telnyx.readRouting(number));
    }
    expect(readings.get(B)?.snapshot).toMatchObject({ forwardsTo: VOICEMAIL, mode: 'on-failure' });
    expect(readings.get(C)?.snapshot).toMatchObject({ forwardsTo: null, mode: null });
  });

  it('learns the ids, so reads, forwards and a restore of a page snapshot send one request each', async () => {
    // Arrange
    const numbers = seedAccount(30);
    const telnyx = telnyxCarrier(fake);
    const { call } = countingCall();
    const before = fake.routingOf(B);
    const { readings } = await readPages(telnyx, numbers, call);
    const listed = fake.requests.length;

    // Act
    await telnyx.forward({ number: B, destination: BACKUP, mode: 'always' });
    await telnyx.readRouting(numbers[25]);
    await telnyx.restore(readings.get(B)!.snapshot);

    // Assert
    expect(fake.requests.length - listed).toBe(3);
    expect(lookups()).toEqual([]);
    expect(fake.routingOf(B)).toEqual(before);
    expect(fake.writesTo(B)).toBe(2);
  });

  it('hands a page to onPage as it arrives, while other pages are still out', async () => {
    // Arrange: the last page is sent only once onPage has had a page besides the first.
    const numbers = seedAccount(997);
    const telnyx = telnyxCarrier(fake);
    let secondPageHandedOver!: () => void;
    const handedOver = new Promise<void>((resolve) => {
      secondPageHandedOver = resolve;
    });
    let calls = 0;
    const call: CarrierCall = async (request) => {
      calls += 1;
      if (calls === 4) await handedOver;
      return request();
    };
    let pagesHandedOver = 0;
    const onPage = () => {
      pagesHandedOver += 1;
      if (pagesHandedOver === 2) secondPageHandedOver();
    };

    // Act
    const { unseen } = await telnyx.routingPages.read(numbers, call, onPage);

    // Assert
    expect(unseen).toEqual([]);
    expect(listRequests()).toHaveLength(4);
  });

  it('leaves the numbers of a page whose call fails unseen and reads the others', async () => {
    // Arrange: page 3 (the account's numbers 501 to 750) fails for good.
    const numbers = seedAccount(997);
    fake.failNext('http-500', { when: (request) => request.query['page[number]'] === '3' });
    const telnyx = telnyxCarrier(fake);
    const { call } = countingCall();

    // Act
    const { readings, unseen } = await readPages(telnyx, numbers, call);

    // Assert
    expect(unseen.sort()).toEqual(numbers.slice(500, 750).sort());
    expect(readings.size).toBe(750);
    expect(readings.has(numbers[499])).toBe(true);
    expect(readings.has(numbers[750])).toBe(true);
    expect(listRequests()).toHaveLength(4);
  });

  it('leaves numbers that are not on the account unseen', async () => {
    const numbers = seedAccount(297);
    const strangers = ['+19995550001', '+19995550002'];
    const telnyx = telnyxCarrier(fake);
    const { call } = countingCall();

    const { readings, unseen } = await readPages(telnyx, [...numbers, ...strangers], call);

    expect(unseen).toEqual(strangers);
    expect(readings.size).toBe(300);
  });

  it('hands over only the numbers asked for, each once', async () => {
    const numbers = seedAccount(597);
    const asked = [numbers[10], numbers[260], numbers[599], numbers[10]];
    const telnyx = telnyxCarrier(fake);
    const { call } = countingCall();

    const { pages, unseen } = await readPages(telnyx, [...asked, ...numbers.slice(100, 120)], call);

    const handed = pages.flat().map((reading) => reading.snapshot.number);
    expect(unseen).toEqual([]);
    expect(handed.sort()).toEqual([...new Set([...asked, ...numbers.slice(100, 120)])].sort());
  });

  it(`sends nothing for numbers cheaper to read one by one (under ${MIN_REQUESTS_TO_PAGE} requests)`, async () => {
    seedAccount(2597);
    const telnyx = telnyxCarrier(fake);
    const { call } = countingCall();

    const { unseen } = await readPages(telnyx, [A, B, C], call);

    expect(unseen).toEqual([A, B, C]);
    expect(fake.requests).toEqual([]);
  });

  it('stops after the first page when the rest of a big account has more pages than the reads it spares', async () => {
    // Arrange: 26 pages; 12 numbers with unknown ids cost 24 requests one by one, none on page 1.
    const numbers = seedAccount(6497);
    const wanted = numbers.slice(-12);
    const telnyx = telnyxCarrier(fake);
    const { call } = countingCall();

    // Act
    const { unseen } = await readPages(telnyx, wanted, call);

    // Assert
    expect(unseen).toEqual(wanted);
    expect(listRequests()).toHaveLength(1);
  });

  it('once it knows the account, lists no page for fewer numbers than it has pages, and all pages at once for more', async () => {
    // Arrange: a first read learns the 11 pages and every id.
    const numbers = seedAccount(2597);
    const telnyx = telnyxCarrier(fake);
    await readPages(telnyx, numbers, countingCall().call);
    const listed = listRequests().length;
    const few = countingCall();
    const many = countingCall();

    // Act
    const fewRead = await readPages(telnyx, numbers.slice(0, 10), few.call);
    const manyRead = await readPages(telnyx, numbers.slice(0, 12), many.call);

    // Assert: 10 reads cost less than 11 pages; 12 reads more, and the 11 pages go out together.
    expect(fewRead.unseen).toEqual(numbers.slice(0, 10));
    expect(few.counted.calls).toBe(0);
    expect(manyRead.unseen).toEqual([]);
    expect(listRequests().length - listed).toBe(11);
    expect(many.counted.mostOutstanding).toBe(11);
  });

  it('rejects with the carrier error when the first page of an unknown account cannot be read', async () => {
    const numbers = seedAccount(97);
    fake.failNext('http-500');
    const telnyx = telnyxCarrier(fake);

    const attempt = telnyx.routingPages.read(numbers, countingCall().call, () => {});

    await expect(attempt).rejects.toBeInstanceOf(CarrierError);
    await expect(attempt).rejects.toMatchObject({ retryable: true, status: 500 });
  });
});

describe('TelnyxRoutingPages confirms', () => {
  const baseline: RoutingSnapshot = {
    carrier: 'telnyx',
    number: B,
    settings: {
      id: '42',
      connection_id: '1111111111',
      call_forwarding: {
        call_forwarding_enabled: true,
        forwards_to: VOICEMAIL,
        forwarding_type: 'on-failure',
      },
    },
    forwardsTo: VOICEMAIL,
    mode: 'on-failure',
  };
  const withSettings = (settings: Record<string, unknown>): RoutingSnapshot => ({
    ...baseline,
    settings: { ...baseline.settings, ...settings },
  });
  const confirms = (reading: RoutingSnapshot) => telnyxCarrier(fake).routingPages.confirms(reading, baseline);

  it('confirms the same routing, old spellings and blank targets included', () => {
    expect(confirms(structuredClone(baseline))).toBe(true);
    expect(
      confirms(
        withSettings({
          call_forwarding: {
            call_forwarding_enabled: true,
            forwards_to: VOICEMAIL,
            forwarding_type: 'on_failure',
          },
        }),
      ),
    ).toBe(true);
  });

  it('does not confirm another target, mode, connection, enabled flag or number', () => {
    const forwarding = baseline.settings.call_forwarding as Record<string, unknown>;
    expect(confirms(withSettings({ call_forwarding: { ...forwarding, forwards_to: BACKUP } }))).toBe(false);
    expect(confirms(withSettings({ call_forwarding: { ...forwarding, forwarding_type: 'always' } }))).toBe(
      false,
    );
    expect(
      confirms(withSettings({ call_forwarding: { ...forwarding, call_forwarding_enabled: false } })),
    ).toBe(false);
    expect(confirms(withSettings({ connection_id: '4444444444' }))).toBe(false);
    expect(confirms({ ...baseline, number: A })).toBe(false);
  });

  it('treats a blank target as none', () => {
    const none = { call_forwarding_enabled: true, forwards_to: null, forwarding_type: 'always' };
    const noneBaseline = { ...baseline, settings: { ...baseline.settings, call_forwarding: none } };
    const reading = withSettings({ call_forwarding: { ...none, forwards_to: '' } });

    expect(telnyxCarrier(fake).routingPages.confirms(reading, noneBaseline)).toBe(true);
  });
});

if (officialSpecsPresent()) {
  describe('TelnyxRoutingPages against the official Telnyx spec (../shared/carrier-specs)', () => {
    it('sends only the query parameters ListPhoneNumbersWithVoiceSettings defines, within its page size', async () => {
      const numbers = seedAccount(297);
      await readPages(telnyxCarrier(fake), numbers, countingCall().call);
      const spec = loadOfficialSpec('telnyx/spec3.yml');

      const problems = fake.requests.flatMap((entry) =>
        checkRequestAgainstSpec(
          spec,
          { method: entry.method, path: entry.path, query: entry.query, contentType: entry.contentType },
          { validateValues: true },
        ),
      );

      expect(listRequests()).toHaveLength(2);
      expect(problems).toEqual([]);
    });
  });
} else {
  describe('TelnyxRoutingPages against the official Telnyx spec', () => {
    it('is not checked here because ../shared/carrier-specs is absent', () => {
      expect(officialSpecsPresent()).toBe(false);
    });
  });
}
