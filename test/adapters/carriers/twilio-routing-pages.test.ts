import { TwilioCarrier } from '../../../lambdas/adapters/carriers/twilio';
import { TwilioDialTwiml } from '../../../lambdas/adapters/carriers/twilio-dial-twiml';
import type { Carrier, CarrierCall, PageReading, RoutingSnapshot } from '../../../lambdas/ports/carriers';
import { TwilioFake, type TwilioFakeNumber } from '../../../lib/developer/carrier-fakes/twilio-fake';
import { checkRequestAgainstSpec, loadOfficialSpec, officialSpecsPresent } from '../../support/official-spec';

const TRUNK = `TK${'1'.repeat(32)}`;
const APP = `AP${'2'.repeat(32)}`;
const BACKUP = '+13035559123';
const OTHER_BACKUP = '+13035559124';
const DIAL_BACKUP = new TwilioDialTwiml().urlFor(BACKUP);
const NOT_ON_ACCOUNT = ['+19995550001', '+19995550002'];
/** 2,600 numbers: three pages of 1,000. */
const NUMBERS = Array.from({ length: 2600 }, (_, index) => `+1602555${String(index).padStart(4, '0')}`);

/** Every kind of routing readRouting tells apart, in turn. */
function seedOf(phoneNumber: string, index: number): TwilioFakeNumber {
  switch (index % 6) {
    case 1:
      return { phoneNumber, voiceUrl: 'https://pbx.example.com/trunk-voice', trunkSid: TRUNK };
    case 2:
      return { phoneNumber, voiceUrl: null, voiceApplicationSid: APP };
    case 3:
      return { phoneNumber, voiceUrl: DIAL_BACKUP, voiceMethod: 'GET' };
    case 4:
      return { phoneNumber, voiceFallbackUrl: DIAL_BACKUP };
    case 5:
      // A restore's leftover: our dial URL on a trunk number, which Twilio ignores.
      return { phoneNumber, voiceUrl: DIAL_BACKUP, trunkSid: TRUNK };
    default:
      return { phoneNumber };
  }
}

/** Sends each request once, as a lane whose retries are exhausted would. */
const once: CarrierCall = (request) => request();

let fake: TwilioFake;

beforeEach(async () => {
  fake = await new TwilioFake().start();
  fake.seedNumbers(NUMBERS.map(seedOf));
});

afterEach(async () => {
  const violations = fake.violations;
  await fake.stop();
  expect(violations).toEqual([]);
});

function carrier(): TwilioCarrier {
  return new TwilioCarrier({
    accountSid: fake.accountSid,
    authToken: fake.authToken,
    baseUrl: fake.baseUrl,
    trunkingBaseUrl: fake.trunkingBaseUrl,
  });
}

async function readPages(
  twilio: TwilioCarrier,
  numbers: readonly string[],
  call: CarrierCall = once,
): Promise<{ unseen: string[]; readings: PageReading[]; requestsAtEachPage: number[] }> {
  const readings: PageReading[] = [];
  const requestsAtEachPage: number[] = [];
  const { unseen } = await twilio.routingPages.read(numbers, call, (page) => {
    requestsAtEachPage.push(fake.requests.length);
    readings.push(...page);
  });
  return { unseen, readings, requestsAtEachPage };
}

const listRequests = () => fake.requests.filter((entry) => entry.operation === 'ListIncomingPhoneNumber');

describe('TwilioCarrier.routingPages', () => {
  it('reads 2,600 numbers in 3 list requests of 1,000, handing on each page as it arrives', async () => {
    const twilio = carrier();

    const { unseen, readings, requestsAtEachPage } = await readPages(twilio, NUMBERS);

    expect(unseen).toEqual([]);
    expect(twilio.routingPages.pageSize).toBe(1000);
    expect(fake.requests.map((entry) => [entry.operation, entry.query.PageSize, entry.query.Page])).toEqual([
      ['ListIncomingPhoneNumber', '1000', undefined],
      ['ListIncomingPhoneNumber', '1000', '1'],
      ['ListIncomingPhoneNumber', '1000', '2'],
    ]);
    expect(requestsAtEachPage).toEqual([1, 2, 3]);
    expect(readings.map((reading) => reading.snapshot.number)).toEqual(NUMBERS);
    expect(readings.every((reading) => reading.complete)).toBe(true);
  });

  it('gives each number exactly the snapshot readRouting gives', async () => {
    const { readings } = await readPages(carrier(), NUMBERS);
    // Every kind of routing on every page; the whole account would be 5,200 more requests.
    const sample = new Set(NUMBERS.filter((_, index) => index % 40 < 6));
    const reader = carrier();

    const fetched = await Promise.all([...sample].map((number) => reader.readRouting(number)));

    const paged = readings.filter((reading) => sample.has(reading.snapshot.number));
    expect(paged.map((reading) => reading.snapshot)).toEqual(fetched);
    expect(new Set(fetched.map((snapshot) => `${snapshot.forwardsTo} ${snapshot.mode}`))).toEqual(
      new Set(['null null', `${BACKUP} always`, `${BACKUP} on-failure`]),
    );
  });

  it('learns the SIDs from the pages: a forward then costs requestsPerForward requests, 2 on a trunk', async () => {
    const twilio = carrier();
    await readPages(twilio, NUMBERS);
    const [plain, onTrunk] = [NUMBERS[0], NUMBERS[1]];

    const before = fake.requests.length;
    await twilio.forward({ number: plain, destination: OTHER_BACKUP, mode: 'always' });
    const plainCost = fake.requests.length - before;
    await twilio.forward({ number: onTrunk, destination: OTHER_BACKUP, mode: 'always' });

    expect(plainCost).toBe(twilio.requestsPerForward);
    expect(fake.requests.slice(before).map((entry) => entry.operation)).toEqual([
      'UpdateIncomingPhoneNumber',
      'UpdateIncomingPhoneNumber',
      'DeletePhoneNumber',
    ]);
    // Twilio has no bulk API for numbers.
    const port: Carrier = twilio;
    expect(port.bulkLimit).toBeUndefined();
    expect(port.forwardMany).toBeUndefined();
  });

  it('restores the routing a page read, trunk numbers back on their trunk', async () => {
    const twilio = carrier();
    const { readings } = await readPages(twilio, NUMBERS);
    // One number of each kind; the sixth's leftover dial URL is replaced by the forward's.
    const chosen = readings.slice(0, 6).map((reading) => reading.snapshot);
    const before = chosen.map((snapshot) => fake.routingOf(snapshot.number));

    for (const snapshot of chosen) {
      if (!snapshot.settings.voice_application_sid) {
        await twilio.forward({ number: snapshot.number, destination: OTHER_BACKUP, mode: 'always' });
      }
    }
    expect(fake.routeCall(NUMBERS[1], () => true).reached).toBe(OTHER_BACKUP);
    for (const snapshot of chosen) {
      await twilio.restore(snapshot);
    }

    expect(chosen.slice(0, 5).map((snapshot) => fake.routingOf(snapshot.number))).toEqual(before.slice(0, 5));
    expect(fake.routingOf(NUMBERS[5])).toMatchObject({ trunk_sid: TRUNK, voice_application_sid: '' });
    for (const snapshot of chosen) {
      expect(await twilio.readRouting(snapshot.number)).toEqual(snapshot);
    }
  });

  it("leaves a failed page's numbers and those after it unseen, and hands on the pages before", async () => {
    fake.failNext('http-500', { when: (request) => request.query.Page === '1' });

    const { unseen, readings } = await readPages(carrier(), NUMBERS);

    expect(readings.map((reading) => reading.snapshot.number)).toEqual(NUMBERS.slice(0, 1000));
    expect(unseen).toEqual(NUMBERS.slice(1000));
    expect(fake.requests.map((entry) => [entry.status, entry.query.Page])).toEqual([
      [200, undefined],
      [500, '1'],
    ]);
  });

  it('reads a page again when the lane retries it', async () => {
    fake.failNext('http-503', { when: (request) => request.query.Page === '2' });
    const retryOnce: CarrierCall = (request) => request().catch(() => request());

    const { unseen, readings } = await readPages(carrier(), NUMBERS, retryOnce);

    expect(unseen).toEqual([]);
    expect(readings).toHaveLength(NUMBERS.length);
    expect(fake.requests.map((entry) => [entry.status, entry.query.Page])).toEqual([
      [200, undefined],
      [200, '1'],
      [503, '2'],
      [200, '2'],
    ]);
  });

  it('rejects when the first page fails, as nothing could be read', async () => {
    fake.failNext('http-503');

    await expect(carrier().routingPages.read(NUMBERS, once, () => undefined)).rejects.toMatchObject({
      retryable: true,
    });
  });

  it('returns the numbers not on the account as unseen', async () => {
    const { unseen, readings } = await readPages(carrier(), [...NUMBERS, ...NOT_ON_ACCOUNT]);

    expect(unseen).toEqual(NOT_ON_ACCOUNT);
    expect(readings).toHaveLength(NUMBERS.length);
    expect(listRequests()).toHaveLength(3);
  });

  it('stops at the page where the last number asked for appears', async () => {
    const { unseen, readings } = await readPages(carrier(), [NUMBERS[0], NUMBERS[999]]);

    expect(unseen).toEqual([]);
    expect(readings.map((reading) => reading.snapshot.number)).toEqual([NUMBERS[0], NUMBERS[999]]);
    expect(listRequests()).toHaveLength(1);
  });

  it('does not list for fewer known numbers than the account has pages', async () => {
    const twilio = carrier();
    await readPages(twilio, NUMBERS);
    const before = fake.requests.length;

    const { unseen, readings } = await readPages(twilio, [NUMBERS[5], NUMBERS[2500]]);

    expect(unseen).toEqual([NUMBERS[5], NUMBERS[2500]]);
    expect(readings).toEqual([]);
    expect(fake.requests.length).toBe(before);
  });

  it("stops listing, before the account's size is known, once the pages spent reach what the rest costs one by one", async () => {
    // One number of unknown SID costs 2 requests read alone; it is on the third page.
    const { unseen, readings } = await readPages(carrier(), [NUMBERS[2599]]);

    expect(unseen).toEqual([NUMBERS[2599]]);
    expect(readings).toEqual([]);
    expect(listRequests()).toHaveLength(2);
  });

  it('reads nothing for no numbers', async () => {
    expect(await readPages(carrier(), [])).toEqual({ unseen: [], readings: [], requestsAtEachPage: [] });
    expect(fake.requests).toEqual([]);
  });

  it('confirms a baseline only when the page shows the same number, SID and routing', async () => {
    const twilio = carrier();
    const baseline = await twilio.readRouting(NUMBERS[1]);
    const reading = (settings: Record<string, unknown>, number = NUMBERS[1]): RoutingSnapshot => ({
      ...baseline,
      number,
      settings: { ...baseline.settings, ...settings },
    });

    expect(twilio.routingPages.confirms(reading({}), baseline)).toBe(true);
    expect(twilio.routingPages.confirms(reading({ trunk_sid: null }), baseline)).toBe(false);
    expect(twilio.routingPages.confirms(reading({ voice_url: DIAL_BACKUP }), baseline)).toBe(false);
    expect(twilio.routingPages.confirms(reading({ sid: `PN${'f'.repeat(32)}` }), baseline)).toBe(false);
    expect(twilio.routingPages.confirms(reading({}, NUMBERS[7]), baseline)).toBe(false);
    expect(twilio.routingPages.confirms({ ...reading({}), carrier: 'telnyx' }, baseline)).toBe(false);
  });
});

if (officialSpecsPresent()) {
  describe('TwilioCarrier.routingPages against the official Twilio spec (../shared/carrier-specs)', () => {
    it('pages with only the parameters and values ListIncomingPhoneNumber defines', async () => {
      await readPages(carrier(), NUMBERS);
      const api = loadOfficialSpec('twilio/twilio_api_v2010.yaml');

      const problems = fake.requests.flatMap((entry) =>
        checkRequestAgainstSpec(
          api,
          { method: entry.method, path: entry.path, query: entry.query, contentType: entry.contentType },
          { validateValues: true },
        ),
      );

      expect(fake.requests).toHaveLength(3);
      expect(problems).toEqual([]);
    });
  });
} else {
  describe('TwilioCarrier.routingPages against the official Twilio spec', () => {
    it('is not checked here because ../shared/carrier-specs is absent', () => {
      expect(officialSpecsPresent()).toBe(false);
    });
  });
}
