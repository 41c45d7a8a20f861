/** Check `secret test call`: whether each test call's digest secret exists in the region and holds a username and password. */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  CallCredentialsError,
  parseCallCredentials,
} from '../../../../lambdas/adapters/probes/call-credentials';
import type { PreflightAws } from './preflight-aws';
import type { CheckStatus, PreflightCheck } from './preflight-check';

/**
 * Reads the secret and checks it with the probe's own parser, so a secret passes exactly when the
 * deployed probe will accept it; rows name the secret and its fields, never a value.
 */
export async function checkCallSecret(
  aws: PreflightAws,
  secretName: string,
  region: string,
): Promise<PreflightCheck> {
  const row = (status: CheckStatus, detail: string): PreflightCheck => ({
    check: 'secret test call',
    region,
    status,
    detail,
  });
  const client = aws.secretsManager(region);
  const outcome = await aws.attempt(
    region,
    'Secrets Manager',
    async () => (await client.send(new GetSecretValueCommand({ SecretId: secretName }))).SecretString,
    { namesOnly: true },
  );
  if (!outcome.ok) {
    if (outcome.errorName === 'ResourceNotFoundException') {
      return row(
        'fail',
        `secret ${secretName} does not exist in ${region}; create it with the test call's digest credentials: \`aws secretsmanager create-secret --region ${region} --name ${secretName} --secret-string '{"username":"...","password":"..."}'\``,
      );
    }
    return row('fail', outcome.problem('secretsmanager:GetSecretValue'));
  }
  try {
    parseCallCredentials(secretName, outcome.value);
  } catch (error) {
    if (!(error instanceof CallCredentialsError)) throw error;
    return row('fail', `${error.message} (in ${region})`);
  }
  return row('ok', `${secretName} holds the username and password test calls answer digest challenges with`);
}
