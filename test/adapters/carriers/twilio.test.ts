import {
  TWILIO_ECHO_TWIMLET_URL,
  TwilioCarrier,
  type TwilioCarrierOptions,
} from '../../../lambdas/adapters/carriers/twilio';
import { CarrierAuthError } from '../../../lambdas/contracts/errors';
import type { RouteCall, SiteRoute } from '../../../lambdas/ports/carrier-routes';
import { TwilioFake, type TwilioFakeOptions } from '../../../lib/developer/carrier-fakes/twilio-fake';
import { checkRequestAgainstSpec, loadOfficialSpec, officialSpecsPresent } from '../../support/official-spec';

const WEB = '+14155550100';
const ON_TRUNK = '+14155550101';
const ON_APP = '+14155550102';
const ON_TRUNK_NO_URL = '+14155550103';
const WEB_NO_FALLBACK = '+14155550104';
const NO_ROUTING = '+14155550105';
const BACKUP = '+13035559123';
const BACKUP_SIP = 'sip:backup@sbc2.example.net';
const TRUNK = `TK${'1'.repeat(32)}`;
const APP = `AP${'2'.repeat(32)}`;
const TRUNK_VOICE_URL = 'https://pbx.example.com/trunk-voice';
const BIN = `https://handler.twilio.com/twiml/EH${'4'.repeat(32)}`;
const SIP_BIN = `https://handler.twilio.com/twiml/EH${'5'.repeat(32)}`;

let fake: TwilioFake;

async function startFake(options: TwilioFakeOptions = {}): Promise<TwilioFake> {
  fake = await new TwilioFake(options).start();
  fake.seedNumbers([
    { phoneNumber: WEB, voiceFallbackUrl: 'https://pbx.example.com/fallback' },
    { phoneNumber: ON_TRUNK, voiceUrl: TRUNK_VOICE_URL, trunkSid: TRUNK },
    { phoneNumber: ON_TRUNK_NO_URL, voiceUrl: null, trunkSid: TRUNK },
    { phoneNumber: ON_APP, voiceUrl: null, voiceApplicationSid: APP },
    { phoneNumber: WEB_NO_FALLBACK },
    { phoneNumber: NO_ROUTING, voiceUrl: null },
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
        voice_url: TRUNK_VOICE_URL,
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
    expect(fake.routeCall(WEB, (target) => target === BACKUP).reached).toBe(BACKUP);
  });

  it('dials a SIP destination with <Sip>', async () => {
    const twilio = carrier();

    await twilio.forward({ number: WEB, destination: BACKUP_SIP, mode: 'always' });

    expect(new URL(fake.routingOf(WEB)!.voice_url!).searchParams.get('Twiml')).toBe(
      `<Response><Dial><Sip>${BACKUP_SIP}</Sip></Dial></Response>`,
    );
    expect(await twilio.readRouting(WEB)).toMatchObject({ forwardsTo: BACKUP_SIP, mode: 'always' });
  });

  it('dials through the TwiML Bins given as dialTwimlUrl and dialSipTwimlUrl instead of the twimlet', async () => {
    await fake.stop();
    await startFake({ dialTwimlUrls: [BIN, SIP_BIN] });
    const twilio = carrier({ dialTwimlUrl: BIN, dialSipTwimlUrl: SIP_BIN });

    await twilio.forward({ number: WEB, destination: BACKUP, mode: 'always' });
    await twilio.forward({ number: WEB, destination: BACKUP_SIP, mode: 'on-failure' });

    const state = fake.routingOf(WEB)!;
    expect(state.voice_url).toBe(`${BIN}?Destination=${encodeURIComponent(BACKUP)}`);
    expect(state.voice_fallback_url).toBe(`${SIP_BIN}?Destination=${encodeURIComponent(BACKUP_SIP)}`);
    expect(await twilio.readRouting(WEB)).toMatchObject({ forwardsTo: BACKUP, mode: 'always' });
    expect(fake.routeCall(WEB, () => true).reached).toBe(BACKUP);
  });

  it('takes a trunk number off its trunk (Trunking DeletePhoneNumber) after setting its VoiceUrl, one routing change', async () => {
    await carrier().forward({ number: ON_TRUNK, destination: BACKUP, mode: 'always' });

    expect(fake.routingOf(ON_TRUNK)).toMatchObject({ trunk_sid: null, voice_application_sid: '' });
    expect(fake.requests.map((entry) => entry.operation)).toEqual([
      'ListIncomingPhoneNumber',
      'UpdateIncomingPhoneNumber',
      'DeletePhoneNumber',
    ]);
    expect(fake.writesTo(ON_TRUNK)).toBe(1);
    expect(fake.routeCall(ON_TRUNK, () => true).reached).toBe(BACKUP);
  });

  it('never posts a field empty', async () => {
    const twilio = carrier();
    for (const number of [WEB, ON_TRUNK, ON_TRUNK_NO_URL]) {
      const snapshot = await twilio.readRouting(number);
      await twilio.forward({ number, destination: BACKUP, mode: 'always' });
      await twilio.restore(snapshot);
    }

    const bodies = fake.requests.filter((entry) => entry.body !== '').map((entry) => entry.body);
    expect(bodies.length).toBeGreaterThan(5);
    for (const body of bodies) {
      expect([...new URLSearchParams(body).values()]).not.toContain('');
    }
  });

  it('pre-arms on-failure forwarding in VoiceFallbackUrl, leaving VoiceUrl alone', async () => {
    const twilio = carrier();

    await twilio.forward({ number: WEB, destination: BACKUP, mode: 'on-failure' });

    expect(fake.routingOf(WEB)!.voice_url).toBe('https://pbx.example.com/voice');
    expect(await twilio.readRouting(WEB)).toMatchObject({ forwardsTo: BACKUP, mode: 'on-failure' });
    // The fallback is used when the VoiceUrl's server fails, not when the site it dials is down.
    expect(fake.routeCall(WEB, (target) => target === BACKUP).reached).toBe(BACKUP);
    expect(fake.routeCall(WEB, () => true).reached).toBe('https://pbx.example.com/voice');
  });

  it.each([
    ['always', ON_APP, 'VoiceApplicationSid'],
    ['on-failure', ON_APP, 'VoiceApplicationSid'],
    ['on-failure', ON_TRUNK, 'trunk'],
    ['always', NO_ROUTING, 'no VoiceUrl, TrunkSid or VoiceApplicationSid'],
  ] as const)(
    'refuses %s forwarding of %s (%s), not retryable, writing nothing',
    async (mode, number, why) => {
      const twilio = carrier();
      await twilio.readRouting(number);

      await expect(twilio.forward({ number, destination: BACKUP, mode })).rejects.toMatchObject({
        retryable: false,
        message: expect.stringContaining(why),
      });
      expect(fake.requests.filter((entry) => entry.method !== 'GET')).toEqual([]);
    },
  );

  it.each([
    ['a VoiceUrl number', WEB],
    ['a trunk number', ON_TRUNK],
  ])('restores %s exactly after a failover', async (_label, number) => {
    const twilio = carrier();
    const original = fake.routingOf(number);
    const snapshot = await twilio.readRouting(number);
    await twilio.forward({ number, destination: BACKUP, mode: 'always' });

    await twilio.restore(JSON.parse(JSON.stringify(snapshot)));

    expect(fake.routingOf(number)).toEqual(original);
    expect(await twilio.readRouting(number)).toEqual(snapshot);
  });

  it('puts a trunk number back on its trunk before its voice fields, one routing change', async () => {
    const twilio = carrier();
    const snapshot = await twilio.readRouting(ON_TRUNK);
    await twilio.forward({ number: ON_TRUNK, destination: BACKUP, mode: 'always' });
    const start = fake.requests.length;
    const writes = fake.writesTo(ON_TRUNK);

    await twilio.restore(snapshot);

    expect(fake.requests.slice(start).map((entry) => entry.operation)).toEqual([
      'FetchIncomingPhoneNumber',
      'CreatePhoneNumber',
      'UpdateIncomingPhoneNumber',
    ]);
    expect(fake.writesTo(ON_TRUNK) - writes).toBe(1);
    expect(fake.routeCall(ON_TRUNK, () => true).reached).toBe('sip:sbc1.primary.example.net');
  });

  it('restores idempotently: a second restore only reads', async () => {
    const twilio = carrier();
    const snapshot = await twilio.readRouting(ON_TRUNK);
    await twilio.forward({ number: ON_TRUNK, destination: BACKUP, mode: 'always' });
    await twilio.restore(snapshot);
    const start = fake.requests.length;

    await twilio.restore(snapshot);

    expect(fake.requests.slice(start).map((entry) => entry.operation)).toEqual(['FetchIncomingPhoneNumber']);
  });

  it('restores a trunk number whose VoiceUrl was empty: back on the trunk, the dial URL left where Twilio ignores it', async () => {
    const twilio = carrier();
    const original = fake.routingOf(ON_TRUNK_NO_URL)!;
    const snapshot = await twilio.readRouting(ON_TRUNK_NO_URL);
    await twilio.forward({ number: ON_TRUNK_NO_URL, destination: BACKUP, mode: 'always' });

    await twilio.restore(snapshot);

    const state = fake.routingOf(ON_TRUNK_NO_URL)!;
    expect({ ...state, voice_url: original.voice_url }).toEqual(original);
    expect(state.voice_url).toContain(TWILIO_ECHO_TWIMLET_URL);
    expect(await twilio.readRouting(ON_TRUNK_NO_URL)).toEqual(snapshot);
    expect(fake.routeCall(ON_TRUNK_NO_URL, () => true).reached).toBe('sip:sbc1.primary.example.net');
  });

  it('fails the restore (not retryable) when a fallback that was empty now dials, after restoring the rest', async () => {
    const twilio = carrier();
    const snapshot = await twilio.readRouting(WEB_NO_FALLBACK);
    await twilio.forward({ number: WEB_NO_FALLBACK, destination: BACKUP, mode: 'always' });
    await twilio.forward({ number: WEB_NO_FALLBACK, destination: BACKUP, mode: 'on-failure' });

    await expect(twilio.restore(snapshot)).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('voice_fallback_url'),
    });
    expect(fake.routingOf(WEB_NO_FALLBACK)!.voice_url).toBe('https://pbx.example.com/voice');
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
      const twilio = carrier();
      for (const number of [WEB, ON_TRUNK, ON_TRUNK_NO_URL]) {
        const snapshot = await twilio.readRouting(number);
        await twilio.forward({ number, destination: BACKUP_SIP, mode: 'always' });
        await twilio.restore(snapshot);
      }
      await twilio.forward({ number: WEB, destination: BACKUP, mode: 'on-failure' });
      const route: SiteRoute = {
        siteId: 'phx',
        carrier: 'twilio',
        mode: 'native',
        primarySipUri: 'sip:sbc1.phx.example.net:5060',
        backupSipUri: 'sip:sbc1.dal.example.net:5060',
        ids: { trunkSid: `TK${'6'.repeat(32)}` },
      };
      fake.seedSiteRoute(route, ['+16025550100']);
      const call: RouteCall = (request) => request();
      await twilio.routes.armNative(route, ['+16025550100', WEB, ON_APP], call);
      const record = await twilio.routes.planSwitch(route, call);
      await twilio.routes.switchToBackup(route, record, call);
      await twilio.routes.switchBack(route, record, call);
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
