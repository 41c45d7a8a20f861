import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  GetSMSSandboxAccountStatusCommand,
  ListSMSSandboxPhoneNumbersCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { DEFAULT_CONFIG_PATH } from '../../../lib/config/load-config';
import { PREFLIGHT_PERMISSIONS } from '../../../lib/operator/cli/commands/preflight';
import {
  BOOTSTRAP_QUALIFIER_CONTEXT,
  bootstrapQualifierOf,
  REQUIRED_BOOTSTRAP_VERSION,
} from '../../../lib/operator/cli/preflight/bootstrap-check';
import type { PreflightResult } from '../../../lib/operator/cli/preflight/preflight-check';
import { runCli } from '../../../lib/operator/cli/program';
import { fakeIo } from './support/fake-io';

const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'];
const CARRIERS = ['telnyx', 'twilio', 'bandwidth', 'webhook'];
const ACCOUNT = '111111111111';
/** A secret value that must never reach stdout or stderr. */
const DISTINCTIVE = 'Zq9-DISTINCTIVE-SECRET-VALUE-7xK';

/** Valid secrets of the example config's carriers, by secret name. */
const VALID_SECRETS: Record<string, Record<string, string>> = {
  'acme-voice/carriers/telnyx': { apiKey: DISTINCTIVE },
  'acme-voice/carriers/twilio': { accountSid: `AC${'0123456789abcdef'.repeat(2)}`, authToken: DISTINCTIVE },
  'acme-voice/carriers/bandwidth': { accountId: '9900001', username: 'api-user', password: DISTINCTIVE },
  'acme-voice/carriers/webhook': { signingSecret: DISTINCTIVE },
  // The test call's digest credentials (sites[0].calls[0].secretName).
  'acme-voice/test-calls/phx': { username: 'probe', password: DISTINCTIVE },
};

function awsError(name: string, message = name, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });
}

/** The example config with some lines replaced, written to a temporary file. */
function exampleConfigWith(replacements: [RegExp, string][]): string {
  let text = readFileSync(DEFAULT_CONFIG_PATH, 'utf8');
  for (const [pattern, replacement] of replacements) {
    const replaced = text.replace(pattern, replacement);
    if (replaced === text) throw new Error(`the example config has no ${pattern}`);
    text = replaced;
  }
  const path = join(mkdtempSync(join(tmpdir(), 'preflight-')), 'config.yaml');
  writeFileSync(path, text);
  return path;
}

describe('carrier-failover preflight', () => {
  const sts = mockClient(STSClient);
  const ssm = mockClient(SSMClient);
  const secrets = mockClient(SecretsManagerClient);
  const sns = mockClient(SNSClient);
  const lambda = mockClient(LambdaClient);
  const argv = (...args: string[]) => ['node', 'carrier-failover', 'preflight', ...args];
  const regionOf = async (getClient: () => { config: { region: unknown } }) =>
    (getClient().config.region as () => Promise<string>)();

  async function preflight(...args: string[]) {
    const io = fakeIo();
    const code = await runCli(argv('--json', ...args), io);
    const result = JSON.parse(io.out) as PreflightResult;
    const row = (check: string, region: string) =>
      result.checks.find((candidate) => candidate.check === check && candidate.region === region);
    return { code, io, result, row };
  }

  beforeEach(() => {
    for (const mock of [sts, ssm, secrets, sns, lambda]) mock.reset();
    sts.on(GetCallerIdentityCommand).resolves({
      Account: ACCOUNT,
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/jdoe`,
    });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '27' } });
    secrets.on(GetSecretValueCommand).callsFake(async (input: { SecretId: string }) => ({
      SecretString: JSON.stringify(VALID_SECRETS[input.SecretId]),
    }));
    sns.on(GetSMSSandboxAccountStatusCommand).resolves({ IsInSandbox: false });
    lambda
      .on(GetAccountSettingsCommand)
      .resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } });
  });

  it('passes every check of a ready account, one row per region for the regional checks (exit 0)', async () => {
    const { code, result } = await preflight();

    expect(code).toBe(0);
    expect(result.ok).toBe(true);
    expect(result.checks.filter((row) => row.status !== 'ok')).toEqual([]);
    const regionsOf = (check: string) =>
      result.checks.filter((row) => row.check === check).map((row) => row.region);
    expect(regionsOf('account')).toEqual(['us-east-1']);
    for (const check of [
      'bootstrap',
      ...CARRIERS.map((carrier) => `secret ${carrier}`),
      'secret test call',
      'sms sandbox',
      'lambda concurrency',
    ]) {
      expect(regionsOf(check)).toEqual(REGIONS);
    }
    expect(regionsOf('table consistency')).toEqual(['all']);
    expect(result.checks).toHaveLength(1 + 3 + 12 + 3 + 3 + 3 + 1);
    expect(ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input.Name)).toEqual(
      REGIONS.map(() => '/cdk-bootstrap/hnb659fds/version'),
    );
  });

  it('prints one document of exactly { ok, checks: [{ check, region, status, detail }] } with --json', async () => {
    const { io, result } = await preflight();

    expect(Object.keys(result).sort()).toEqual(['checks', 'ok']);
    for (const row of result.checks) {
      expect(Object.keys(row).sort()).toEqual(['check', 'detail', 'region', 'status']);
      expect(['ok', 'warn', 'fail']).toContain(row.status);
    }
    expect(io.err).toContain('preflight: acme-voice in account 111111111111');
  });

  it('prints a table with a summary line without --json', async () => {
    const io = fakeIo();

    const code = await runCli(argv(), io);

    expect(code).toBe(0);
    expect(io.out).toMatch(/^CHECK +REGION +STATUS +DETAIL\n/);
    expect(io.out).toMatch(/\nbootstrap +us-west-2 +ok +bootstrapped, version 27/);
    expect(io.out).toContain('26 ok, 0 warnings, 0 failed: ready for `npx cdk deploy --all`');
  });

  it('fails when the credentials are of another account than the config’s (exit 5)', async () => {
    sts.on(GetCallerIdentityCommand).resolves({
      Account: '222222222222',
      Arn: 'arn:aws:iam::222222222222:user/jdoe',
    });

    const { code, result, row } = await preflight();

    expect(code).toBe(5);
    expect(result.ok).toBe(false);
    expect(row('account', 'us-east-1')).toMatchObject({ status: 'fail' });
    expect(row('account', 'us-east-1')?.detail).toContain(
      'credentials are of account 222222222222 (arn:aws:iam::222222222222:user/jdoe), the config deploys to 111111111111',
    );
  });

  it('names the exact cdk bootstrap command for a region that is not bootstrapped', async () => {
    ssm.on(GetParameterCommand).callsFake(async (_input, getClient) => {
      if ((await regionOf(getClient)) === 'us-east-2') throw awsError('ParameterNotFound', '');
      return { Parameter: { Value: '27' } };
    });

    const { code, row } = await preflight();

    expect(code).toBe(5);
    expect(row('bootstrap', 'us-east-1')?.status).toBe('ok');
    expect(row('bootstrap', 'us-west-2')?.status).toBe('ok');
    expect(row('bootstrap', 'us-east-2')).toEqual({
      check: 'bootstrap',
      region: 'us-east-2',
      status: 'fail',
      detail:
        'not bootstrapped (no SSM parameter /cdk-bootstrap/hnb659fds/version); run `npx cdk bootstrap aws://111111111111/us-east-2`',
    });
  });

  it('fails a bootstrap older than the version aws-cdk-lib requires', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: String(REQUIRED_BOOTSTRAP_VERSION - 1) } });

    const { code, row } = await preflight();

    expect(code).toBe(5);
    expect(row('bootstrap', 'us-east-1')).toMatchObject({ status: 'fail' });
    expect(row('bootstrap', 'us-east-1')?.detail).toContain(
      `bootstrap version 5 is older than the 6 aws-cdk-lib requires; upgrade it: \`npx cdk bootstrap aws://111111111111/us-east-1\``,
    );
  });

  it('requires the bootstrap version that aws-cdk-lib’s CheckBootstrapVersion rule asserts', () => {
    const stack = new Stack(new App(), 'Probe', { env: { account: ACCOUNT, region: 'us-east-1' } });
    new CfnResource(stack, 'Placeholder', { type: 'AWS::CloudFormation::WaitConditionHandle' });

    const rules = Template.fromStack(stack).toJSON().Rules;

    // The rule refuses every version from 1 up to the required one, exclusive.
    const refusedVersions: string[] =
      rules.CheckBootstrapVersion.Assertions[0].Assert['Fn::Not'][0]['Fn::Contains'][0];
    expect(Math.max(...refusedVersions.map(Number)) + 1).toBe(REQUIRED_BOOTSTRAP_VERSION);
  });

  it('reads the bootstrap qualifier from the cdk.json context when one is set', () => {
    expect(bootstrapQualifierOf({ context: { [BOOTSTRAP_QUALIFIER_CONTEXT]: 'acmevoice' } })).toBe(
      'acmevoice',
    );
    expect(bootstrapQualifierOf({ context: {} })).toBe('hnb659fds');
    expect(bootstrapQualifierOf(undefined)).toBe('hnb659fds');
  });

  it('reports a missing secret with the create-secret command naming the fields but no values', async () => {
    secrets.on(GetSecretValueCommand).callsFake(async (input: { SecretId: string }, getClient) => {
      if (input.SecretId.endsWith('/twilio') && (await regionOf(getClient)) === 'us-west-2') {
        throw awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      }
      return { SecretString: JSON.stringify(VALID_SECRETS[input.SecretId]) };
    });

    const { code, io, row } = await preflight();

    expect(code).toBe(5);
    expect(row('secret twilio', 'us-east-1')?.status).toBe('ok');
    expect(row('secret twilio', 'us-west-2')).toEqual({
      check: 'secret twilio',
      region: 'us-west-2',
      status: 'fail',
      detail:
        'secret acme-voice/carriers/twilio does not exist in us-west-2; create it with the twilio fields accountSid, authToken: `aws secretsmanager create-secret --region us-west-2 --name acme-voice/carriers/twilio --secret-string \'{"accountSid":"...","authToken":"..."}\'`',
    });
    expect(io.out + io.err).not.toContain(DISTINCTIVE);
  });

  it('reports a secret that is not JSON, or lacks or mistypes fields, by field name only', async () => {
    const malformed: Record<string, string> = {
      'acme-voice/carriers/telnyx': `{"apiKey": "${DISTINCTIVE}"`,
      'acme-voice/carriers/twilio': JSON.stringify({ accountSid: DISTINCTIVE, authToken: DISTINCTIVE }),
      'acme-voice/carriers/bandwidth': JSON.stringify({ accountId: DISTINCTIVE, user: DISTINCTIVE }),
      'acme-voice/carriers/webhook': JSON.stringify({ signingSecret: 42, extra: DISTINCTIVE }),
      'acme-voice/test-calls/phx': JSON.stringify({ user: 'probe', password: DISTINCTIVE }),
    };
    secrets
      .on(GetSecretValueCommand)
      .callsFake(async (input: { SecretId: string }) => ({ SecretString: malformed[input.SecretId] }));

    const { code, io, row } = await preflight('--verbose');

    expect(code).toBe(5);
    expect(row('secret telnyx', 'us-east-1')).toMatchObject({ status: 'fail' });
    expect(row('secret telnyx', 'us-east-1')?.detail).toBe(
      'secret "acme-voice/carriers/telnyx" is not valid JSON; store it as {"apiKey": "..."} (in us-east-1)',
    );
    expect(row('secret twilio', 'us-east-2')?.detail).toContain('has no valid field "accountSid"');
    expect(row('secret twilio', 'us-east-2')?.detail).not.toContain('authToken');
    const bandwidth = row('secret bandwidth', 'us-west-2')?.detail;
    expect(bandwidth).toContain('has no valid field "username"');
    expect(bandwidth).toContain('has no valid field "password"');
    expect(bandwidth).not.toContain('"accountId"');
    expect(row('secret webhook', 'us-east-1')?.detail).toContain('has no valid field "signingSecret"');
    expect(row('secret test call', 'us-east-2')?.detail).toBe(
      'secret "acme-voice/test-calls/phx" has no valid username; store it as {"username": "...", "password": "..."} (in us-east-2)',
    );
    expect(io.out + io.err).not.toContain(DISTINCTIVE);
  });

  it.each([
    ['an error of the service', awsError('DecryptionFailure', `cannot decrypt ${DISTINCTIVE}`)],
    [
      'a refused request',
      awsError('InvalidRequestException', `secret ${DISTINCTIVE} is scheduled for deletion`),
    ],
    ['a server error', awsError('InternalServiceError', `internal ${DISTINCTIVE}`, 500)],
    ['a network error', Object.assign(new Error(`socket ${DISTINCTIVE}`), { code: 'ECONNRESET' })],
  ])('never prints a secret value, even in the message of %s', async (_what, error) => {
    secrets.on(GetSecretValueCommand).rejects(error);
    const human = fakeIo();

    const { code, io, row } = await preflight('--verbose');
    const humanCode = await runCli(argv('--verbose'), human);

    expect(code).toBe(5);
    expect(humanCode).toBe(5);
    expect(row('secret telnyx', 'us-east-1')).toMatchObject({ status: 'fail' });
    expect(row('secret telnyx', 'us-east-1')?.detail).toMatch(
      /DecryptionFailure|InvalidRequestException|InternalServiceError|ECONNRESET/,
    );
    expect(io.out + io.err + human.out + human.err).not.toContain(DISTINCTIVE);
  });

  it('never prints a secret value when AWS answers nothing at all (exit 3)', async () => {
    sts.onAnyCommand().rejects(refused());
    ssm.onAnyCommand().rejects(refused());
    sns.onAnyCommand().rejects(refused());
    lambda.onAnyCommand().rejects(refused());
    secrets
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error(`socket ${DISTINCTIVE}`), { code: 'ECONNREFUSED' }));
    const io = fakeIo();

    const code = await runCli(argv('--json', '--verbose'), io);

    expect(code).toBe(3);
    expect(JSON.parse(io.out)).toMatchObject({ ok: false, exitCode: 3 });
    expect(io.err).toContain('AWS did not answer in us-east-1, us-east-2, us-west-2');
    expect(io.err).toContain('Secrets Manager in us-west-2: ECONNREFUSED');
    expect(io.out + io.err).not.toContain(DISTINCTIVE);
  });

  it('warns of the SMS sandbox and fails each alert number not verified there, with the fix', async () => {
    sns.on(GetSMSSandboxAccountStatusCommand).callsFake(async (_input, getClient) => ({
      IsInSandbox: (await regionOf(getClient)) !== 'us-west-2',
    }));
    sns
      .on(ListSMSSandboxPhoneNumbersCommand)
      .callsFake(async (_input, getClient) =>
        (await regionOf(getClient)) === 'us-east-1'
          ? { PhoneNumbers: [{ PhoneNumber: '+14155550100', Status: 'Verified' }] }
          : { PhoneNumbers: [{ PhoneNumber: '+14155550199', Status: 'Verified' }] },
      );

    const { code, row, result } = await preflight();

    expect(code).toBe(5);
    expect(row('sms sandbox', 'us-east-1')).toMatchObject({ status: 'warn' });
    expect(row('sms sandbox', 'us-east-1')?.detail).toContain('request production access');
    expect(row('sms +14155550199', 'us-east-1')).toMatchObject({ status: 'fail' });
    expect(row('sms +14155550199', 'us-east-1')?.detail).toContain(
      '`aws sns create-sms-sandbox-phone-number --region us-east-1 --phone-number +14155550199`',
    );
    expect(row('sms +14155550199', 'us-east-2')).toMatchObject({ status: 'ok' });
    expect(row('sms sandbox', 'us-west-2')).toMatchObject({ status: 'ok' });
    expect(row('sms +14155550199', 'us-west-2')).toBeUndefined();
    expect(result.checks.filter((check) => check.status === 'fail')).toHaveLength(1);
  });

  it('has no SMS rows when alerts.sms is empty', async () => {
    const config = exampleConfigWith([[/ {2}sms: \["\+14155550199"\]/, '  sms: []']]);

    const { code, result } = await preflight('--config', config);

    expect(code).toBe(0);
    expect(result.checks.filter((row) => row.check.startsWith('sms'))).toEqual([]);
    expect(sns.calls()).toHaveLength(0);
  });

  it('warns, without failing, when a region’s unreserved Lambda concurrency is a new account’s 10', async () => {
    lambda
      .on(GetAccountSettingsCommand)
      .callsFake(async (_input, getClient) =>
        (await regionOf(getClient)) === 'us-east-2'
          ? { AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } }
          : { AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 900 } },
      );

    const { code, result, row } = await preflight();

    expect(code).toBe(0);
    expect(result.ok).toBe(true);
    expect(row('lambda concurrency', 'us-east-2')).toMatchObject({ status: 'warn' });
    expect(row('lambda concurrency', 'us-east-2')?.detail).toContain(
      'unreserved concurrency 10 of 10, below 100: the 4 watchdog functions',
    );
    expect(row('lambda concurrency', 'us-east-1')).toMatchObject({ status: 'ok' });
  });

  it('warns that the incident table will be eventually consistent outside an MRSC region set', async () => {
    const config = exampleConfigWith([
      [/watchdogRegions: \[[^\]]*\]/, 'watchdogRegions: [us-east-1, eu-west-1]'],
    ]);

    const { code, row } = await preflight('--config', config);

    expect(code).toBe(0);
    expect(row('table consistency', 'all')).toMatchObject({ status: 'warn' });
    expect(row('table consistency', 'all')?.detail).toMatch(/^eventual: us-east-1, eu-west-1 are not three/);
    expect(row('table consistency', 'all')?.detail).toContain('README "Known limits"');
    expect(row('bootstrap', 'eu-west-1')).toMatchObject({ status: 'ok' });
  });

  it('reports the table as strongly consistent for three regions of one MRSC set', async () => {
    const { row } = await preflight();

    expect(row('table consistency', 'all')).toMatchObject({ status: 'ok' });
    expect(row('table consistency', 'all')?.detail).toMatch(/^strong /);
  });

  it('stops with exit 4 and the usual message when there are no AWS credentials', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));

    const { code, io, result } = await preflight();

    expect(code).toBe(4);
    expect(result).toMatchObject({ ok: false, exitCode: 4 });
    expect(io.err).toContain('no AWS credentials found (Could not load credentials from any providers)');
    expect(ssm.calls()).toHaveLength(0);
    expect(secrets.calls()).toHaveLength(0);
  });

  it('names the permission AWS denied instead of stopping the run', async () => {
    ssm.on(GetParameterCommand).rejects(awsError('AccessDeniedException', 'not authorized'));

    const { code, row } = await preflight();

    expect(code).toBe(5);
    expect(row('bootstrap', 'us-east-1')?.detail).toBe(
      'AWS denied ssm:GetParameter in us-east-1 (AccessDeniedException); run preflight with a role allowed ssm:GetParameter',
    );
    expect(row('lambda concurrency', 'us-east-1')).toMatchObject({ status: 'ok' });
  });

  it('fails the rows of a region that does not answer while the others pass', async () => {
    ssm.on(GetParameterCommand).callsFake(async (_input, getClient) => {
      if ((await regionOf(getClient)) === 'us-west-2') throw refused();
      return { Parameter: { Value: '27' } };
    });
    lambda.on(GetAccountSettingsCommand).callsFake(async (_input, getClient) => {
      if ((await regionOf(getClient)) === 'us-west-2') throw refused();
      return { AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } };
    });

    const { code, row } = await preflight();

    expect(code).toBe(5);
    expect(row('bootstrap', 'us-west-2')?.detail).toBe(
      'SSM in us-west-2 did not answer (connect ECONNREFUSED 127.0.0.1:443); check the network or VPN and AWS_ENDPOINT_URL_* settings',
    );
    expect(row('lambda concurrency', 'us-west-2')).toMatchObject({ status: 'fail' });
    expect(row('bootstrap', 'us-east-1')?.status).toBe('ok');
  });

  it('checks only the --region region, calling STS there too', async () => {
    const { code, result } = await preflight('--region', 'us-east-2');

    expect(code).toBe(0);
    expect([...new Set(result.checks.map((row) => row.region))]).toEqual(['us-east-2', 'all']);
    const stsRegion = await sts.commandCalls(GetCallerIdentityCommand)[0].thisValue.config.region();
    expect(stsRegion).toBe('us-east-2');
  });

  it('is listed in the README with every IAM permission its checks need', () => {
    const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');

    const entry = readme.split('\n').find((line) => line.startsWith('| `carrier-failover preflight`'));

    expect(entry).toBeDefined();
    for (const permission of PREFLIGHT_PERMISSIONS) expect(entry).toContain(`\`${permission}\``);
  });

  it('refuses a --region that is not a watchdog region (exit 1)', async () => {
    const { code, io } = await preflight('--region', 'eu-west-1');

    expect(code).toBe(1);
    expect(io.err).toContain('--region eu-west-1 is not a watchdog region of acme-voice');
    expect(sts.calls()).toHaveLength(0);
  });
});
