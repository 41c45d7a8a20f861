import { TwilioFake } from '../../../lib/developer/carrier-fakes/twilio-fake';

const NUMBERS = Array.from({ length: 5 }, (_, index) => `+1415555010${index}`);

let fake: TwilioFake;

beforeEach(async () => {
  fake = await new TwilioFake().start();
  fake.seedNumbers([...NUMBERS.map((phoneNumber) => ({ phoneNumber })), { phoneNumber: '+13035550100' }]);
});

afterEach(async () => {
  await fake.stop();
});

const listPath = () => `/2010-04-01/Accounts/${fake.accountSid}/IncomingPhoneNumbers.json`;

/** GETs `uri` (relative to the host, as Twilio's page URIs are). */
async function get(uri: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${fake.baseUrl}${uri}`, {
    headers: {
      Authorization: `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`,
    },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const numbersOf = (body: Record<string, unknown>) =>
  (body.incoming_phone_numbers as { phone_number: string }[]).map((item) => item.phone_number);

describe('TwilioFake ListIncomingPhoneNumber', () => {
  it('pages by the next_page_uri it issues (Page and PageToken), each page one request', async () => {
    const first = await get(`${listPath()}?PhoneNumber=%2B1415555010*&PageSize=2`);
    const second = await get(first.body.next_page_uri as string);
    const third = await get(second.body.next_page_uri as string);
    const back = await get(third.body.previous_page_uri as string);

    expect([first, second, third].map(({ body }) => numbersOf(body))).toEqual([
      NUMBERS.slice(0, 2),
      NUMBERS.slice(2, 4),
      NUMBERS.slice(4),
    ]);
    expect(third.body).toMatchObject({ page: 2, page_size: 2, start: 4, end: 4, next_page_uri: null });
    expect(numbersOf(back.body)).toEqual(NUMBERS.slice(2, 4));
    expect(first.body).toMatchObject({
      page: 0,
      previous_page_uri: null,
      first_page_uri: `${listPath()}?PhoneNumber=%2B1415555010*&PageSize=2&Page=0`,
    });
    expect(second.body.next_page_uri).toMatch(/[?&]Page=2&PageToken=PAPN[0-9a-f]{32}$/);
    expect(fake.requests).toHaveLength(4);
    expect(fake.violations).toEqual([]);
  });

  it('lists 50 a page unless asked, and the whole account without a filter', async () => {
    const answer = await get(listPath());

    expect(answer.body.page_size).toBe(50);
    expect(numbersOf(answer.body)).toHaveLength(6);
  });

  it.each([
    ['a PageSize above the maximum of 1,000', '?PageSize=1001', 21100],
    ['a parameter the spec does not define', '?PageSize=2&Cursor=abc', 21100],
    ['a PageToken it did not issue', `?PageSize=2&Page=1&PageToken=PA${'x'.repeat(34)}`, 21481],
    ['a Page past 0 without a PageToken', '?PageSize=2&Page=1', 21481],
  ])('refuses %s with 400 and records the violation', async (_, query, code) => {
    const answer = await get(`${listPath()}${query}`);

    expect(answer).toMatchObject({ status: 400, body: { code, status: 400 } });
    expect(fake.violations).toHaveLength(1);
    expect(fake.violations[0].operation).toBe('ListIncomingPhoneNumber');
  });
});
