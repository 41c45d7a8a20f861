import type { TargetIsUp } from '../../../lib/developer/carrier-fakes/call-routing';
import { TelnyxFake } from '../../../lib/developer/carrier-fakes/telnyx-fake';

const SITE = 'sip:sbc1.phx.example.net:5060';
const BACKUP = 'sip:sbc1.dal.example.net:5060';
const THIRD = 'sip:sbc1.ord.example.net:5060';
const NUMBER = '+14155550100';
const FORWARD = '+13035559123';
const CONNECTION = '2222222222';

let fake: TelnyxFake;

beforeEach(async () => {
  fake = await new TelnyxFake().start();
});

afterEach(async () => {
  await fake.stop();
});

const only =
  (...up: string[]): TargetIsUp =>
  (target) =>
    up.includes(target);

function send(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${fake.baseUrl}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${fake.apiKey}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('TelnyxFake routeCall', () => {
  beforeEach(() => {
    fake.seedConnection({ id: CONNECTION, targets: [SITE, BACKUP, THIRD] });
    fake.seedNumbers([{ phoneNumber: NUMBER, connectionId: CONNECTION }]);
  });

  it('tries a sequential connection in order and takes the first target that answers', () => {
    expect(fake.routeCall(NUMBER, only(SITE, BACKUP)).reached).toBe(SITE);
    expect(fake.routeCall(NUMBER, only(BACKUP, THIRD)).reached).toBe(BACKUP);
    expect(fake.routeCall(NUMBER, only(THIRD)).tried.map((step) => step.target)).toEqual([
      SITE,
      BACKUP,
      THIRD,
    ]);
  });

  it('sends every call to an always forward, never trying the connection', () => {
    fake.seedNumbers([
      {
        phoneNumber: NUMBER,
        connectionId: CONNECTION,
        callForwarding: { forwards_to: FORWARD, forwarding_type: 'always' },
      },
    ]);

    expect(fake.routeCall(NUMBER, only(SITE, FORWARD))).toEqual({
      reached: FORWARD,
      tried: [{ target: FORWARD, via: 'call_forwarding always', up: true }],
    });
  });

  it('uses an on-failure forward only when no target answers, and a disabled one never', () => {
    fake.seedNumbers([
      {
        phoneNumber: NUMBER,
        connectionId: CONNECTION,
        callForwarding: { forwards_to: FORWARD, forwarding_type: 'on-failure' },
      },
    ]);
    expect(fake.routeCall(NUMBER, only(SITE, FORWARD)).reached).toBe(SITE);
    expect(fake.routeCall(NUMBER, only(FORWARD)).reached).toBe(FORWARD);

    fake.seedNumbers([
      {
        phoneNumber: NUMBER,
        connectionId: CONNECTION,
        callForwarding: {
          call_forwarding_enabled: false,
          forwards_to: FORWARD,
          forwarding_type: 'on-failure',
        },
      },
    ]);
    expect(fake.routeCall(NUMBER, only(FORWARD)).reached).toBeNull();
  });

  it('takes any answering target of a round-robin connection (the fake models no load)', () => {
    fake.seedConnection({ id: CONNECTION, targets: [SITE, BACKUP], routingMethod: 'round-robin' });

    expect(fake.routeCall(NUMBER, only(BACKUP)).reached).toBe(BACKUP);
  });

  it('reaches nobody for a number not on the account or on a connection it does not model', () => {
    fake.seedNumbers([{ phoneNumber: '+14155550101' }]);

    expect(fake.routeCall('+14155559999', () => true)).toEqual({ reached: null, tried: [] });
    expect(fake.routeCall('+14155550101', () => true).reached).toBeNull();
  });
});

describe('TelnyxFake rejects what Telnyx rejects', () => {
  beforeEach(() => {
    fake.seedConnection({ id: CONNECTION, targets: [SITE] });
    fake.seedConnection({ id: '3333333333', targets: [BACKUP] });
    fake.seedNumbers([{ phoneNumber: NUMBER, connectionId: CONNECTION }]);
  });

  it.each([
    [
      'an srv FQDN with a port',
      'POST',
      '/fqdns',
      { connection_id: CONNECTION, fqdn: 'dal.example.net', dns_record_type: 'srv', port: 5060 },
    ],
    [
      'an FQDN without its record type',
      'POST',
      '/fqdns',
      { connection_id: CONNECTION, fqdn: 'dal.example.net' },
    ],
    [
      'an FQDN that is a SIP URI',
      'POST',
      '/fqdns',
      { connection_id: CONNECTION, fqdn: BACKUP, dns_record_type: 'a', port: 5060 },
    ],
    [
      'an unknown routing method',
      'PATCH',
      `/fqdn_connections/${CONNECTION}`,
      { inbound: { default_routing_method: 'random' } },
    ],
    [
      'a timeout_1xx_secs above 120',
      'PATCH',
      `/fqdn_connections/${CONNECTION}`,
      { inbound: { timeout_1xx_secs: 121 } },
    ],
    ['an empty connection update', 'PATCH', `/fqdn_connections/${CONNECTION}`, {}],
    [
      'a job with neither numbers nor a filter',
      'POST',
      '/phone_numbers/jobs/update_phone_numbers',
      { connection_id: '3333333333' },
    ],
    [
      'a job with no updateable field',
      'POST',
      '/phone_numbers/jobs/update_phone_numbers',
      { phone_numbers: [NUMBER] },
    ],
    [
      'a job of 1,001 numbers',
      'POST',
      '/phone_numbers/jobs/update_phone_numbers',
      {
        phone_numbers: Array.from(
          { length: 1001 },
          (_, index) => `+1212555${String(index).padStart(4, '0')}`,
        ),
        connection_id: '3333333333',
      },
    ],
  ])('answers 422 to %s and records it', async (_label, method, path, body) => {
    const response = await send(method, path, body);

    expect(response.status).toBe(422);
    expect(fake.violations).toHaveLength(1);
  });

  it('refuses a primary FQDN that belongs to another connection', async () => {
    const other = fake.connectionOf('3333333333')!.fqdns[0].id;

    const response = await send('PATCH', `/fqdn_connections/${CONNECTION}`, {
      inbound: { default_primary_fqdn_id: other },
    });

    expect(response.status).toBe(422);
    expect(fake.connectionOf(CONNECTION)!.targets).toEqual([SITE]);
  });

  it.each([
    [
      'a connection-name filter shorter than three characters',
      '/phone_numbers/voice?filter%5Bconnection_name%5D%5Bcontains%5D=px',
    ],
    ['a page of 251', '/phone_numbers/voice?page%5Bsize%5D=251'],
    ['a connection id that is not numeric', '/fqdn_connections/abc'],
    ['an FQDN filter with a port in it', '/fqdns?filter%5Bfqdn%5D=dal.example.net%3A5060'],
  ])('records %s as a violation', async (_label, path) => {
    await send('GET', path);

    expect(fake.violations).toHaveLength(1);
  });

  it('moves every number matching a job filter, without naming them', async () => {
    fake.seedNumbers([
      { phoneNumber: '+14155550101', connectionId: CONNECTION },
      { phoneNumber: '+14155550102' },
    ]);

    const created = await send(
      'POST',
      `/phone_numbers/jobs/update_phone_numbers?filter%5Bconnection_id%5D=${CONNECTION}`,
      {
        connection_id: '3333333333',
      },
    );
    const { data } = (await created.json()) as { data: { id: string } };
    await send('GET', `/phone_numbers/jobs/${data.id}`);
    await send('GET', `/phone_numbers/jobs/${data.id}`);

    expect(created.status).toBe(202);
    expect(fake.violations).toEqual([]);
    expect(fake.routingOf(NUMBER)!.connection_id).toBe('3333333333');
    expect(fake.routingOf('+14155550101')!.connection_id).toBe('3333333333');
    expect(fake.routingOf('+14155550102')!.connection_id).toBe('1111111111');
  });

  it('moves at most filterJobLimit numbers a filter job when told to (the other reading of the spec)', async () => {
    await fake.stop();
    fake = await new TelnyxFake({ filterJobLimit: 2, jobPollsToComplete: 1 }).start();
    fake.seedConnection({ id: CONNECTION, targets: [SITE] });
    fake.seedConnection({ id: '3333333333', targets: [BACKUP] });
    const numbers = ['+14155550100', '+14155550101', '+14155550102'];
    fake.seedNumbers(numbers.map((phoneNumber) => ({ phoneNumber, connectionId: CONNECTION })));

    const created = await send(
      'POST',
      `/phone_numbers/jobs/update_phone_numbers?filter%5Bconnection_id%5D=${CONNECTION}`,
      { connection_id: '3333333333' },
    );
    const { data } = (await created.json()) as { data: { id: string } };
    await send('GET', `/phone_numbers/jobs/${data.id}`);

    expect(fake.violations).toEqual([]);
    expect(numbers.map((number) => fake.routingOf(number)!.connection_id)).toEqual([
      '3333333333',
      '3333333333',
      CONNECTION,
    ]);
  });

  it('counts with one item a page: meta.total_results is every match', async () => {
    const response = await send(
      'GET',
      `/phone_numbers?filter%5Bconnection_id%5D=${CONNECTION}&page%5Bsize%5D=1`,
    );

    expect(await response.json()).toMatchObject({
      data: [{ phone_number: NUMBER }],
      meta: { page_size: 1, total_results: 1, total_pages: 1 },
    });
  });
});
