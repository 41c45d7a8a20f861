import type { SiteRoute } from '../../../lambdas/ports/carrier-routes';
import { TwilioFake } from '../../../lib/developer/carrier-fakes/twilio-fake';

const TRUNK = `TK${'1'.repeat(32)}`;
const APP = `AP${'2'.repeat(32)}`;
const WEB = '+14155550100';
const ON_TRUNK = '+14155550101';
const ON_APP = '+14155550102';
const PRIMARY = 'sip:sbc1.phx.example.net:5060';
const BACKUP = 'sip:sbc1.dal.example.net:5060';
const dialling = (destination: string) =>
  `https://twimlets.com/echo?${new URLSearchParams({ Twiml: `<Response><Dial><Sip>${destination}</Sip></Dial></Response>` })}`;

let fake: TwilioFake;

beforeEach(async () => {
  fake = await new TwilioFake().start();
  fake.seedNumbers([
    { phoneNumber: WEB, voiceFallbackUrl: dialling(BACKUP) },
    { phoneNumber: ON_TRUNK, trunkSid: TRUNK },
    { phoneNumber: ON_APP, voiceUrl: null, voiceApplicationSid: APP },
  ]);
  fake.seedTrunk(TRUNK, [
    { sipUrl: PRIMARY, priority: 10, weight: 1 },
    { sipUrl: 'sip:sbc2.phx.example.net:5060', priority: 10, weight: 90, enabled: false },
    { sipUrl: BACKUP, priority: 20 },
  ]);
});

afterEach(async () => {
  await fake.stop();
});

async function post(path: string, form: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${fake.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: await response.json() };
}

const numberPath = (phoneNumber: string) =>
  `/2010-04-01/Accounts/${fake.accountSid}/IncomingPhoneNumbers/${fake.routingOf(phoneNumber)!.sid}.json`;

describe('TwilioFake contract', () => {
  it.each([['TrunkSid'], ['VoiceApplicationSid'], ['VoiceUrl'], ['VoiceFallbackUrl']])(
    'refuses %s posted empty (the spec gives it a pattern or a URI format) with 400 in Twilio error shape',
    async (field) => {
      const before = fake.routingOf(WEB);

      const answer = await post(numberPath(WEB), { [field]: '' });

      expect(answer).toEqual({
        status: 400,
        body: {
          code: 21100,
          message: expect.stringContaining(field),
          more_info: 'https://www.twilio.com/docs/errors/21100',
          status: 400,
        },
      });
      expect(fake.violations).toHaveLength(1);
      expect(fake.routingOf(WEB)).toEqual(before);
    },
  );

  it.each([
    [
      'a missing required field',
      { SipUrl: BACKUP, Priority: '20', Weight: '10', Enabled: 'true' },
      'FriendlyName',
    ],
    [
      'a SipUrl that is not sip:',
      { FriendlyName: 'b', SipUrl: 'https://x.example.net', Priority: '20', Weight: '10', Enabled: 'true' },
      'sip:',
    ],
    [
      'a Priority above 65535',
      { FriendlyName: 'b', SipUrl: BACKUP, Priority: '70000', Weight: '10', Enabled: 'true' },
      'Priority',
    ],
  ])('refuses CreateOriginationUrl with %s', async (_label, form, problem) => {
    const answer = await post(`/v1/Trunks/${TRUNK}/OriginationUrls`, form);

    expect(answer.status).toBe(400);
    expect(fake.violations.map((violation) => violation.problems.join(' '))).toEqual([
      expect.stringContaining(problem),
    ]);
    expect(fake.trunkOf(TRUNK)!.origination_urls).toHaveLength(3);
  });

  it('refuses an empty DisasterRecoveryUrl and a method outside GET/POST', async () => {
    const answer = await post(`/v1/Trunks/${TRUNK}`, {
      DisasterRecoveryUrl: '',
      DisasterRecoveryMethod: 'PUT',
    });

    expect(answer.status).toBe(400);
    expect(fake.violations[0].problems.join(' ')).toMatch(/DisasterRecoveryUrl[\s\S]*DisasterRecoveryMethod/);
  });

  it('refuses a PhoneNumberSid that is not a PN sid', async () => {
    const answer = await post(`/v1/Trunks/${TRUNK}/PhoneNumbers`, { PhoneNumberSid: 'PN123' });

    expect(answer.status).toBe(400);
    expect(fake.routingOf(WEB)!.trunk_sid).toBeNull();
  });

  it('deletes the VoiceApplicationSid when a TrunkSid is set, and the TrunkSid when a VoiceApplicationSid is set', async () => {
    await post(numberPath(ON_APP), { TrunkSid: TRUNK });
    expect(fake.routingOf(ON_APP)).toMatchObject({ trunk_sid: TRUNK, voice_application_sid: '' });

    await post(numberPath(ON_APP), { VoiceApplicationSid: APP });
    expect(fake.routingOf(ON_APP)).toMatchObject({ trunk_sid: null, voice_application_sid: APP });
  });

  it('counts a VoiceUrl written to a trunk number as no routing change (Twilio ignores it there)', async () => {
    await post(numberPath(ON_TRUNK), { VoiceUrl: 'https://pbx.example.com/other' });

    expect(fake.routingOf(ON_TRUNK)!.voice_url).toBe('https://pbx.example.com/other');
    expect(fake.writesTo(ON_TRUNK)).toBe(0);
  });
});

describe('TwilioFake routeCall', () => {
  it('tries the enabled origination URLs by priority value, weight ignored, disabled ones skipped', () => {
    const path = fake.routeCall(ON_TRUNK, (target) => target === BACKUP);

    expect(path.reached).toBe(BACKUP);
    expect(path.tried.map((step) => step.target)).toEqual([PRIMARY, BACKUP]);
  });

  it("falls to the trunk's DisasterRecoveryUrl when no origination URL takes the call", () => {
    const voicemail = 'sip:voicemail.example.net';
    fake.seedTrunk(TRUNK, [{ sipUrl: PRIMARY, priority: 10 }], dialling(voicemail));

    expect(fake.routeCall(ON_TRUNK, (target) => target === voicemail)).toEqual({
      reached: voicemail,
      tried: [
        expect.objectContaining({ target: PRIMARY, up: false }),
        expect.objectContaining({
          target: voicemail,
          up: true,
          via: expect.stringContaining('DisasterRecoveryUrl'),
        }),
      ],
    });
  });

  it('reaches nobody when the trunk has nothing up and no DisasterRecoveryUrl', () => {
    expect(fake.routeCall(ON_TRUNK, () => false).reached).toBeNull();
  });

  it("uses a VoiceUrl number's VoiceFallbackUrl only when its VoiceUrl's server is down", () => {
    const webUp = fake.routeCall(WEB, () => true);
    const webDown = fake.routeCall(WEB, (target) => target !== 'https://pbx.example.com/voice');

    expect(webUp.reached).toBe('https://pbx.example.com/voice');
    expect(webDown.reached).toBe(BACKUP);
    expect(webDown.tried.map((step) => step.via)).toEqual([
      'VoiceUrl',
      'VoiceFallbackUrl dials it (the VoiceUrl failed)',
    ]);
  });

  it('does not use the fallback when a VoiceUrl dial reaches a dead destination (the TwiML ran)', () => {
    fake.seedNumbers([{ phoneNumber: WEB, voiceUrl: dialling(PRIMARY), voiceFallbackUrl: dialling(BACKUP) }]);

    expect(fake.routeCall(WEB, (target) => target === BACKUP)).toEqual({
      reached: null,
      tried: [{ target: PRIMARY, via: 'VoiceUrl dials it', up: false }],
    });
  });

  it('reaches no modelled target for an application number, and says why', () => {
    expect(fake.routeCall(ON_APP, () => true)).toEqual({
      reached: null,
      tried: [expect.objectContaining({ target: APP, via: expect.stringContaining('VoiceApplicationSid') })],
    });
  });

  it('reads ?Destination= from the dial URLs it is told about', async () => {
    await fake.stop();
    const bin = `https://handler.twilio.com/twiml/EH${'4'.repeat(32)}`;
    fake = await new TwilioFake({ dialTwimlUrls: [bin] }).start();
    fake.seedNumbers([{ phoneNumber: WEB, voiceUrl: `${bin}?Destination=%2B13035559123` }]);

    expect(fake.routeCall(WEB, () => true).reached).toBe('+13035559123');
  });
});

describe('TwilioFake seedSiteRoute', () => {
  it('sets up the trunk routing to the primary only, with the numbers on it, no failover armed', () => {
    const route: SiteRoute = {
      siteId: 'phx',
      carrier: 'twilio',
      mode: 'native',
      primarySipUri: PRIMARY,
      backupSipUri: BACKUP,
      ids: { trunkSid: `TK${'7'.repeat(32)}` },
    };

    fake.seedSiteRoute(route, [ON_APP, '+16025550100']);

    expect(fake.trunkOf(route.ids.trunkSid)).toMatchObject({
      disaster_recovery_url: null,
      origination_urls: [expect.objectContaining({ sip_url: PRIMARY, priority: 10, enabled: true })],
    });
    expect(fake.routingOf(ON_APP)).toMatchObject({
      trunk_sid: route.ids.trunkSid,
      voice_application_sid: '',
    });
    expect(fake.routeCall('+16025550100', () => true).reached).toBe(PRIMARY);
    expect(fake.routeCall('+16025550100', (target) => target === BACKUP).reached).toBeNull();
  });
});
