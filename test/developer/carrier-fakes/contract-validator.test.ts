import { signWebhookBody } from '../../../lambdas/adapters/carriers/webhook';
import { BandwidthFake } from '../../../lib/developer/carrier-fakes/bandwidth-fake';
import type { FakeCarrierServer } from '../../../lib/developer/carrier-fakes/fake-carrier-server';
import { TelnyxFake } from '../../../lib/developer/carrier-fakes/telnyx-fake';
import { TwilioFake } from '../../../lib/developer/carrier-fakes/twilio-fake';
import { WebhookFake } from '../../../lib/developer/carrier-fakes/webhook-fake';

async function started<T extends FakeCarrierServer>(fake: T): Promise<T> {
  return fake.start();
}

describe('the fakes reject what the carrier would reject, and record it', () => {
  let fakes: FakeCarrierServer[] = [];

  afterEach(async () => {
    await Promise.all(fakes.map((fake) => fake.stop()));
    fakes = [];
  });

  async function telnyx(): Promise<TelnyxFake> {
    const fake = await started(new TelnyxFake());
    fake.seedNumbers([{ phoneNumber: '+14155550100', id: '1293384261075731001' }]);
    fakes.push(fake);
    return fake;
  }

  it('Telnyx: an unknown field and a bad forwarding_type get 422 code 10015', async () => {
    const fake = await telnyx();

    const response = await fetch(`${fake.baseUrl}/phone_numbers/1293384261075731001/voice`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${fake.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        call_forwarding: { forwards_to: '+13035559123', forwarding_type: 'on_failure', colour: 'red' },
      }),
    });

    expect(response.status).toBe(422);
    expect(((await response.json()) as { errors: { code: string }[] }).errors[0].code).toBe('10015');
    expect(fake.violations).toHaveLength(1);
    expect(fake.violations[0].problems.join(' ')).toMatch(/colour/);
    expect(fake.violations[0].problems.join(' ')).toMatch(/always, on-failure/);
    expect(fake.routingOf('+14155550100')!.call_forwarding.forwards_to).toBeNull();
  });

  it('Telnyx: an E.164 number where the phone number id belongs, and a filter with a plus, are violations', async () => {
    const fake = await telnyx();
    const headers = { Authorization: `Bearer ${fake.apiKey}` };

    await fetch(`${fake.baseUrl}/phone_numbers/${encodeURIComponent('+14155550100')}/voice`, { headers });
    await fetch(`${fake.baseUrl}/phone_numbers?filter%5Bphone_number%5D=%2B14155550100`, { headers });

    expect(fake.violations.map((violation) => violation.operation)).toEqual([
      'GetPhoneNumberVoiceSettings',
      'ListPhoneNumbers',
    ]);
  });

  it('Telnyx: a missing content type and an unknown operation are violations', async () => {
    const fake = await telnyx();
    const headers = { Authorization: `Bearer ${fake.apiKey}` };

    await fetch(`${fake.baseUrl}/phone_numbers/1293384261075731001/voice`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ call_forwarding: { call_forwarding_enabled: false } }),
    });
    const unknown = await fetch(`${fake.baseUrl}/phone_numbers/1293384261075731001/forwarding`, { headers });

    expect(unknown.status).toBe(404);
    expect(fake.violations).toHaveLength(2);
    expect(fake.violations[0].problems.join(' ')).toMatch(/Content-Type/);
  });

  it('Twilio: an unknown form field and a bad Enabled value get 400', async () => {
    const fake = await started(new TwilioFake());
    fakes.push(fake);
    const trunk = `TK${'1'.repeat(32)}`;
    fake.seedNumbers([{ phoneNumber: '+14155550100' }]);
    fake.seedTrunk(trunk, [{ sipUrl: 'sip:a.example.net', priority: 10 }]);
    const sid = fake.routingOf('+14155550100')!.sid;
    const origination = fake.trunkOf(trunk)!.origination_urls[0].sid;
    const headers = {
      Authorization: `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    };

    const number = await fetch(
      `${fake.baseUrl}/2010-04-01/Accounts/${fake.accountSid}/IncomingPhoneNumbers/${sid}.json`,
      {
        method: 'POST',
        headers,
        body: 'VoiceUrl=https%3A%2F%2Fx.example.com&ForwardTo=%2B1303',
      },
    );
    const url = await fetch(`${fake.trunkingBaseUrl}/Trunks/${trunk}/OriginationUrls/${origination}`, {
      method: 'POST',
      headers,
      body: 'Enabled=maybe',
    });

    expect([number.status, url.status]).toEqual([400, 400]);
    expect(fake.violations.map((violation) => violation.problems.join(' '))).toEqual([
      expect.stringContaining('ForwardTo'),
      expect.stringContaining('boolean'),
    ]);
  });

  it('Bandwidth: a SIP CallForward and broken XML get 400', async () => {
    const fake = await started(new BandwidthFake());
    fakes.push(fake);
    const headers = {
      Authorization: `Basic ${Buffer.from(`${fake.username}:${fake.password}`).toString('base64')}`,
      'Content-Type': 'application/xml',
    };
    const url = `${fake.baseUrl}/accounts/${fake.accountId}/tnoptions`;

    const sip = await fetch(url, {
      method: 'POST',
      headers,
      body:
        '<TnOptionOrder><TnOptionGroups><TnOptionGroup><CallForward>sip:x@y</CallForward>' +
        '<TelephoneNumbers><TelephoneNumber>9195550100</TelephoneNumber></TelephoneNumbers>' +
        '</TnOptionGroup></TnOptionGroups></TnOptionOrder>',
    });
    const broken = await fetch(url, { method: 'POST', headers, body: '<TnOptionOrder><TnOptionGroups>' });

    expect([sip.status, broken.status]).toEqual([400, 400]);
    expect(await sip.text()).toContain('<ErrorCode>');
    expect(fake.violations).toHaveLength(2);
  });

  it('Webhook: a forward without a destination gets 422', async () => {
    const fake = await started(new WebhookFake());
    fakes.push(fake);
    fake.seedNumbers([{ phoneNumber: '+14155550100' }]);
    const body = JSON.stringify({
      action: 'forward',
      number: '+14155550100',
      mode: 'always',
      requestId: 'request-1',
    });
    const timestamp = String(Math.floor(Date.now() / 1000));

    const response = await fetch(fake.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-CarrierFailover-Timestamp': timestamp,
        'X-CarrierFailover-Signature': signWebhookBody(fake.signingSecret, timestamp, body),
      },
      body,
    });

    expect(response.status).toBe(422);
    expect(fake.violations).toHaveLength(1);
  });
});
