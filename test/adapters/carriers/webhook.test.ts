import {
  signWebhookBody,
  verifyWebhookSignature,
  WebhookCarrier,
  type WebhookCarrierOptions,
} from '../../../lambdas/adapters/carriers/webhook';
import { CarrierAuthError } from '../../../lambdas/contracts/errors';
import { WebhookFake, type WebhookFakeOptions } from '../../../lib/developer/carrier-fakes/webhook-fake';

const A = '+14155550100';
const BACKUP_SIP = 'sip:backup@sbc2.example.net';
const NOW = 1_700_000_000_000;

let fake: WebhookFake;

async function startFake(options: WebhookFakeOptions = {}): Promise<WebhookFake> {
  fake = await new WebhookFake({ now: () => NOW, ...options }).start();
  fake.seedNumbers([{ phoneNumber: A, settings: { route: 'sip:pbx@sbc1.example.net', trunk: 'primary' } }]);
  return fake;
}

function carrier(options: Partial<WebhookCarrierOptions> = {}): WebhookCarrier {
  let id = 0;
  return new WebhookCarrier({
    baseUrl: fake.url,
    signingSecret: fake.signingSecret,
    now: () => NOW,
    requestId: () => `request-${++id}`,
    ...options,
  });
}

describe('WebhookCarrier', () => {
  beforeEach(async () => {
    await startFake();
  });

  afterEach(async () => {
    const violations = fake.violations;
    await fake.stop();
    expect(violations).toEqual([]);
  });

  it('reads routing with a signed read request', async () => {
    const snapshot = await carrier().readRouting(A);

    expect(snapshot).toEqual({
      carrier: 'webhook',
      number: A,
      forwardsTo: null,
      mode: null,
      settings: { route: 'sip:pbx@sbc1.example.net', trunk: 'primary' },
    });
    const body = JSON.parse(fake.requests[0].body);
    expect(body).toEqual({ action: 'read', number: A, requestId: 'request-1' });
  });

  it.each(['always', 'on-failure'] as const)('forwards in %s mode', async (mode) => {
    const webhook = carrier();

    await webhook.forward({ number: A, destination: BACKUP_SIP, mode });

    expect(await webhook.readRouting(A)).toMatchObject({ forwardsTo: BACKUP_SIP, mode });
    expect(fake.writesTo(A)).toBe(1);
  });

  it('restores exactly the snapshot it read, accepting an empty 204 answer', async () => {
    const webhook = carrier();
    const original = fake.routingOf(A);
    const snapshot = await webhook.readRouting(A);
    await webhook.forward({ number: A, destination: BACKUP_SIP, mode: 'always' });

    await webhook.restore(JSON.parse(JSON.stringify(snapshot)));

    expect(fake.routingOf(A)).toEqual(original);
  });

  it('refuses to restore a snapshot taken by another carrier', async () => {
    const attempt = carrier().restore({
      carrier: 'telnyx',
      number: A,
      settings: {},
      forwardsTo: null,
      mode: null,
    });

    await expect(attempt).rejects.toMatchObject({ retryable: false });
    expect(fake.requests).toHaveLength(0);
  });

  it('is rejected as CarrierAuthError when signed with the wrong secret', async () => {
    const attempt = carrier({ signingSecret: 'not-the-right-secret-at-all' }).readRouting(A);

    await expect(attempt).rejects.toBeInstanceOf(CarrierAuthError);
    await expect(attempt).rejects.toMatchObject({
      message: expect.not.stringContaining('not-the-right-secret-at-all'),
    });
  });

  it('is rejected when its clock is further off than the tolerance (replay window)', async () => {
    await expect(carrier({ now: () => NOW - 301_000 }).readRouting(A)).rejects.toMatchObject({ status: 401 });
  });

  it('treats a read answer of the wrong shape as malformed and retryable', async () => {
    fake.failNext('malformed');

    await expect(carrier().readRouting(A)).rejects.toMatchObject({
      retryable: true,
      message: expect.stringContaining('malformed response'),
    });
  });

  it('turns 429 with Retry-After into a retryable error with retryAfterMs', async () => {
    fake.failNext('rate-limit');

    await expect(carrier().readRouting(A)).rejects.toMatchObject({
      retryable: true,
      status: 429,
      retryAfterMs: 1000,
    });
  });

  it('turns 429 without Retry-After into a retryable error without retryAfterMs', async () => {
    fake.failNext('rate-limit-without-retry-after');

    await expect(carrier().readRouting(A)).rejects.toMatchObject({
      retryable: true,
      status: 429,
      retryAfterMs: undefined,
    });
  });

  it.each(['http-500', 'http-502', 'http-503', 'connection-reset'] as const)(
    'treats %s as retryable',
    async (kind) => {
      fake.failNext(kind);

      await expect(
        carrier().forward({ number: A, destination: BACKUP_SIP, mode: 'always' }),
      ).rejects.toMatchObject({
        retryable: true,
      });
    },
  );

  it('times out a slow answer as retryable', async () => {
    await fake.stop();
    await startFake({ slowMs: 2000 });
    fake.failNext('slow');

    await expect(carrier({ timeoutMs: 50 }).readRouting(A)).rejects.toMatchObject({ retryable: true });
  });
});

describe('verifyWebhookSignature', () => {
  const secret = 'test-signing-secret-0123456789';
  const body = '{"action":"read","number":"+14155550100","requestId":"r1"}';
  const timestamp = String(NOW / 1000);

  it('accepts the signature signWebhookBody made', () => {
    const signature = signWebhookBody(secret, timestamp, body);

    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, timestamp, body, signature, NOW)).toBe(true);
  });

  it.each([
    ['another secret', signWebhookBody('another-secret-0123456789', timestamp, body)],
    ['a tampered body', signWebhookBody(secret, timestamp, body.replace('read', 'forward'))],
    ['another timestamp', signWebhookBody(secret, String(NOW / 1000 + 1), body)],
    ['a truncated signature', signWebhookBody(secret, timestamp, body).slice(0, 40)],
    ['an unknown scheme', signWebhookBody(secret, timestamp, body).replace('v1=', 'v0=')],
    ['an empty signature', ''],
  ])('rejects a forged signature: %s', (_label, signature) => {
    expect(verifyWebhookSignature(secret, timestamp, body, signature, NOW)).toBe(false);
  });

  it('rejects a replay older than the tolerance, and one from too far in the future', () => {
    const old = String(NOW / 1000 - 301);
    const future = String(NOW / 1000 + 301);

    expect(verifyWebhookSignature(secret, old, body, signWebhookBody(secret, old, body), NOW)).toBe(false);
    expect(verifyWebhookSignature(secret, future, body, signWebhookBody(secret, future, body), NOW)).toBe(
      false,
    );
  });

  it('accepts a timestamp right at the tolerance, and honours a custom tolerance', () => {
    const edge = String(NOW / 1000 - 300);
    const signature = signWebhookBody(secret, edge, body);

    expect(verifyWebhookSignature(secret, edge, body, signature, NOW)).toBe(true);
    expect(verifyWebhookSignature(secret, edge, body, signature, NOW, 60)).toBe(false);
  });

  it('rejects a timestamp that is not epoch seconds', () => {
    const signature = signWebhookBody(secret, 'yesterday', body);

    expect(verifyWebhookSignature(secret, 'yesterday', body, signature, NOW)).toBe(false);
  });
});
