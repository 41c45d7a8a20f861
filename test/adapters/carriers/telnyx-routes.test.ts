import type { TelnyxCarrierOptions } from '../../../lambdas/adapters/carriers/telnyx';
import type { TelnyxFake } from '../../../lib/developer/carrier-fakes/telnyx-fake';
import {
  allUp,
  BACKUP,
  countingCall,
  PRIMARY,
  ROUTE,
  routeCarrier,
  SITE_CONNECTION,
  SITE_NUMBERS,
  siteDown,
  startRouteFake,
  VOICEMAIL,
  writesTo,
} from './telnyx-route-fixture';

let fake: TelnyxFake;
const carrier = (options: Partial<TelnyxCarrierOptions> = {}) => routeCarrier(fake, options);
const writes = () => writesTo(fake);

beforeEach(async () => {
  fake = await startRouteFake();
});

afterEach(async () => {
  const violations = fake.violations;
  await fake.stop();
  expect(violations).toEqual([]);
});

describe('TelnyxRoutes native failover', () => {
  it('arms sequential routing from the site to the backup, reads it back, and callers reach the backup when the site dies', async () => {
    // Arrange
    const telnyx = carrier();
    const { call, calls } = countingCall();
    expect(fake.routeCall(SITE_NUMBERS[0], siteDown).reached).toBeNull();

    // Act
    const readBack = await telnyx.routes.armNative(ROUTE, SITE_NUMBERS, call);

    // Assert
    expect(readBack.armed).toBe(true);
    expect(readBack.ignored).toEqual([]);
    expect(readBack.details.join('\n')).toMatch(/default_routing_method sequential/);
    expect(readBack.details.join('\n')).toMatch(/secondary: sbc1\.dal\.example\.net:5060/);
    expect(fake.connectionOf(SITE_CONNECTION)!.targets).toEqual([PRIMARY, BACKUP]);
    expect(fake.routeCall(SITE_NUMBERS[0], siteDown)).toEqual({
      reached: BACKUP,
      tried: [
        { target: PRIMARY, via: expect.stringContaining('target 1'), up: false },
        { target: BACKUP, via: expect.stringContaining('target 2'), up: true },
      ],
    });
    expect(fake.routeCall(SITE_NUMBERS[0], allUp).reached).toBe(PRIMARY);
    expect(calls()).toBe(fake.requests.length);
  });

  it('sends only reads when armed a second time', async () => {
    const telnyx = carrier();
    const { call } = countingCall();
    await telnyx.routes.armNative(ROUTE, SITE_NUMBERS, call);
    const before = writes().length;

    const again = await telnyx.routes.armNative(ROUTE, SITE_NUMBERS, call);

    expect(again.armed).toBe(true);
    expect(before).toBe(2);
    expect(writes()).toHaveLength(before);
  });

  it("turns a round-robin connection sequential and sets timeout_1xx_secs to the route's nativeFailoverSeconds", async () => {
    fake.seedConnection({ id: SITE_CONNECTION, targets: [PRIMARY], routingMethod: 'round-robin' });
    const route = { ...ROUTE, nativeFailoverSeconds: 2 };

    const readBack = await carrier().routes.armNative(route, SITE_NUMBERS, countingCall().call);

    expect(readBack.armed).toBe(true);
    expect(readBack.details[0]).toMatch(/timeout_1xx_secs 2$/);
    expect(fake.connectionOf(SITE_CONNECTION)!.connection.inbound).toMatchObject({
      default_routing_method: 'sequential',
      timeout_1xx_secs: 2,
    });
    const updates = fake.requests.filter((entry) => entry.operation === 'UpdateFqdnConnection');
    expect(JSON.parse(updates[0].body).inbound.timeout_1xx_secs).toBe(2);
  });

  it('leaves timeout_1xx_secs alone without nativeFailoverSeconds, and audit calls a differing one not armed', async () => {
    const telnyx = carrier();
    await telnyx.routes.armNative(ROUTE, SITE_NUMBERS, countingCall().call);
    const armedAt = fake.connectionOf(SITE_CONNECTION)!.connection.inbound.timeout_1xx_secs;

    const readBack = await telnyx.routes.audit(
      { ...ROUTE, nativeFailoverSeconds: 7 },
      [],
      countingCall().call,
    );

    expect(armedAt).toBe(3);
    expect(readBack.armed).toBe(false);
    expect(readBack.details.join('\n')).toMatch(
      /timeout_1xx_secs is 3, not the configured nativeFailoverSeconds 7/,
    );
  });

  it('refuses a nativeFailoverSeconds Telnyx would refuse, without a request', async () => {
    const attempt = carrier().routes.armNative(
      { ...ROUTE, nativeFailoverSeconds: 121 },
      [],
      countingCall().call,
    );

    await expect(attempt).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('1 to 120'),
    });
    expect(fake.requests).toEqual([]);
  });

  it('creates a port-less backup as an srv FQDN', async () => {
    const route = { ...ROUTE, backupSipUri: 'sip:dal.example.net' };

    const readBack = await carrier().routes.armNative(route, SITE_NUMBERS, countingCall().call);

    expect(readBack.armed).toBe(true);
    expect(fake.connectionOf(SITE_CONNECTION)!.fqdns[1]).toMatchObject({
      fqdn: 'dal.example.net',
      dns_record_type: 'srv',
      port: null,
    });
  });

  it('names numbers off the connection and numbers forwarding always, each with its reason, and changes nothing in audit', async () => {
    // Arrange
    const elsewhere = '+14155550199';
    const onFailure = '+14155550103';
    fake.seedNumbers([
      { phoneNumber: elsewhere },
      {
        phoneNumber: onFailure,
        connectionId: SITE_CONNECTION,
        callForwarding: { forwards_to: VOICEMAIL, forwarding_type: 'on-failure' },
      },
      {
        phoneNumber: SITE_NUMBERS[1],
        connectionId: SITE_CONNECTION,
        callForwarding: { forwards_to: VOICEMAIL, forwarding_type: 'always' },
      },
    ]);
    const asked = [...SITE_NUMBERS, elsewhere, onFailure];

    // Act
    const readBack = await carrier().routes.audit(ROUTE, asked, countingCall().call);

    // Assert
    expect(readBack.armed).toBe(false);
    expect(readBack.details.join('\n')).toMatch(/not armed: .*secondary/);
    expect(readBack.ignored).toEqual([
      { number: SITE_NUMBERS[1], reason: expect.stringMatching(/call_forwarding always to \+13035550000/) },
      {
        number: elsewhere,
        reason: expect.stringMatching(/on connection 1111111111, not 2222222222|not on connection/),
      },
    ]);
    expect(writes()).toEqual([]);
    expect(
      fake.requests.filter((entry) => entry.operation === 'ListPhoneNumbersWithVoiceSettings')[0].query,
    ).toMatchObject({ 'filter[connection_name][contains]': 'phx-primary', 'page[size]': '250' });
    // An on-failure forward still follows the connection: Telnyx forwards only when no target answers.
    expect(fake.routeCall(onFailure, () => false).tried.map((step) => step.via)).toEqual([
      expect.stringContaining('target 1'),
      'call_forwarding on-failure',
    ]);
  });

  it('reads voice settings one by one for a connection whose name is too short to filter by', async () => {
    fake.seedConnection({ id: SITE_CONNECTION, name: 'px', targets: [PRIMARY] });
    fake.seedNumbers([
      {
        phoneNumber: SITE_NUMBERS[2],
        connectionId: SITE_CONNECTION,
        callForwarding: { forwards_to: VOICEMAIL, forwarding_type: 'always' },
      },
    ]);

    const readBack = await carrier().routes.audit(ROUTE, SITE_NUMBERS, countingCall().call);

    expect(readBack.ignored.map((entry) => entry.number)).toEqual([SITE_NUMBERS[2]]);
    expect(fake.requests.find((entry) => entry.operation === 'ListPhoneNumbers')?.query).toMatchObject({
      'filter[connection_id]': SITE_CONNECTION,
    });
    expect(fake.requests.filter((entry) => entry.operation === 'GetPhoneNumberVoiceSettings')).toHaveLength(
      3,
    );
  });

  it("changes nothing and says why when the connection has no FQDN for the site's SIP URI", async () => {
    fake.seedConnection({ id: SITE_CONNECTION, targets: ['sip:old-sbc.phx.example.net:5060'] });

    const readBack = await carrier().routes.armNative(ROUTE, SITE_NUMBERS, countingCall().call);

    expect(readBack.armed).toBe(false);
    expect(readBack.details.join('\n')).toMatch(/no FQDN for the site's sip:sbc1\.phx\.example\.net:5060/);
    expect(writes()).toEqual([]);
  });

  it('reports a connection that is not an FQDN connection as not armed, every number ignored', async () => {
    const route = { ...ROUTE, ids: { ...ROUTE.ids, connectionId: '9999999999' } };

    const readBack = await carrier().routes.armNative(route, SITE_NUMBERS, countingCall().call);

    expect(readBack.armed).toBe(false);
    expect(readBack.details[0]).toMatch(/not an FQDN connection/);
    expect(readBack.ignored).toHaveLength(3);
    expect(writes()).toEqual([]);
  });
});
