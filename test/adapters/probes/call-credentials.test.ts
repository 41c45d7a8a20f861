/**
 * Digest credentials of test calls from Secrets Manager (the SDK client mocked: Secrets Manager
 * cannot run here): read once per five minutes, problems naming the secret and fields but never a value.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CallCredentialsError,
  EnvironmentCallCredentials,
  SecretsManagerCallCredentials,
} from '../../../lambdas/adapters/probes/call-credentials';

const secrets = mockClient(SecretsManagerClient);
const PASSWORD = 'hunter2-do-not-print';

beforeEach(() => secrets.reset());

describe('SecretsManagerCallCredentials', () => {
  it('reads the secret once and serves it from the cache for five minutes', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: 'acme/test-calls/phx' })
      .resolves({ SecretString: JSON.stringify({ username: 'probe', password: PASSWORD }) });
    let now = 0;
    const source = new SecretsManagerCallCredentials(new SecretsManagerClient({}), () => now);

    await expect(source.get('acme/test-calls/phx')).resolves.toEqual({
      username: 'probe',
      password: PASSWORD,
    });
    now = 4 * 60_000;
    await source.get('acme/test-calls/phx');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    now = 5 * 60_000;
    await source.get('acme/test-calls/phx');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it.each<[string, string | undefined, string]>([
    [
      'text that is not JSON',
      `password=${PASSWORD}`,
      'secret "s" is not valid JSON; store it as {"username": "...", "password": "..."}',
    ],
    [
      'a missing password',
      JSON.stringify({ username: 'probe' }),
      'secret "s" has no valid password; store it as {"username": "...", "password": "..."}',
    ],
    [
      'a binary secret',
      undefined,
      'secret "s" has no SecretString; store it as {"username": "...", "password": "..."}',
    ],
  ])('refuses %s, naming the secret and never the value', async (_, text, message) => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: text });
    const error = await new SecretsManagerCallCredentials(new SecretsManagerClient({}))
      .get('s')
      .catch((e) => e);
    expect(error).toBeInstanceOf(CallCredentialsError);
    expect(error.message).toBe(message);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('says how to fix a secret it cannot read, and reads it again next time (failures are not cached)', async () => {
    const denied = Object.assign(new Error(`denied for ${PASSWORD}`), { name: 'AccessDeniedException' });
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(denied)
      .resolves({ SecretString: JSON.stringify({ username: 'u', password: 'p' }) });
    const source = new SecretsManagerCallCredentials(new SecretsManagerClient({}));
    await expect(source.get('s')).rejects.toThrow(
      'secret "s" could not be read (AccessDeniedException); create it in this region and allow the probe to read it',
    );
    await expect(source.get('s')).resolves.toEqual({ username: 'u', password: 'p' });
  });
});

describe('EnvironmentCallCredentials (the CLI)', () => {
  it('reads TEST_CALL_USERNAME and TEST_CALL_PASSWORD, and names them when unset', async () => {
    await expect(
      new EnvironmentCallCredentials({ TEST_CALL_USERNAME: 'u', TEST_CALL_PASSWORD: 'p' }).get('s'),
    ).resolves.toEqual({ username: 'u', password: 'p' });
    await expect(new EnvironmentCallCredentials({ TEST_CALL_USERNAME: 'u' }).get('s')).rejects.toThrow(
      `the call's secret "s" is read from TEST_CALL_USERNAME and TEST_CALL_PASSWORD here; set both`,
    );
  });
});
