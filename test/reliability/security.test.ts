/**
 * Least privilege and secrets, checked on what is deployed and on what runs:
 * - every IAM statement of every synthesized stack: no wildcard action, no `Resource: "*"`, each
 *   resource this deployment's own table, topic, key, queue, log group, carrier or test-call secret in the
 *   stack's own region, or one of its functions in a watchdog region; roles assumable by Lambda only; resource policies open to no one;
 * - the incident and observation tables, the alert topics and the dead-letter queues encrypted;
 * - a failover and failback under carrier faults of every kind, one carrier refusing its (wrong)
 *   credentials: no credential value in any log line or alert.
 */

import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createCarrierDirectory } from '../../lambdas/adapters/carriers/carrier-directory';
import { EnvironmentCredentialSource } from '../../lambdas/adapters/carriers/credentials';
import { testCallSecretNamesOf } from '../../lambdas/contracts/config/test-call-secrets';
import { handleFailbackEvent } from '../../lambdas/handlers/failback';
import { handleOrchestratorEvent } from '../../lambdas/handlers/orchestrator';
import { loadDeployment } from '../../lib/config/load-config';
import { addCarrierFailoverStacks } from '../../lib/deploy/carrier-failover-app';
import { ALL_FAULT_KINDS } from '../../lib/developer/carrier-fakes/fake-carrier-server';
import { FakeClock } from '../domain/forwarding/fake-clock';
import { EXAMPLE_CONFIG } from '../support/config-files';
import {
  type CapturedOutput,
  captureOutput,
  type Harness,
  lambdaContext,
  probeFailoverEvent,
  startHarness,
} from './support/reliability-harness';

type Resolved = string;
interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/** A template value as text: references become `ref:<id>` / `arn-of:<id>`, joins are joined. */
function resolve(value: unknown): Resolved {
  if (typeof value === 'string') return value;
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return object.Ref === 'AWS::Partition' ? 'aws' : `ref:${String(object.Ref)}`;
  if ('Fn::GetAtt' in object) {
    const [id, attribute] = object['Fn::GetAtt'] as [string, string];
    return attribute === 'Arn' ? `arn-of:${id}` : `${attribute}-of:${id}`;
  }
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(resolve).join(separator);
  }
  return JSON.stringify(value);
}

/** Only these have no resource-level permissions in IAM, so they may name `*`. */
const RESOURCE_LESS_ACTIONS = [
  'cloudwatch:PutMetricData',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
];

describe('least privilege in every synthesized stack', () => {
  const deployment = loadDeployment(EXAMPLE_CONFIG);
  const { config } = deployment;
  // Bundling skipped: the permissions do not depend on the compiled code.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stacks = addCarrierFailoverStacks(app, deployment);
  const all: Stack[] = app.node.children.filter((child): child is Stack => child instanceof Stack);
  const templates = all.map((stack) => ({ stack, template: Template.fromStack(stack).toJSON() }));
  // The carriers' secrets and the test calls' digest secrets: both this deployment's, by name.
  const secretNames = [
    ...Object.values(config.carriers).map((carrier) => carrier.secretName),
    ...testCallSecretNamesOf(config.sites),
  ];

  /** Resources of one type in a template, by logical id. */
  const ofType = (template: Record<string, unknown>, type: string): Record<string, Record<string, unknown>> =>
    Object.fromEntries(
      Object.entries(
        template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
      )
        .filter(([, resource]) => resource.Type === type)
        .map(([id, resource]) => [id, resource.Properties]),
    );

  it('synthesizes every stack of the deployment, each with its IAM in view', () => {
    expect(all.map((stack) => stack.stackName).sort()).toEqual([
      'acme-voice-dns',
      'acme-voice-incident-log',
      ...config.watchdogRegions.map((region) => `acme-voice-watchdog-${region}`),
    ]);
    expect(stacks.watchdogs).toHaveLength(config.watchdogRegions.length);
  });

  it('grants no wildcard action and scopes every resource to this deployment', () => {
    const problems: string[] = [];
    let statements = 0;
    for (const { stack, template } of templates) {
      const { region, account } = stack;
      const ids = (type: string) => new Set(Object.keys(ofType(template, type)));
      const own = {
        keys: ids('AWS::KMS::Key'),
        topics: ids('AWS::SNS::Topic'),
        queues: ids('AWS::SQS::Queue'),
        logGroups: ids('AWS::Logs::LogGroup'),
        functions: ids('AWS::Lambda::Function'),
      };
      const tables = ['incidents', 'observations'].map(
        (kind) => `arn:aws:dynamodb:${region}:${account}:table/${config.deployment}-${kind}`,
      );
      const allowed: Record<string, (resource: Resolved) => boolean> = {
        // No function queries a secondary index (only the operator CLI does, with its own credentials).
        dynamodb: (r) => tables.includes(r),
        sns: (r) => own.topics.has(r.replace(/^ref:/, '')),
        kms: (r) => own.keys.has(r.replace(/^arn-of:/, '')),
        sqs: (r) => own.queues.has(r.replace(/^arn-of:/, '')),
        logs: (r) => own.logGroups.has(r.replace(/^arn-of:/, '')),
        secretsmanager: (r) =>
          secretNames.some(
            (name) => r === `arn:aws:secretsmanager:${region}:${account}:secret:${name}-??????`,
          ),
        // A function may call this deployment's functions in the other watchdog regions too.
        lambda: (r) =>
          own.functions.has(r.replace(/^arn-of:/, '')) ||
          config.watchdogRegions.some((watchdog) =>
            new RegExp(`^arn:aws:lambda:${watchdog}:${account}:function:${config.deployment}-[\\w-]+$`).test(
              r,
            ),
          ),
      };
      const policies = [
        ...Object.entries(ofType(template, 'AWS::IAM::Policy')).map(
          ([id, p]) => [id, p.PolicyDocument] as const,
        ),
        ...Object.entries(ofType(template, 'AWS::IAM::ManagedPolicy')).map(
          ([id, p]) => [id, p.PolicyDocument] as const,
        ),
        ...Object.entries(ofType(template, 'AWS::IAM::Role')).flatMap(([id, role]) =>
          ((role.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map(
            (p) => [id, p.PolicyDocument] as const,
          ),
        ),
      ];
      for (const [id, document] of policies) {
        for (const statement of (document as { Statement: Statement[] }).Statement) {
          statements++;
          const where = `${stack.stackName}/${id}`;
          const actions = [statement.Action ?? []].flat();
          const resources = [statement.Resource ?? []].flat().map(resolve);
          for (const action of actions) {
            if (action === '*' || action.endsWith(':*')) problems.push(`${where}: wildcard action ${action}`);
          }
          if (resources.includes('*')) {
            const scoped = actions.filter((action) => !RESOURCE_LESS_ACTIONS.includes(action));
            if (scoped.length > 0) problems.push(`${where}: Resource "*" for ${scoped.join(', ')}`);
            continue;
          }
          for (const action of actions) {
            const service = action.split(':')[0];
            const check = allowed[service];
            if (!check) {
              problems.push(`${where}: ${action}: a service this deployment does not use`);
              continue;
            }
            for (const resource of resources) {
              if (!check(resource))
                problems.push(`${where}: ${action} on ${resource}, not this deployment's`);
            }
          }
        }
      }
      for (const [id, role] of Object.entries(ofType(template, 'AWS::IAM::Role'))) {
        const trust = (role.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
        for (const statement of trust) {
          if (JSON.stringify(statement.Principal) !== JSON.stringify({ Service: 'lambda.amazonaws.com' })) {
            problems.push(`${stack.stackName}/${id}: assumable by ${JSON.stringify(statement.Principal)}`);
          }
        }
        if ((role.ManagedPolicyArns as unknown[] | undefined)?.length) {
          problems.push(
            `${stack.stackName}/${id}: managed policies ${JSON.stringify(role.ManagedPolicyArns)}`,
          );
        }
      }
    }

    expect(problems).toEqual([]);
    expect(statements).toBeGreaterThan(3 * config.watchdogRegions.length);
  });

  it('grants the functions exactly the table calls they make, each on its own table and key prefixes', () => {
    /**
     * Per function: each DynamoDB action granted, as `<table> <action>`, with the partition-key
     * prefixes it is limited to.
     */
    const granted = (template: Record<string, unknown>, functionPrefix: string): Record<string, string[]> => {
      const [fn] = Object.entries(ofType(template, 'AWS::Lambda::Function')).filter(([id]) =>
        id.startsWith(functionPrefix),
      );
      const roleId = (fn[1].Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const actions: Record<string, string[]> = {};
      for (const policy of Object.values(ofType(template, 'AWS::IAM::Policy'))) {
        if (!JSON.stringify(policy.Roles).includes(`"${roleId}"`)) continue;
        for (const statement of (policy.PolicyDocument as { Statement: Statement[] }).Statement) {
          const condition = statement.Condition as
            | { 'ForAllValues:StringLike'?: { 'dynamodb:LeadingKeys'?: string[] } }
            | undefined;
          const tableNames = [statement.Resource ?? []]
            .flat()
            .map((resource) => resolve(resource).replace(/^.*:table\//, ''));
          for (const action of [statement.Action ?? []].flat().filter((a) => a.startsWith('dynamodb:'))) {
            for (const tableName of tableNames) {
              const key = `${tableName} ${action}`;
              actions[key] = [
                ...(actions[key] ?? []),
                ...(condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? ['(any key)']),
              ].sort();
            }
          }
        }
      }
      return actions;
    };
    const incidents = `${config.deployment}-incidents`;
    const observations = `${config.deployment}-observations`;
    const incidentWork = {
      [`${incidents} dynamodb:GetItem`]: ['INCIDENT#*', 'SITE#*'],
      [`${incidents} dynamodb:Query`]: ['INCIDENT#*', 'SITE#*'],
      [`${incidents} dynamodb:PutItem`]: ['INCIDENT#*', 'SITE#*'],
      [`${incidents} dynamodb:UpdateItem`]: ['INCIDENT#*', 'SITE#*'],
      // Clearing a site's active-incident pointer; an incident's own items are never deleted.
      [`${incidents} dynamodb:DeleteItem`]: ['SITE#*'],
    };
    const watchdogs = templates.filter(({ stack }) => stack.stackName.includes('-watchdog-'));
    expect(watchdogs).toHaveLength(config.watchdogRegions.length);
    for (const { stack, template } of watchdogs) {
      for (const fn of ['Orchestrator', 'Failback', 'Practice']) {
        expect({ where: `${stack.stackName}/${fn}`, actions: granted(template, fn) }).toEqual({
          where: `${stack.stackName}/${fn}`,
          actions: incidentWork,
        });
      }
      // The observation store's batch writes and queries on the observation table (which holds
      // nothing else), the site-health store's get and put on SITE# items: nothing more.
      expect({ where: `${stack.stackName}/Probe`, actions: granted(template, 'Probe') }).toEqual({
        where: `${stack.stackName}/Probe`,
        actions: {
          [`${observations} dynamodb:BatchWriteItem`]: ['(any key)'],
          [`${observations} dynamodb:Query`]: ['(any key)'],
          [`${incidents} dynamodb:GetItem`]: ['SITE#*'],
          [`${incidents} dynamodb:PutItem`]: ['SITE#*'],
        },
      });
    }
    const everywhere = JSON.stringify(templates.map(({ template }) => template));
    for (const action of ['Scan', 'BatchGetItem', 'ConditionCheckItem', 'DescribeTable', 'GetRecords']) {
      expect({ action, granted: everywhere.includes(`"dynamodb:${action}"`) }).toEqual({
        action,
        granted: false,
      });
    }
  });

  it('opens no resource policy to everyone: every Allow to a wildcard principal is conditioned', () => {
    const problems: string[] = [];
    for (const { stack, template } of templates) {
      const documents = [
        ...Object.entries(ofType(template, 'AWS::SNS::TopicPolicy')).map(
          ([id, p]) => [id, p.PolicyDocument] as const,
        ),
        ...Object.entries(ofType(template, 'AWS::SQS::QueuePolicy')).map(
          ([id, p]) => [id, p.PolicyDocument] as const,
        ),
        ...Object.entries(ofType(template, 'AWS::KMS::Key')).map(([id, p]) => [id, p.KeyPolicy] as const),
      ];
      for (const [id, document] of documents) {
        for (const statement of (document as { Statement: Statement[] }).Statement) {
          const principal = JSON.stringify(statement.Principal);
          const open = principal === '"*"' || principal === '{"AWS":"*"}';
          if (statement.Effect === 'Allow' && open && !statement.Condition) {
            problems.push(`${stack.stackName}/${id}: allows everyone ${JSON.stringify(statement.Action)}`);
          }
        }
      }
      for (const [id, permission] of Object.entries(ofType(template, 'AWS::Lambda::Permission'))) {
        if (!String(permission.Principal).endsWith('.amazonaws.com') || !permission.SourceArn) {
          problems.push(
            `${stack.stackName}/${id}: invoke permission for ${String(permission.Principal)} without a source`,
          );
        }
      }
    }

    expect(problems).toEqual([]);
  });

  it('encrypts both tables, every alert topic (own rotating key) and every dead-letter queue', () => {
    const problems: string[] = [];
    for (const { stack, template } of templates) {
      for (const [id, table] of Object.entries(ofType(template, 'AWS::DynamoDB::GlobalTable'))) {
        const sse = table.SSESpecification as { SSEEnabled?: boolean; SSEType?: string } | undefined;
        if (sse?.SSEEnabled !== true || sse.SSEType !== 'KMS')
          problems.push(`${stack.stackName}/${id}: table not KMS-encrypted`);
      }
      const keys = ofType(template, 'AWS::KMS::Key');
      for (const [id, topic] of Object.entries(ofType(template, 'AWS::SNS::Topic'))) {
        const key = resolve(topic.KmsMasterKeyId ?? '').replace(/^arn-of:/, '');
        if (keys[key]?.EnableKeyRotation !== true) {
          problems.push(`${stack.stackName}/${id}: topic not encrypted with a rotating key of this stack`);
        }
      }
      for (const [id, queue] of Object.entries(ofType(template, 'AWS::SQS::Queue'))) {
        if (queue.SqsManagedSseEnabled !== true && !queue.KmsMasterKeyId)
          problems.push(`${stack.stackName}/${id}: queue not encrypted`);
      }
    }

    expect(problems).toEqual([]);
    expect(
      templates.flatMap(({ template }) => Object.keys(ofType(template, 'AWS::SNS::Topic'))),
    ).toHaveLength(config.watchdogRegions.length);
  });
});

describe('no carrier credential in logs or alerts', () => {
  const deployment = loadDeployment(EXAMPLE_CONFIG);
  let harness: Harness;
  let output: CapturedOutput;

  beforeEach(() => {
    output = captureOutput();
  });

  afterEach(async () => {
    output.restore();
    await harness?.stop();
  });

  it('a failover and failback under faults of every kind, one carrier refusing a wrong key, leaks none', async () => {
    // Arrange: every fake faults 30 % of requests; the Telnyx key in use is a wrong one (401 each time)
    const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);
    const clock = new FakeClock(T0 + 31_000);
    harness = await startHarness({
      config: deployment.config,
      plan: deployment.plan,
      clock,
      fakes: { faultRate: 0.3, faultKinds: ALL_FAULT_KINDS, seed: 5, slowMs: 400, latencyMs: [0, 2] },
      carrierTimeoutMs: 150,
      failback: { mode: 'automatic', minutesBetweenWaves: 0 },
    });
    const wrongTelnyxKey = 'KEYwrong-0123456789abcdef';
    const env = {
      TELNYX_API_KEY: wrongTelnyxKey,
      ...Object.fromEntries(
        Object.entries({
          TWILIO_ACCOUNT_SID: harness.carriers.fakes.twilio?.accountSid,
          TWILIO_AUTH_TOKEN: harness.carriers.fakes.twilio?.authToken,
          BANDWIDTH_ACCOUNT_ID: harness.carriers.fakes.bandwidth?.accountId,
          BANDWIDTH_USERNAME: harness.carriers.fakes.bandwidth?.username,
          BANDWIDTH_PASSWORD: harness.carriers.fakes.bandwidth?.password,
          WEBHOOK_SIGNING_SECRET: harness.carriers.fakes.webhook?.signingSecret,
        }),
      ),
    };
    const credentials = new EnvironmentCredentialSource(env);
    const withCredentials = <T extends { carriers: unknown }>(deps: T): T => ({
      ...deps,
      carriers: () =>
        createCarrierDirectory(harness.files.config.carriers, credentials, {
          timeoutMs: 150,
          pollIntervalMs: 5,
        }),
    });
    const secrets = [...harness.carriers.secretValues, wrongTelnyxKey];
    expect(secrets).toHaveLength(5);

    // Act
    const failover = await handleOrchestratorEvent(
      probeFailoverEvent('us-east-1', T0),
      lambdaContext('failover-1'),
      withCredentials(harness.orchestrator('us-east-1')),
    );
    harness.siteHealth.status = 'up';
    for (let run = 1; run <= 3; run++) {
      clock.advance(60_000);
      await handleFailbackEvent(
        { action: 'tick' },
        lambdaContext(`tick-${run}`),
        withCredentials(harness.failback('us-east-1')),
      );
    }

    // Assert: the Telnyx numbers failed for their credentials, and no secret is anywhere
    expect(failover).toMatchObject({ status: 'done', incidentStatus: 'partially-forwarded' });
    const alerts = JSON.stringify(harness.notifier.alerts);
    expect(alerts).toMatch(/telnyx/i);
    const events = JSON.stringify(
      await harness.incidents.listEvents(failover.status === 'done' ? failover.incidentId : ''),
    );
    const logged = output.text();
    expect(logged).toContain('"level":"INFO"');
    for (const secret of secrets) {
      expect({ secret, inLogs: logged.includes(secret) }).toEqual({ secret, inLogs: false });
      expect({ secret, inAlerts: alerts.includes(secret) }).toEqual({ secret, inAlerts: false });
      expect({ secret, inTimeline: events.includes(secret) }).toEqual({ secret, inTimeline: false });
    }
  });
});
