import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CREDENTIAL_ENVIRONMENT_VARIABLES,
  EnvironmentCredentialSource,
  SecretsManagerCredentialSource,
} from '../../../lambdas/adapters/carriers/credentials';
import { CarrierAuthError, CarrierError } from '../../../lambdas/contracts/errors';

const secrets = mockClient(SecretsManagerClient);
const ACCOUNT_SID = `AC${'b'.repeat(32)}`;

beforeEach(() => {
  secrets.reset();
});

function source(clock: { now: number }): SecretsManagerCredentialSource {
  return new SecretsManagerCredentialSource({
    client: new SecretsManagerClient({ region: 'us-east-1' }),
    now: () => clock.now,
  });
}

function reads(): number {
  return secrets.commandCalls(GetSecretValueCommand).length;
}

describe('SecretsManagerCredentialSource', () => {
  it("reads a carrier's JSON secret and checks its fields", async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: 'carrier-failover/twilio' })
      .resolves({ SecretString: JSON.stringify({ accountSid: ACCOUNT_SID, authToken: 'token-1' }) });

    const credentials = await source({ now: 0 }).get('twilio', 'carrier-failover/twilio');

    expect(credentials).toEqual({ accountSid: ACCOUNT_SID, authToken: 'token-1' });
  });

  it('caches each secret for five minutes, then reads it again', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ apiKey: 'KEY-1' }) });
    const clock = { now: 1_000_000 };
    const credentials = source(clock);

    await credentials.get('telnyx', 'telnyx-secret');
    clock.now += 299_999;
    await credentials.get('telnyx', 'telnyx-secret');
    expect(reads()).toBe(1);

    clock.now += 1;
    await credentials.get('telnyx', 'telnyx-secret');
    expect(reads()).toBe(2);
  });

  it('caches per secret name and shares one read between concurrent callers', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ apiKey: 'KEY-1' }) });
    const credentials = source({ now: 0 });

    await Promise.all([
      credentials.get('telnyx', 'first'),
      credentials.get('telnyx', 'first'),
      credentials.get('telnyx', 'second'),
    ]);

    expect(reads()).toBe(2);
  });

  it('names the secret and the missing field, never a value', async () => {
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ accountId: '9900001', username: 'api-user-SECRET', password: '' }),
    });

    const attempt = source({ now: 0 }).get('bandwidth', 'bw-secret');

    await expect(attempt).rejects.toBeInstanceOf(CarrierAuthError);
    await expect(attempt).rejects.toThrow(/"bw-secret" has no valid field "password"/);
    await expect(attempt).rejects.toMatchObject({
      message: expect.not.stringMatching(/api-user-SECRET|9900001/),
    });
  });

  it('rejects an invalid value without echoing it', async () => {
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ accountSid: 'ACnot-a-real-sid-SECRET', authToken: 'token-SECRET' }),
    });

    const attempt = source({ now: 0 }).get('twilio', 'tw');

    await expect(attempt).rejects.toThrow('"accountSid"');
    await expect(attempt).rejects.toMatchObject({ message: expect.not.stringContaining('SECRET') });
  });

  it('reports a secret that is not JSON without quoting it or attaching the parse error', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'sk_live_SECRET not json' });

    const attempt = source({ now: 0 }).get('telnyx', 'telnyx-secret');

    await expect(attempt).rejects.toBeInstanceOf(CarrierAuthError);
    await expect(attempt).rejects.toThrow('not valid JSON');
    await expect(attempt).rejects.toMatchObject({ message: expect.not.stringContaining('SECRET') });
    await expect(attempt).rejects.toMatchObject({ cause: undefined });
  });

  it('reports a missing secret as CarrierAuthError naming it', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ message: 'Secrets Manager cannot find it', $metadata: {} }));

    await expect(source({ now: 0 }).get('webhook', 'hook-secret')).rejects.toMatchObject({
      name: 'CarrierAuthError',
      message: expect.stringContaining('"hook-secret" does not exist'),
    });
  });

  it('reports a throttled read as retryable and does not cache the failure', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(throttled)
      .resolves({ SecretString: JSON.stringify({ apiKey: 'KEY-1' }) });
    const credentials = source({ now: 0 });

    const attempt = credentials.get('telnyx', 't');
    await expect(attempt).rejects.toBeInstanceOf(CarrierError);
    await expect(attempt).rejects.toMatchObject({ retryable: true });

    await expect(credentials.get('telnyx', 't')).resolves.toEqual({ apiKey: 'KEY-1' });
  });
});

describe('EnvironmentCredentialSource', () => {
  it('reads the documented environment variables of each carrier', async () => {
    const credentials = new EnvironmentCredentialSource({
      TELNYX_API_KEY: 'KEY-1',
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: 'token',
      BANDWIDTH_ACCOUNT_ID: '9900001',
      BANDWIDTH_USERNAME: 'user',
      BANDWIDTH_PASSWORD: 'pass',
      WEBHOOK_SIGNING_SECRET: 'a-signing-secret-of-length',
    });

    await expect(credentials.get('telnyx', 'ignored')).resolves.toEqual({ apiKey: 'KEY-1' });
    await expect(credentials.get('twilio', 'ignored')).resolves.toEqual({
      accountSid: ACCOUNT_SID,
      authToken: 'token',
    });
    await expect(credentials.get('bandwidth', 'ignored')).resolves.toEqual({
      accountId: '9900001',
      username: 'user',
      password: 'pass',
    });
    await expect(credentials.get('webhook', 'ignored')).resolves.toEqual({
      signingSecret: 'a-signing-secret-of-length',
    });
    expect(CREDENTIAL_ENVIRONMENT_VARIABLES.twilio.authToken).toBe('TWILIO_AUTH_TOKEN');
  });

  it('names the missing variable', async () => {
    const credentials = new EnvironmentCredentialSource({ TWILIO_ACCOUNT_SID: ACCOUNT_SID });

    await expect(credentials.get('twilio', 'ignored')).rejects.toMatchObject({
      name: 'CarrierAuthError',
      message: expect.stringContaining('environment variable TWILIO_AUTH_TOKEN is not set'),
    });
  });

  it('names an invalid variable without echoing its value', async () => {
    const credentials = new EnvironmentCredentialSource({
      TWILIO_ACCOUNT_SID: 'SECRET-ish',
      TWILIO_AUTH_TOKEN: 't',
    });

    const attempt = credentials.get('twilio', 'ignored');

    await expect(attempt).rejects.toThrow('TWILIO_ACCOUNT_SID is not valid');
    await expect(attempt).rejects.toMatchObject({ message: expect.not.stringContaining('SECRET-ish') });
  });
});
