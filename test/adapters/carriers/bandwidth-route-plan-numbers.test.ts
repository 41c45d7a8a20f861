import type { BandwidthCarrier, BandwidthCarrierOptions } from '../../../lambdas/adapters/carriers/bandwidth';
import { BandwidthFake, type BandwidthFakeRoute } from '../../../lib/developer/carrier-fakes/bandwidth-fake';
import { bandwidthOn } from './bandwidth-fixture';

const PLANNED = '+19195550100';
const PLAIN = '+19195550101';
const BACKUP = '+13035559123';
const PLAN: BandwidthFakeRoute[] = [
  { endpoint: 'sip:pbx1.example.net:5060', priority: 1, weight: 60 },
  { endpoint: 'sip:pbx2.example.net:5060', priority: 1, weight: 40 },
  { endpoint: '7042661720', priority: 2, weight: 100 },
];

let fake: BandwidthFake;

function carrier(options: Partial<BandwidthCarrierOptions> = {}): BandwidthCarrier {
  return bandwidthOn(fake, options);
}

beforeEach(async () => {
  fake = await new BandwidthFake().start();
  fake.seedNumbers([{ phoneNumber: PLANNED, originationRoutePlan: PLAN }, { phoneNumber: PLAIN }]);
});

afterEach(async () => {
  const violations = fake.violations;
  await fake.stop();
  expect(violations).toEqual([]);
});

describe('BandwidthCarrier with a TN that has its own origination route plan', () => {
  it('snapshots the route plan, forwards by replacing it (never a CallForward), and restores it exactly', async () => {
    const bandwidth = carrier();
    const original = fake.routingOf(PLANNED);

    const snapshot = await bandwidth.readRouting(PLANNED);
    await bandwidth.forward({ number: PLANNED, destination: BACKUP, mode: 'always' });

    expect(snapshot).toMatchObject({
      forwardsTo: null,
      settings: { callForward: null, originationRoutePlan: PLAN },
    });
    expect(fake.requests.map((entry) => entry.operation)).not.toContain('UpdateSipPeerTnSettings');
    expect(fake.requests.filter((entry) => entry.operation === 'CreateTnOptionOrder')[0].body).not.toContain(
      'CallForward',
    );
    expect(fake.routingOf(PLANNED)).toMatchObject({
      callForward: null,
      originationRoutePlan: [{ endpoint: '3035559123', priority: 1, weight: 100 }],
    });
    expect(fake.routeCall(PLANNED, () => true).reached).toBe(BACKUP);
    expect(await bandwidth.readRouting(PLANNED)).toMatchObject({ forwardsTo: BACKUP, mode: 'always' });

    await bandwidth.restore(JSON.parse(JSON.stringify(snapshot)));

    expect(fake.routingOf(PLANNED)).toEqual(original);
    expect(fake.routeCall(PLANNED, (target) => target !== 'sip:pbx1.example.net:5060').reached).toBe(
      'sip:pbx2.example.net:5060',
    );
  });

  it('refuses, not retryable and naming why, when told to leave route-plan TNs alone', async () => {
    const attempt = carrier({ routePlanNumbers: 'refuse' }).forward({
      number: PLANNED,
      destination: BACKUP,
      mode: 'always',
    });

    await expect(attempt).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('cannot co-exist with a CallForward'),
    });
    expect(fake.requests.map((entry) => entry.operation)).toEqual(['RetrieveTnDetails']);
  });

  it('forwards route-plan TNs and plain TNs in one order, each the way it can take', async () => {
    const outcomes = await carrier().forwardMany([
      { number: PLANNED, destination: BACKUP, mode: 'always' },
      { number: PLAIN, destination: BACKUP, mode: 'always' },
    ]);

    expect(outcomes).toEqual([
      { number: PLANNED, ok: true },
      { number: PLAIN, ok: true },
    ]);
    expect(fake.requests.filter((entry) => entry.operation === 'CreateTnOptionOrder')).toHaveLength(1);
    expect(fake.routingOf(PLAIN)!.callForward).toBe('3035559123');
    expect(fake.routingOf(PLANNED)!.callForward).toBeNull();
    expect(fake.routeCall(PLANNED, () => true).reached).toBe(BACKUP);
  });

  it('goes the route-plan way when the TN gained a route plan after it was read', async () => {
    const bandwidth = carrier();
    await bandwidth.readRouting(PLAIN);
    fake.seedNumbers([{ phoneNumber: PLAIN, originationRoutePlan: PLAN }]);

    await bandwidth.forward({ number: PLAIN, destination: BACKUP, mode: 'always' });

    expect(fake.routingOf(PLAIN)).toMatchObject({
      callForward: null,
      originationRoutePlan: [{ endpoint: '3035559123' }],
    });
    expect(fake.requests.find((entry) => entry.operation === 'UpdateSipPeerTnSettings')?.status).toBe(400);
  });
});
