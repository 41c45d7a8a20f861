/** Check `secret <carrier>`: whether each carrier's secret exists in the region and holds the fields it needs. */
import {
  CREDENTIAL_SCHEMAS,
  SecretsManagerCredentialSource,
} from '../../../../lambdas/adapters/carriers/credentials';
import type { CarrierName } from '../../../../lambdas/contracts/config/schema';
import { CarrierError } from '../../../../lambdas/contracts/errors';
import type { PreflightAws } from './preflight-aws';
import type { CheckStatus, PreflightCheck } from './preflight-check';

/**
 * Reads the secret with the functions' own loader, so a secret passes exactly when the deployed
 * functions will accept it. Its errors name the secret and fields only; the SDK error behind them is
 * reduced to its name, as its message is not ours to vouch for.
 */
export async function checkSecret(
  aws: PreflightAws,
  carrier: CarrierName,
  secretName: string,
  region: string,
): Promise<PreflightCheck> {
  const row = (status: CheckStatus, detail: string): PreflightCheck => ({
    check: `secret ${carrier}`,
    region,
    status,
    detail,
  });
  const fields = Object.keys(CREDENTIAL_SCHEMAS[carrier].shape);
  const source = new SecretsManagerCredentialSource({ client: aws.secretsManager(region), ttlMs: 0 });
  const outcome = await aws.attempt(region, 'Secrets Manager', () => source.get(carrier, secretName), {
    namesOnly: true,
  });
  if (outcome.ok) {
    return row('ok', `${secretName} holds the fields ${carrier} needs (${fields.join(', ')})`);
  }
  if (outcome.errorName === 'ResourceNotFoundException') {
    const example = `{${fields.map((field) => `"${field}":"..."`).join(',')}}`;
    return row(
      'fail',
      `secret ${secretName} does not exist in ${region}; create it with the ${carrier} fields ${fields.join(', ')}: \`aws secretsmanager create-secret --region ${region} --name ${secretName} --secret-string '${example}'\``,
    );
  }
  const { error } = outcome;
  if (outcome.unanswered === undefined && error instanceof CarrierError) {
    // The loader's messages are built from the secret's name, field names and our descriptions.
    return row('fail', `${error.message.replace(`${carrier}: `, '')} (in ${region})`);
  }
  return row('fail', outcome.problem('secretsmanager:GetSecretValue'));
}
