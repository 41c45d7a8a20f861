import { TwilioCarrier } from '../../../lambdas/adapters/carriers/twilio';
import type { TwilioSwitchRecord } from '../../../lambdas/adapters/carriers/twilio-routes';
import type { RouteCall, SiteRoute } from '../../../lambdas/ports/carrier-routes';
import type { TargetIsUp } from '../../../lib/developer/carrier-fakes/call-routing';
import { TwilioFake } from '../../../lib/developer/carrier-fakes/twilio-fake';

const TRUNK = `TK${'1'.repeat(32)}`;
const OTHER_TRUNK = `TK${'3'.repeat(32)}`;
const APP = `AP${'2'.repeat(32)}`;
const PRIMARY = 'sip:sbc1.phx.example.net:5060';
const BACKUP = 'sip:sbc1.dal.example.net:5060';
const ROUTE: SiteRoute = {
  siteId: 'phx',
  carrier: 'twilio',
  mode: 'native',
  primarySipUri: PRIMARY,
  backupSipUri: BACKUP,
  ids: { trunkSid: TRUNK },
};
const SWITCH_ROUTE: SiteRoute = { ...ROUTE, mode: 'switch' };
const ON_TRUNK = ['+14155550101', '+14155550102', '+14155550103'];
const ON_APP = '+14155550110';
const ON_VOICE_URL = '+14155550111';
const ON_OTHER_TRUNK = '+14155550112';
const NOT_ON_ACCOUNT = '+14155550113';

let fake: TwilioFake;
let calls: number;
const call: RouteCall = (request) => {
  calls += 1;
  return request();
};

const upOnly =
  (...targets: string[]): TargetIsUp =>
  (target) =>
    targets.includes(target);

function twilio(): TwilioCarrier {
  return new TwilioCarrier({
    accountSid: fake.accountSid,
    authToken: fake.authToken,
    baseUrl: fake.baseUrl,
    trunkingBaseUrl: fake.trunkingBaseUrl,
  });
}

function writes(): number {
  return fake.requests.filter((entry) => entry.method !== 'GET').length;
}

beforeEach(async () => {
  calls = 0;
  fake = await new TwilioFake().start();
  fake.seedSiteRoute(ROUTE, ON_TRUNK);
  fake.seedNumbers([
    { phoneNumber: ON_APP, voiceUrl: null, voiceApplicationSid: APP },
    { phoneNumber: ON_VOICE_URL },
    { phoneNumber: ON_OTHER_TRUNK, trunkSid: OTHER_TRUNK },
  ]);
});

afterEach(async () => {
  const violations = fake.violations;
  await fake.stop();
  expect(violations).toEqual([]);
});

describe('TwilioRoutes native failover', () => {
  it('adds the backup as an origination URL below the primary, arms the DisasterRecoveryUrl, and reads both back', async () => {
    const readBack = await twilio().routes.armNative(ROUTE, ON_TRUNK, call);

    const trunk = fake.trunkOf(TRUNK)!;
    expect(trunk.origination_urls.map((url) => [url.sip_url, url.priority, url.enabled])).toEqual([
      [PRIMARY, 10, true],
      [BACKUP, 20, true],
    ]);
    expect(trunk.disaster_recovery_method).toBe('GET');
    expect(readBack.armed).toBe(true);
    expect(readBack.ignored).toEqual([]);
    expect(readBack.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`${BACKUP} priority 20 weight 10 enabled \\(backup\\)`)),
        expect.stringContaining(`(dials ${BACKUP})`),
        expect.stringContaining('3 of 3 numbers on the trunk'),
      ]),
    );
    // Reads, two writes, the read-back (list + fetch trunk), the trunk's numbers.
    expect(fake.requests.map((entry) => entry.operation)).toEqual([
      'ListOriginationUrl',
      'FetchTrunk',
      'CreateOriginationUrl',
      'UpdateTrunk',
      'ListOriginationUrl',
      'FetchTrunk',
      'ListPhoneNumber',
    ]);
    expect(calls).toBe(fake.requests.length);
  });

  it('sends every caller of a dead primary to the backup, by the origination URL priority', async () => {
    await twilio().routes.armNative(ROUTE, ON_TRUNK, call);

    expect(fake.routeCall(ON_TRUNK[0], upOnly(PRIMARY, BACKUP)).reached).toBe(PRIMARY);
    const path = fake.routeCall(ON_TRUNK[0], upOnly(BACKUP));
    expect(path.reached).toBe(BACKUP);
    expect(path.tried.map((step) => [step.target, step.up])).toEqual([
      [PRIMARY, false],
      [BACKUP, true],
    ]);
  });

  it('arms idempotently: a second arm sends only reads', async () => {
    const routes = twilio().routes;
    await routes.armNative(ROUTE, ON_TRUNK, call);
    const before = writes();
    const requests = fake.requests.length;

    const again = await routes.armNative(ROUTE, ON_TRUNK, call);

    expect(writes()).toBe(before);
    expect(fake.requests.slice(requests).map((entry) => entry.operation)).toEqual([
      'ListOriginationUrl',
      'FetchTrunk',
      'ListPhoneNumber',
    ]);
    expect(again.armed).toBe(true);
  });

  it('moves an existing backup URL that is disabled or not below the primaries', async () => {
    fake.seedTrunk(TRUNK, [
      { sipUrl: PRIMARY, priority: 10 },
      { sipUrl: BACKUP, priority: 5, enabled: false },
    ]);

    const readBack = await twilio().routes.armNative(ROUTE, [], call);

    expect(fake.trunkOf(TRUNK)!.origination_urls.map((url) => [url.priority, url.enabled])).toEqual([
      [10, true],
      [20, true],
    ]);
    expect(readBack.armed).toBe(true);
  });

  it('audits without writing, naming every asked number the trunk does not carry and why', async () => {
    const asked = [...ON_TRUNK, ON_APP, ON_VOICE_URL, ON_OTHER_TRUNK, NOT_ON_ACCOUNT];

    const readBack = await twilio().routes.audit(ROUTE, asked, call);

    expect(writes()).toBe(0);
    expect(readBack.armed).toBe(false);
    expect(readBack.details).toEqual(
      expect.arrayContaining([
        `trunk ${TRUNK}: no DisasterRecoveryUrl`,
        `trunk ${TRUNK}: no enabled origination URL for ${BACKUP} with a priority value above every primary`,
      ]),
    );
    expect(readBack.ignored).toEqual([
      { number: ON_APP, reason: expect.stringContaining(`has VoiceApplicationSid ${APP}`) },
      { number: ON_VOICE_URL, reason: expect.stringContaining('Twilio answers it with its VoiceUrl') },
      { number: ON_OTHER_TRUNK, reason: `is on trunk ${OTHER_TRUNK}, not ${TRUNK}` },
      { number: NOT_ON_ACCOUNT, reason: 'not on this Twilio account' },
    ]);
    expect(calls).toBe(fake.requests.length);
  });

  it('names a number forwarded per number (off the trunk) with where it dials', async () => {
    const carrier = twilio();
    await carrier.forward({ number: ON_TRUNK[1], destination: '+13035559123', mode: 'always' });

    const readBack = await carrier.routes.audit(ROUTE, ON_TRUNK, call);

    expect(readBack.ignored).toEqual([
      {
        number: ON_TRUNK[1],
        reason: 'is off the trunk, forwarded per number: its VoiceUrl dials +13035559123',
      },
    ]);
  });

  it("lists the trunk's numbers page by page at Twilio's largest page size", async () => {
    const many = Array.from({ length: 1001 }, (_, index) => `+1303555${String(index).padStart(4, '0')}`);
    fake.seedSiteRoute(ROUTE, many);

    const readBack = await twilio().routes.audit(ROUTE, many, call);

    expect(readBack.ignored).toEqual([]);
    const pages = fake.requests.filter((entry) => entry.operation === 'ListPhoneNumber');
    expect(pages.map((entry) => [entry.query.PageSize, entry.query.Page])).toEqual([
      ['1000', undefined],
      ['1000', '1'],
    ]);
  });

  it('refuses a route without a trunkSid (not retryable)', async () => {
    await expect(twilio().routes.audit({ ...ROUTE, ids: {} }, [], call)).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('trunkSid'),
    });
  });
});

describe('TwilioRoutes switch', () => {
  /** A trunk whose preferred group holds two primary URLs, the backup a priority below. */
  function seedTwoPrimaries(): void {
    fake.seedTrunk(TRUNK, [
      { sipUrl: PRIMARY, priority: 10 },
      { sipUrl: 'sip:sbc2.phx.example.net:5060', priority: 10 },
      { sipUrl: BACKUP, priority: 20 },
    ]);
  }

  async function armed(): Promise<TwilioCarrier> {
    const carrier = twilio();
    await carrier.routes.armNative(SWITCH_ROUTE, [], call);
    return carrier;
  }

  it('disables the preferred origination URLs in k+1 requests, so calls reach the backup with the primary still up', async () => {
    const carrier = twilio();
    seedTwoPrimaries();
    const seeded = fake.trunkOf(TRUNK);
    const start = fake.requests.length;

    const record = (await carrier.routes.planSwitch(SWITCH_ROUTE, call)) as TwilioSwitchRecord;
    await carrier.routes.switchToBackup(SWITCH_ROUTE, JSON.parse(JSON.stringify(record)), call);

    expect(fake.requests.slice(start).map((entry) => entry.operation)).toEqual([
      'ListOriginationUrl',
      'UpdateOriginationUrl',
      'UpdateOriginationUrl',
    ]);
    expect(record.originationUrls.map((url) => [url.sipUrl, url.enabled])).toEqual([
      [PRIMARY, true],
      ['sip:sbc2.phx.example.net:5060', true],
    ]);
    expect(fake.routeCall(ON_TRUNK[0], upOnly(PRIMARY, BACKUP)).reached).toBe(BACKUP);

    await carrier.routes.switchBack(SWITCH_ROUTE, record, call);

    expect(fake.routeCall(ON_TRUNK[0], upOnly(PRIMARY, BACKUP)).reached).toBe(PRIMARY);
    expect(fake.trunkOf(TRUNK)).toEqual(seeded);
  });

  it('applies the same record twice without changing more, and a second switchBack only reads', async () => {
    const carrier = await armed();
    const record = await carrier.routes.planSwitch(SWITCH_ROUTE, call);
    await carrier.routes.switchToBackup(SWITCH_ROUTE, record, call);
    const switched = fake.trunkOf(TRUNK);

    await carrier.routes.switchToBackup(SWITCH_ROUTE, record, call);
    expect(fake.trunkOf(TRUNK)).toEqual(switched);

    await carrier.routes.switchBack(SWITCH_ROUTE, record, call);
    const start = fake.requests.length;
    await carrier.routes.switchBack(SWITCH_ROUTE, record, call);

    expect(fake.requests.slice(start).map((entry) => entry.operation)).toEqual(['ListOriginationUrl']);
  });

  it('reads the trunk after a write whose answer was lost, and writes no URL twice', async () => {
    const carrier = twilio();
    seedTwoPrimaries();
    const record = await carrier.routes.planSwitch(SWITCH_ROUTE, call);
    const start = fake.requests.length;
    // Applied by Twilio, answered with a 500: the switch must not disable it again.
    fake.failNext('accepted-then-500', { when: (request) => request.method === 'POST' });

    await carrier.routes.switchToBackup(SWITCH_ROUTE, record, call);

    const sent = fake.requests.slice(start);
    expect(sent.map((entry) => entry.operation)).toEqual([
      'UpdateOriginationUrl',
      'ListOriginationUrl',
      'UpdateOriginationUrl',
    ]);
    const updated = sent.filter((entry) => entry.method === 'POST').map((entry) => entry.path);
    expect(new Set(updated).size).toBe(2);
    expect(fake.routeCall(ON_TRUNK[0], upOnly(PRIMARY, BACKUP)).reached).toBe(BACKUP);
  });

  it('after a write that did not land, fails it and, tried again, writes only what is still enabled', async () => {
    const carrier = twilio();
    seedTwoPrimaries();
    const record = await carrier.routes.planSwitch(SWITCH_ROUTE, call);
    let posts = 0;
    fake.failNext('http-503', { when: (request) => request.method === 'POST' && ++posts === 2 });
    const start = fake.requests.length;

    await expect(carrier.routes.switchToBackup(SWITCH_ROUTE, record, call)).rejects.toMatchObject({
      status: 503,
      retryable: true,
    });
    await carrier.routes.switchToBackup(SWITCH_ROUTE, record, call);

    const updated = fake.requests
      .slice(start)
      .filter((entry) => entry.method === 'POST' && entry.status < 300)
      .map((entry) => entry.path);
    expect(updated).toHaveLength(2);
    expect(new Set(updated).size).toBe(2);
    expect(fake.routeCall(ON_TRUNK[0], upOnly(PRIMARY, BACKUP)).reached).toBe(BACKUP);
  });

  it('resumed by a later run (a new adapter), lists the trunk first and writes only the URLs still enabled', async () => {
    seedTwoPrimaries();
    const record = JSON.parse(JSON.stringify(await twilio().routes.planSwitch(SWITCH_ROUTE, call)));
    // The run that saved the record disabled the first URL, then died.
    let posts = 0;
    fake.failNext('http-503', { when: (request) => request.method === 'POST' && ++posts === 2 });
    await expect(twilio().routes.switchToBackup(SWITCH_ROUTE, record, call)).rejects.toMatchObject({
      status: 503,
    });
    const start = fake.requests.length;

    await twilio().routes.switchToBackup(SWITCH_ROUTE, record, call, { resumed: true });

    const sent = fake.requests.slice(start);
    expect(sent.map((entry) => entry.operation)).toEqual(['ListOriginationUrl', 'UpdateOriginationUrl']);
    expect(sent[1].path).toContain(record.originationUrls[1].sid);
    expect(fake.routeCall(ON_TRUNK[0], upOnly(PRIMARY, BACKUP)).reached).toBe(BACKUP);
  });

  it('leaves a preferred URL disabled before the switch disabled after switchBack', async () => {
    const carrier = twilio();
    fake.seedTrunk(TRUNK, [
      { sipUrl: PRIMARY, priority: 10 },
      { sipUrl: 'sip:sbc2.phx.example.net:5060', priority: 10, enabled: false },
      { sipUrl: BACKUP, priority: 20 },
    ]);
    const record = (await carrier.routes.planSwitch(SWITCH_ROUTE, call)) as TwilioSwitchRecord;
    await carrier.routes.switchToBackup(SWITCH_ROUTE, record, call);

    await carrier.routes.switchBack(SWITCH_ROUTE, record, call);

    expect(record.alreadyDisabledOriginationUrlSids).toHaveLength(1);
    expect(fake.trunkOf(TRUNK)!.origination_urls.map((url) => url.enabled)).toEqual([true, false, true]);
  });

  it('refuses to plan a switch with no enabled backup origination URL (not retryable), writing nothing', async () => {
    await expect(twilio().routes.planSwitch(SWITCH_ROUTE, call)).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining(`no enabled origination URL for ${BACKUP}`),
    });
    expect(writes()).toBe(0);
  });

  it('refuses a record that is not a switch of this trunk', async () => {
    const record = { trunkSid: OTHER_TRUNK, originationUrls: [] };

    await expect(twilio().routes.switchBack(SWITCH_ROUTE, record, call)).rejects.toMatchObject({
      retryable: false,
    });
  });
});
