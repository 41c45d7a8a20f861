/**
 * Creating a TN option order when the create's answer is lost: the order is searched for by its
 * CustomerOrderId (GetTnOptionOrders) before it is created again, so an order Bandwidth queued is
 * polled, never sent twice. Against the spec-checking Bandwidth fake.
 */
import type { BandwidthCarrier, BandwidthCarrierOptions } from '../../../lambdas/adapters/carriers/bandwidth';
import { CarrierError } from '../../../lambdas/contracts/errors';
import { BandwidthFake } from '../../../lib/developer/carrier-fakes/bandwidth-fake';
import type { FaultKind } from '../../../lib/developer/carrier-fakes/fake-carrier-messages';
import { bandwidthOn } from './bandwidth-fixture';

const A = '+19195550100';
const B = '+19195550101';
const BACKUP = '+13035559123';
const isCreate = (request: { method: string; path: string }) =>
  request.method === 'POST' && request.path.endsWith('/tnoptions');
const isSearch = (request: { method: string; path: string }) =>
  request.method === 'GET' && request.path.endsWith('/tnoptions');

let fake: BandwidthFake;

beforeEach(async () => {
  fake = await new BandwidthFake().start();
  fake.seedNumbers([{ phoneNumber: A }, { phoneNumber: B }]);
});

afterEach(async () => {
  const violations = fake.violations;
  await fake.stop();
  expect(violations).toEqual([]);
});

function carrier(options: Partial<BandwidthCarrierOptions> = {}): BandwidthCarrier {
  return bandwidthOn(fake, { timeoutMs: 200, ...options });
}

function forwardBoth() {
  return carrier().forwardMany([
    { number: A, destination: BACKUP, mode: 'always' },
    { number: B, destination: BACKUP, mode: 'always' },
  ]);
}

/** Requests sent, faulted ones included (a fault answered before the fake named the operation). */
const count = (operation: 'CreateTnOptionOrder' | 'GetTnOptionOrders') =>
  fake.requests.filter(operation === 'CreateTnOptionOrder' ? isCreate : isSearch).length;

describe('BandwidthCarrier order creation when the answer is lost', () => {
  it('finds the order a create answered with a 500 had queued, and polls it instead of ordering again', async () => {
    fake.failNext('accepted-then-500', { when: isCreate });

    const outcomes = await forwardBoth();

    expect(outcomes).toEqual([
      { number: A, ok: true },
      { number: B, ok: true },
    ]);
    expect(count('CreateTnOptionOrder')).toBe(1);
    expect(count('GetTnOptionOrders')).toBe(1);
    expect(fake.writesTo(A)).toBe(1);
    expect(fake.routingOf(B)!.callForward).toBe('3035559123');
  });

  it.each<FaultKind>(['http-503', 'connection-reset'])(
    'creates the order again when the search finds none after a %s',
    async (kind) => {
      fake.failNext(kind, { when: isCreate });

      const outcomes = await forwardBoth();

      expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
      expect(count('CreateTnOptionOrder')).toBe(2);
      expect(count('GetTnOptionOrders')).toBe(1);
      expect(fake.writesTo(A)).toBe(1);
    },
  );

  it('creates the order again without searching after a 429, which Bandwidth never processed', async () => {
    fake.failNext('rate-limit', { when: isCreate });

    const outcomes = await forwardBoth();

    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(count('CreateTnOptionOrder')).toBe(2);
    expect(count('GetTnOptionOrders')).toBe(0);
  });

  it('gives each order a CustomerOrderId of its own within the spec’s 40 characters', async () => {
    await forwardBoth();
    await forwardBoth();

    const ids = fake.requests
      .filter(isCreate)
      .map((entry) => /<CustomerOrderId>([^<]*)<\/CustomerOrderId>/.exec(entry.body)?.[1]);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9 -]{1,40}$/);
  });

  it('throws an error of unknown outcome when the answer was lost and no search could tell', async () => {
    fake.failNext('accepted-then-500', { when: isCreate });
    fake.failNext('http-503', { count: 10, when: isSearch });

    const failure = await forwardBoth().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CarrierError);
    expect(failure).toMatchObject({ retryable: true, status: undefined });
    expect((failure as Error).message).toContain('whether the order was queued is unknown');
    expect(count('CreateTnOptionOrder')).toBe(1);
  });

  it('gives up after six creates that all fail, each after a search that found none', async () => {
    fake.failNext('http-500', { when: isCreate, count: 10 });

    const failure = await forwardBoth().catch((error: unknown) => error);

    expect(failure).toMatchObject({ retryable: true, status: 500 });
    expect(count('CreateTnOptionOrder')).toBe(6);
    expect(count('GetTnOptionOrders')).toBe(5);
  });

  it('with lostOrders: read-back, throws the lost answer at once for the engine to read the numbers back', async () => {
    fake.failNext('accepted-then-500', { when: isCreate });

    const failure = await carrier({ lostOrders: 'read-back' })
      .forwardMany([{ number: A, destination: BACKUP, mode: 'always' }])
      .catch((error: unknown) => error);

    expect(failure).toMatchObject({ retryable: true, status: 500 });
    expect(count('CreateTnOptionOrder')).toBe(1);
    expect(count('GetTnOptionOrders')).toBe(0);
  });
});
