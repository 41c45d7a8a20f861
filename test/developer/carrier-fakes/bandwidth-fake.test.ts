import { XMLBuilder } from 'fast-xml-parser';
import { BandwidthFake } from '../../../lib/developer/carrier-fakes/bandwidth-fake';
import { ROUTE_PLAN_CONFLICT_CODE } from '../../../lib/developer/carrier-fakes/bandwidth-fake-orders';

const TN = '9195550100';
const builder = new XMLBuilder({});
let fake: BandwidthFake;

async function send(
  method: string,
  path: string,
  document?: Record<string, unknown>,
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${fake.baseUrl}/accounts/${fake.accountId}${path}`, {
    method,
    headers: {
      Authorization: `Basic ${Buffer.from(`${fake.username}:${fake.password}`).toString('base64')}`,
      ...(document ? { 'Content-Type': 'application/xml' } : {}),
    },
    body: document ? builder.build(document) : undefined,
  });
  return { status: response.status, text: await response.text() };
}

function peerUpdate(plan: Record<string, unknown>, peerName = 'peer500014'): Record<string, unknown> {
  return { SipPeer: { PeerName: peerName, OriginationRoutePlan: plan } };
}

async function order(group: Record<string, unknown>): Promise<string> {
  const created = await send('POST', '/tnoptions', {
    TnOptionOrder: {
      TnOptionGroups: { TnOptionGroup: [{ ...group, TelephoneNumbers: { TelephoneNumber: [TN] } }] },
    },
  });
  const id = /<OrderId>([^<]+)<\/OrderId>/.exec(created.text)![1];
  await send('GET', `/tnoptions/${id}`);
  return (await send('GET', `/tnoptions/${id}`)).text;
}

beforeEach(async () => {
  fake = await new BandwidthFake().start();
  fake.seedNumbers([
    { phoneNumber: `+1${TN}`, originationRoutePlan: [{ endpoint: 'sip:pbx.example.net', priority: 1 }] },
  ]);
});

afterEach(async () => {
  await fake.stop();
});

describe('BandwidthFake models that a route plan and a CallForward cannot co-exist', () => {
  it('accepts the order and fails the TN in its ErrorList', async () => {
    const result = await order({ CallForward: '3035559123' });

    expect(result).toContain('<ProcessingStatus>FAILED</ProcessingStatus>');
    expect(result).toContain(`<Code>${ROUTE_PLAN_CONFLICT_CODE}</Code>`);
    expect(fake.routingOf(`+1${TN}`)!.callForward).toBeNull();
  });

  it('takes the CallForward once the same group removes the route plan', async () => {
    const result = await order({ CallForward: '3035559123', OriginationRoutePlan: { Action: 'off' } });

    expect(result).toContain('<ProcessingStatus>COMPLETE</ProcessingStatus>');
    expect(fake.routingOf(`+1${TN}`)).toMatchObject({
      callForward: '3035559123',
      originationRoutePlan: null,
    });
  });

  it('refuses the per-TN update with a CallForward', async () => {
    const result = await send('PUT', `/sites/479/sippeers/500014/tns/${TN}`, {
      SipPeerTelephoneNumber: { FullNumber: TN, CallForward: '3035559123' },
    });

    expect(result.status).toBe(400);
    expect(fake.routingOf(`+1${TN}`)!.callForward).toBeNull();
    expect(fake.violations).toEqual([]);
  });
});

describe('BandwidthFake rejects what the Bandwidth spec rejects', () => {
  it.each([
    [
      'a route endpoint that is none of TN, SIP URI, IPv4, FQDN',
      peerUpdate({ Route: [{ Endpoint: 'not an endpoint', Priority: '1' }] }),
    ],
    [
      'a priority below 1',
      peerUpdate({ Route: [{ Endpoint: 'sbc.example.net', Priority: '0' }], Action: 'asSpecified' }),
    ],
    [
      'an unknown route plan action',
      peerUpdate({ Route: [{ Endpoint: 'sbc.example.net', Priority: '1' }], Action: 'replace' }),
    ],
    [
      'action off with routes',
      peerUpdate({ Route: [{ Endpoint: 'sbc.example.net', Priority: '1' }], Action: 'off' }),
    ],
    ['a PeerName over 10 characters', peerUpdate({ Action: 'off' }, 'a-much-too-long-name')],
    ['no PeerName', { SipPeer: { OriginationRoutePlan: { Action: 'off' } } }],
  ])('UpdateSipPeer with %s', async (_label, document) => {
    const result = await send('PUT', '/sites/479/sippeers/500014', document);

    expect(result.status).toBe(400);
    expect(fake.violations).toHaveLength(1);
  });

  it.each([
    [
      'priorities with a gap (5223)',
      [
        { Endpoint: 'sbc1.example.net', Priority: '1' },
        { Endpoint: 'sbc2.example.net', Priority: '3' },
      ],
      '5223',
    ],
    ['a private IP endpoint (5218)', [{ Endpoint: '10.0.0.5', Priority: '1' }], '5218'],
    [
      'a SIP endpoint on a private IP (5220)',
      [{ Endpoint: 'sip:pbx@192.168.1.10:5060', Priority: '1' }],
      '5220',
    ],
  ])('UpdateSipPeer with %s, as the carrier answers it', async (_label, routes, code) => {
    const result = await send(
      'PUT',
      '/sites/479/sippeers/500014',
      peerUpdate({ Route: routes, Action: 'asSpecified' }),
    );

    expect(result.status).toBe(400);
    expect(result.text).toContain(`<ErrorCode>${code}</ErrorCode>`);
    expect(fake.sipPeerOf('479', '500014')!.originationRoutePlan).toBeNull();
  });

  it('movetns with more than 5,000 numbers', async () => {
    const numbers = Array.from({ length: 5001 }, (_, index) => `212555${String(index).padStart(4, '0')}`);

    const result = await send('POST', '/sites/479/sippeers/500014/movetns', {
      SipPeerTelephoneNumbers: { FullNumber: numbers },
    });

    expect(result.status).toBe(400);
    expect(fake.violations[0].problems.join()).toContain('must NOT have more than 5000 items');
  });

  it.each([
    ['a CallForward that is not 10 digits', { FullNumber: TN, CallForward: '+13035559123' }],
    ['no FullNumber', { CallForward: '3035559123' }],
    ['an element the spec does not define', { FullNumber: TN, ForwardOnFailure: '3035559123' }],
  ])('UpdateSipPeerTnSettings with %s', async (_label, settings) => {
    const result = await send('PUT', `/sites/479/sippeers/500014/tns/${TN}`, {
      SipPeerTelephoneNumber: settings,
    });

    expect(result.status).toBe(400);
    expect(fake.violations).toHaveLength(1);
  });
});

describe('BandwidthFake.routeCall', () => {
  const up = (target: string) => target !== 'sip:pbx1.example.net:5060';

  it('follows CallForward first, then the TN route plan, then the SIP peer route plan, by priority', () => {
    fake.seedSipPeer({
      siteId: '479',
      sipPeerId: '500014',
      originationRoutePlan: [
        { endpoint: 'pbx2.example.net', priority: 2 },
        { endpoint: 'sip:pbx1.example.net:5060', priority: 1 },
      ],
    });
    fake.seedNumbers([
      { phoneNumber: '+19195550101', callForward: '3035559123', originationRoutePlan: null },
      { phoneNumber: '+19195550102' },
    ]);

    expect(fake.routeCall('+19195550101', up).reached).toBe('+13035559123');
    expect(fake.routeCall(`+1${TN}`, up)).toEqual({
      reached: 'sip:pbx.example.net',
      tried: [{ target: 'sip:pbx.example.net', via: 'TN route plan, priority 1', up: true }],
    });
    expect(fake.routeCall('+19195550102', up)).toEqual({
      reached: 'sip:pbx2.example.net:5060',
      tried: [
        { target: 'sip:pbx1.example.net:5060', via: 'SIP peer 500014 route plan, priority 1', up: false },
        { target: 'sip:pbx2.example.net:5060', via: 'SIP peer 500014 route plan, priority 2', up: true },
      ],
    });
  });

  it('reaches nothing without routes, or when every route is down', () => {
    fake.seedNumbers([{ phoneNumber: '+19195550102' }]);

    expect(fake.routeCall('+19195550102', () => true)).toEqual({ reached: null, tried: [] });
    expect(fake.routeCall(`+1${TN}`, () => false).reached).toBeNull();
    expect(fake.routeCall('+19995550000', () => true).reached).toBeNull();
  });
});
