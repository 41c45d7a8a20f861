import {
  TWILIO_ECHO_TWIMLET_URL,
  TwilioCarrier,
  type TwilioCarrierOptions,
} from '../../../lambdas/adapters/carriers/twilio';
import { CarrierAuthError } from '../../../lambdas/contracts/errors';
import { TwilioFake, type TwilioFakeOptions } from '../../../lib/developer/carrier-fakes/twilio-fake';
import { checkRequestAgainstSpec, loadOfficialSpec, officialSpecsPresent } from '../../support/official-spec';

const WEB = '+14155550100';
const ON_TRUNK = '+14155550101';
const ON_APP = '+14155550102';
const BACKUP = '+13035559123';
const BACKUP_SIP = 'sip:backup@sbc2.example.net';
const TRUNK = `TK${'1'.repeat(32)}`;
const APP = `AP${'2'.repeat(32)}`;

let fake: TwilioFake;

async function startFake(options: TwilioFakeOptions = {}): Promise<TwilioFake> {
  fake = await new TwilioFake(options).start();
  fake.seedNumbers([
    { phoneNumber: WEB, voiceFallbackUrl: 'https://pbx.example.com/fallback' },
    { phoneNumber: ON_TRUNK, voiceUrl: null, trunkSid: TRUNK },
    { phoneNumber: ON_APP, voiceUrl: null, voiceApplicationSid: APP },
  ]);
  fake.seedTrunk(TRUNK, [
    { sipUrl: 'sip:sbc1.primary.example.net', priority: 10 },
    { sipUrl: 'sip:sbc2.primary.example.net', priority: 10 },
    { sipUrl: 'sip:sbc1.backup.example.net', priority: 20 },
  ]);
  return fake;
}

function carrier(options: Partial<TwilioCarrierOptions> = {}): TwilioCarrier {
  return new TwilioCarrier({
    accountSid: fake.accountSid,
    authToken: fake.authToken,
    baseUrl: fake.baseUrl,
    trunkingBaseUrl: fake.trunkingBaseUrl,
    ...options,
  });
}

beforeEach(async () => {
  await startFake();
});

afterEach(async () => {
  const violations = fake.violations;
  await fake.stop();
  expect(violations).toEqual([]);
});

describe('TwilioCarrier routing', () => {
  it('reads every field restore needs, finding the number sid once', async () => {
    const twilio = carrier();

    const snapshot = await twilio.readRouting(ON_TRUNK);
    await twilio.readRouting(ON_TRUNK);

    expect(snapshot).toEqual({
      carrier: 'twilio',
      number: ON_TRUNK,
      forwardsTo: null,
      mode: null,
      settings: {
        sid: fake.routingOf(ON_TRUNK)!.sid,
        voice_url: null,
        voice_method: 'POST',
        voice_fallback_url: null,
        voice_fallback_method: 'POST',
        trunk_sid: TRUNK,
        voice_application_sid: '',
      },
    });
    expect(fake.requests.filter((entry) => entry.operation === 'ListIncomingPhoneNumber')).toHaveLength(1);
  });

  it('forwards always by pointing VoiceUrl at Echo TwiML that dials the destination', async () => {
    const twilio = carrier();

    await twilio.forward({ number: WEB, destination: BACKUP, mode: 'always' });

    const state = fake.routingOf(WEB)!;
    expect(state.voice_url!.startsWith(`${TWILIO_ECHO_TWIMLET_URL}?Twiml=`)).toBe(true);
    expect(new URL(state.voice_url!).searchParams.get('Twiml')).toBe(
      `<Response><Dial>${BACKUP}</Dial></Response>`,
    );
    expect(state.voice_method).toBe('GET');
    expect(await twilio.readRouting(WEB)).toMatchObject({ forwardsTo: BACKUP, mode: 'always' });
  });

  it('dials a SIP destination with <Sip>', async () => {
    const twilio = carrier();

    await twilio.forward({ number: WEB, destination: BACKUP_SIP, mode: 'always' });

    expect(new URL(fake.routingOf(WEB)!.voice_url!).searchParams.get('Twiml')).toBe(
      `<Response><Dial><Sip>${BACKUP_SIP}</Sip></Dial></Response>`,
    );
    expect(await twilio.readRouting(WEB)).toMatchObject({ forwardsTo: BACKUP_SIP, mode: 'always' });
  });

  it('clears TrunkSid so the VoiceUrl of a trunk number takes effect', async () => {
    await carrier().forward({ number: ON_TRUNK, destination: BACKUP, mode: 'always' });

    expect(fake.routingOf(ON_TRUNK)).toMatchObject({ trunk_sid: null, voice_application_sid: '' });
  });

  it('pre-arms on-failure forwarding in VoiceFallbackUrl, leaving VoiceUrl alone', async () => {
    const twilio = carrier();

    await twilio.forward({ number: WEB, destination: BACKUP, mode: 'on-failure' });

    expect(fake.routingOf(WEB)!.voice_url).toBe('https://pbx.example.com/voice');
    expect(await twilio.readRouting(WEB)).toMatchObject({ forwardsTo: BACKUP, mode: 'on-failure' });
  });

  it.each([
    ['a VoiceUrl number', WEB],
    ['a trunk number', ON_TRUNK],
    ['an application number', ON_APP],
  ])('restores %s exactly after a failover', async (_label, number) => {
    const twilio = carrier();
    const original = fake.routingOf(number);
    const snapshot = await twilio.readRouting(number);
    await twilio.forward({ number, destination: BACKUP, mode: 'always' });
    await twilio.forward({ number, destination: BACKUP, mode: 'on-failure' });

    await twilio.restore(JSON.parse(JSON.stringify(snapshot)));

    expect(fake.routingOf(number)).toEqual(original);
  });
});

describe('TwilioCarrier trunk', () => {
  it('switches the trunk to its backup origination URL by disabling the preferred ones, and back', async () => {
    const twilio = carrier({ trunkSid: TRUNK });

    await twilio.switchToBackupRoute!();

    expect(fake.trunkOf(TRUNK)!.origination_urls.map((url) => [url.priority, url.enabled])).toEqual([
      [10, false],
      [10, false],
      [20, true],
    ]);

    await twilio.switchToPrimaryRoute!();

    expect(fake.trunkOf(TRUNK)!.origination_urls.every((url) => url.enabled)).toBe(true);
  });

  it('switches idempotently: a second switch writes nothing', async () => {
    const twilio = carrier({ trunkSid: TRUNK });
    await twilio.switchToBackupRoute!();
    const writes = fake.requests.filter((entry) => entry.write).length;

    await twilio.switchToBackupRoute!();

    expect(fake.requests.filter((entry) => entry.write).length).toBe(writes);
  });

  it('refuses to switch a trunk with no enabled backup origination URL', async () => {
    const lonely = `TK${'3'.repeat(32)}`;
    fake.seedTrunk(lonely, [{ sipUrl: 'sip:sbc1.primary.example.net', priority: 10 }]);

    await expect(carrier({ trunkSid: lonely }).switchToBackupRoute!()).rejects.toMatchObject({
      retryable: false,
    });
    expect(fake.trunkOf(lonely)!.origination_urls[0].enabled).toBe(true);
  });

  it("arms the trunk's DisasterRecoveryUrl with TwiML that dials the destination", async () => {
    await carrier({ trunkSid: TRUNK }).armDisasterRecovery(BACKUP_SIP);

    const trunk = fake.trunkOf(TRUNK)!;
    expect(new URL(trunk.disaster_recovery_url!).searchParams.get('Twiml')).toContain(
      `<Sip>${BACKUP_SIP}</Sip>`,
    );
    expect(trunk.disaster_recovery_method).toBe('GET');
  });

  it('offers no trunk switch without trunkSid', () => {
    expect(carrier().switchToBackupRoute).toBeUndefined();
    expect(carrier().switchToPrimaryRoute).toBeUndefined();
  });
});

describe('TwilioCarrier failures', () => {
  it('turns a rejected auth token into CarrierAuthError without the token in the message', async () => {
    const attempt = carrier({ authToken: 'wrong-token-value' }).readRouting(WEB);

    await expect(attempt).rejects.toBeInstanceOf(CarrierAuthError);
    await expect(attempt).rejects.toMatchObject({
      status: 401,
      code: '20003',
      message: expect.not.stringMatching(new RegExp(`wrong-token-value|${fake.accountSid}`)),
    });
  });

  it('turns 429 (code 20429) with Retry-After into a retryable error with retryAfterMs', async () => {
    fake.failNext('rate-limit');

    await expect(carrier().readRouting(WEB)).rejects.toMatchObject({
      retryable: true,
      status: 429,
      code: '20429',
      retryAfterMs: 1000,
    });
  });

  it('turns 429 without Retry-After into a retryable error without retryAfterMs', async () => {
    fake.failNext('rate-limit-without-retry-after');

    await expect(carrier().readRouting(WEB)).rejects.toMatchObject({
      retryable: true,
      status: 429,
      retryAfterMs: undefined,
    });
  });

  it.each(['http-500', 'http-502', 'http-503'] as const)('treats %s as retryable', async (kind) => {
    fake.failNext(kind);

    await expect(carrier().readRouting(WEB)).rejects.toMatchObject({ retryable: true });
  });

  it('times out a slow answer as retryable', async () => {
    await fake.stop();
    await startFake({ slowMs: 2000 });
    fake.failNext('slow');

    await expect(carrier({ timeoutMs: 50 }).readRouting(WEB)).rejects.toMatchObject({ retryable: true });
  });

  it('treats a reset connection as retryable', async () => {
    fake.failNext('connection-reset');

    await expect(carrier().readRouting(WEB)).rejects.toMatchObject({ retryable: true });
  });

  it('treats malformed JSON in a 2xx answer as retryable', async () => {
    fake.failNext('malformed');

    await expect(carrier().readRouting(WEB)).rejects.toMatchObject({
      retryable: true,
      message: expect.stringContaining('malformed response'),
    });
  });

  it('reports "accepted but answered 500" as retryable although the change took effect', async () => {
    const twilio = carrier();
    await twilio.readRouting(WEB);
    fake.failNext('accepted-then-500');

    await expect(twilio.forward({ number: WEB, destination: BACKUP, mode: 'always' })).rejects.toMatchObject({
      retryable: true,
    });
    expect(fake.writesTo(WEB)).toBe(1);
  });
});

if (officialSpecsPresent()) {
  describe('TwilioCarrier against the official Twilio specs (../shared/carrier-specs)', () => {
    it('sends only operations, parameters and values the specs define', async () => {
      const twilio = carrier({ trunkSid: TRUNK });
      for (const number of [WEB, ON_TRUNK, ON_APP]) {
        const snapshot = await twilio.readRouting(number);
        await twilio.forward({ number, destination: BACKUP_SIP, mode: 'always' });
        await twilio.forward({ number, destination: BACKUP, mode: 'on-failure' });
        await twilio.restore(snapshot);
      }
      await twilio.switchToBackupRoute!();
      await twilio.switchToPrimaryRoute!();
      await twilio.armDisasterRecovery(BACKUP);
      const api = loadOfficialSpec('twilio/twilio_api_v2010.yaml');
      const trunking = loadOfficialSpec('twilio/twilio_trunking_v1.yaml');

      const problems = fake.requests.flatMap((entry) =>
        checkRequestAgainstSpec(
          entry.path.startsWith('/v1/') ? trunking : api,
          {
            method: entry.method,
            path: entry.path,
            query: entry.query,
            contentType: entry.contentType,
            body: entry.body === '' ? undefined : Object.fromEntries(new URLSearchParams(entry.body)),
          },
          { validateValues: true },
        ),
      );

      expect(fake.requests.length).toBeGreaterThan(10);
      expect(problems).toEqual([]);
    });
  });
} else {
  describe('TwilioCarrier against the official Twilio specs', () => {
    it('is not checked here because ../shared/carrier-specs is absent', () => {
      expect(officialSpecsPresent()).toBe(false);
    });
  });
}
