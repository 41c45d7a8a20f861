import type { TelnyxCarrierOptions } from '../../../lambdas/adapters/carriers/telnyx';
import type { TelnyxFake, TelnyxFakeOptions } from '../../../lib/developer/carrier-fakes/telnyx-fake';
import { A, B, BACKUP, C, startTelnyxFake, telnyxCarrier, VOICEMAIL } from './telnyx-fixture';

let fake: TelnyxFake;

async function startFake(options: TelnyxFakeOptions = {}): Promise<void> {
  fake = await startTelnyxFake(options);
}

const carrier = (options: Partial<TelnyxCarrierOptions> = {}) => telnyxCarrier(fake, options);

beforeEach(async () => {
  await startFake();
});

afterEach(async () => {
  const violations = fake.violations;
  await fake.stop();
  expect(violations).toEqual([]);
});

describe('TelnyxCarrier routing', () => {
  it('reads call forwarding by phone number id, looking the id up once', async () => {
    const telnyx = carrier();

    const first = await telnyx.readRouting(B);
    const second = await telnyx.readRouting(B);

    expect(first).toEqual(second);
    expect(first).toMatchObject({ carrier: 'telnyx', number: B, forwardsTo: VOICEMAIL, mode: 'on-failure' });
    expect(first.settings).toEqual({
      id: fake.routingOf(B)!.id,
      connection_id: '1111111111',
      call_forwarding: {
        call_forwarding_enabled: true,
        forwards_to: VOICEMAIL,
        forwarding_type: 'on-failure',
      },
    });
    const lookups = fake.requests.filter((entry) => entry.operation === 'ListPhoneNumbers');
    expect(lookups).toHaveLength(1);
    expect(lookups[0].query['filter[phone_number]']).toBe('14155550101');
  });

  it('reads a disabled forwarding as not forwarded', async () => {
    const snapshot = await carrier().readRouting(C);

    expect(snapshot.forwardsTo).toBeNull();
    expect(snapshot.mode).toBeNull();
  });

  it('forwards every call with forwarding_type always', async () => {
    const telnyx = carrier();

    await telnyx.forward({ number: A, destination: BACKUP, mode: 'always' });

    expect(fake.routingOf(A)!.call_forwarding).toEqual({
      call_forwarding_enabled: true,
      forwards_to: BACKUP,
      forwarding_type: 'always',
    });
    expect(await telnyx.readRouting(A)).toMatchObject({ forwardsTo: BACKUP, mode: 'always' });
    expect(fake.writesTo(A)).toBe(1);
  });

  it('pre-arms forwarding with forwarding_type on-failure', async () => {
    await carrier().forward({ number: A, destination: BACKUP, mode: 'on-failure' });

    expect(fake.routingOf(A)!.call_forwarding.forwarding_type).toBe('on-failure');
  });

  it.each([
    ['no forwarding', A],
    ['an on-failure voicemail forward', B],
    ['a disabled forward', C],
  ])('restores %s exactly after a failover', async (_label, number) => {
    const telnyx = carrier();
    const original = fake.routingOf(number);
    const snapshot = await telnyx.readRouting(number);
    await telnyx.forward({ number, destination: BACKUP, mode: 'always' });

    await telnyx.restore(JSON.parse(JSON.stringify(snapshot)));

    expect(fake.routingOf(number)).toEqual(original);
  });

  it('refuses a SIP destination without calling Telnyx, since call forwarding takes E.164 only', async () => {
    const attempt = carrier().forward({
      number: A,
      destination: 'sip:backup@sbc2.example.net',
      mode: 'always',
    });

    await expect(attempt).rejects.toMatchObject({ name: 'CarrierError', retryable: false });
    expect(fake.requests).toHaveLength(0);
  });

  it('names an unknown number as not on the account, not retryable', async () => {
    await expect(carrier().readRouting('+14155559999')).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('+14155559999'),
    });
  });
});
