import { Match } from 'aws-cdk-lib/assertions';
import { buildApp, templateOf } from '../../support/example-app';

describe('WatchdogStack', () => {
  const { stacks } = buildApp();

  it('exists once per watchdog region, named after the deployment and region', () => {
    expect(stacks.watchdogs.map((stack) => [stack.stackName, stack.region])).toEqual([
      ['acme-voice-watchdog-us-east-1', 'us-east-1'],
      ['acme-voice-watchdog-us-east-2', 'us-east-2'],
      ['acme-voice-watchdog-us-west-2', 'us-west-2'],
    ]);
    for (const stack of stacks.watchdogs) {
      expect(stack.dependencies).toContain(stacks.incidentLog);
    }
  });

  it.each(['us-east-1', 'us-east-2', 'us-west-2'])(
    'has a KMS-encrypted, TLS-only alert topic in %s',
    (region) => {
      const template = templateOf(stacks.watchdogs.find((stack) => stack.region === region)!);

      template.resourceCountIs('AWS::SNS::Topic', 1);
      template.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: Match.anyValue(),
        DisplayName: `acme-voice-${region}`,
      });
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    },
  );

  it('subscribes the configured email, SMS and HTTPS endpoints', () => {
    const template = templateOf(stacks.watchdogs[0]);

    template.resourceCountIs('AWS::SNS::Subscription', 3);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'noc@example.com',
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sms', Endpoint: '+14155550199' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://events.pagerduty.example.com/integration/abc123/enqueue',
    });
  });

  it('lets CloudWatch alarms publish to the encrypted topic', () => {
    templateOf(stacks.watchdogs[0]).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });
});

describe('WatchdogStack orchestrator', () => {
  const { stacks } = buildApp();
  const template = templateOf(stacks.watchdogs[1]);

  it('runs on Node.js 22 with a fixed name the CLI can find, a DLQ, and its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'acme-voice-orchestrator',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 900,
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      Environment: {
        Variables: Match.objectLike({
          DEPLOYMENT_NAME: 'acme-voice',
          TABLE_NAME: 'acme-voice-incidents',
          ALERT_TOPIC_ARN: Match.anyValue(),
          POWERTOOLS_SERVICE_NAME: 'orchestrator',
        }),
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('alarms on its errors, throttles and dead letters to the region topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((alarm) =>
      String(alarm.Properties.AlarmDescription).startsWith('Orchestrator'),
    );
    const metrics = alarms.map((alarm) => alarm.Properties.MetricName).sort();

    expect(metrics).toEqual(
      expect.arrayContaining(['ApproximateNumberOfMessagesVisible', 'Errors', 'Throttles']),
    );
    for (const alarm of alarms)
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlertsTopic/) }]);
  });

  it('grants only what forwarding needs: no wildcard action, secrets and itself scoped by name', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((statement) => [statement.Action].flat());

    expect(actions.filter((action: string) => action === '*' || action.endsWith(':*'))).toEqual([]);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 'secretsmanager:GetSecretValue',
          Resource: expect.arrayContaining([
            {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':secretsmanager:us-east-2:111111111111:secret:acme-voice/carriers/telnyx-??????',
                ],
              ],
            },
          ]),
        }),
        expect.objectContaining({
          Action: 'lambda:InvokeFunction',
          Resource: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':lambda:us-east-2:111111111111:function:acme-voice-orchestrator',
              ],
            ],
          },
        }),
      ]),
    );
    expect(JSON.stringify(statements)).not.toContain('"Resource":"*"');
  });

  it('ships the config and the plan in the code asset, not in the template', () => {
    expect(JSON.stringify(template.toJSON())).not.toContain('+16025550000');
  });
});

describe('WatchdogStack probe', () => {
  const { stacks } = buildApp();

  it.each([0, 1, 2])(
    'probes every minute in each region (stack %i), without retries that would overlap',
    (index) => {
      const template = templateOf(stacks.watchdogs[index]);

      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        Targets: [
          Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } }),
        ],
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Timeout: 60,
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: 'probe',
            TABLE_NAME: 'acme-voice-incidents',
            OBSERVATION_TABLE_NAME: 'acme-voice-observations',
            ORCHESTRATOR_FUNCTION_NAME: 'acme-voice-orchestrator',
            WATCHDOG_REGIONS: 'us-east-1,us-east-2,us-west-2',
          }),
        },
      });
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
    },
  );

  it('has a named SiteDown alarm per site and a heartbeat alarm that treats silence as breaching', () => {
    const template = templateOf(stacks.watchdogs[2]);

    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm.Properties,
    );
    for (const site of ['phx-primary', 'dal-standby']) {
      const alarm = alarms.find((candidate) => candidate.AlarmName === `acme-voice-${site}-down-us-west-2`);
      expect(alarm).toMatchObject({
        Namespace: 'CarrierFailover',
        MetricName: 'SiteDown',
        Statistic: 'Maximum',
        TreatMissingData: 'ignore',
      });
      expect(alarm.Dimensions).toEqual(
        expect.arrayContaining([
          { Name: 'Deployment', Value: 'acme-voice' },
          { Name: 'Site', Value: site },
          { Name: 'Region', Value: 'us-west-2' },
        ]),
      );
      // Primary sites alert through their incident; a standby site's alarm is its alert.
      expect(alarm.AlarmActions?.length ?? 0).toBe(site === 'dal-standby' ? 1 : 0);
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ProbeHeartbeat',
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [Match.anyValue()],
    });
  });

  it('lets the probe write only observations and site health, each on its own table, and invoke only its orchestrator', () => {
    const template = templateOf(stacks.watchdogs[0]);
    const probeRole = Object.entries(template.findResources('AWS::IAM::Role')).find(([id]) =>
      id.startsWith('ProbeRole'),
    )![0];
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((candidate) =>
      JSON.stringify(candidate.Properties.Roles).includes(probeRole),
    )!;
    const statements = policy.Properties.PolicyDocument.Statement as Record<string, unknown>[];
    const dynamo = statements.filter((statement) => JSON.stringify(statement.Action).includes('dynamodb:'));
    const tableArn = (name: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:dynamodb:us-east-1:111111111111:table/${name}`]],
    });

    expect(dynamo).toEqual([
      // The observation store's calls, on the observation table: it holds nothing else.
      {
        Effect: 'Allow',
        Action: ['dynamodb:BatchWriteItem', 'dynamodb:Query'],
        Resource: tableArn('acme-voice-observations'),
      },
      // The site-health store's calls, on the incident table's SITE# items only.
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: tableArn('acme-voice-incidents'),
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SITE#*'] } },
      },
    ]);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 'lambda:InvokeFunction',
          Resource: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':lambda:us-east-1:111111111111:function:acme-voice-orchestrator',
              ],
            ],
          },
        }),
      ]),
    );
    // The test calls' digest secrets, by name, and no carrier's.
    const secrets = statements.filter((statement) =>
      JSON.stringify(statement.Action).includes('secretsmanager'),
    );
    expect(secrets).toEqual([
      {
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':secretsmanager:us-east-1:111111111111:secret:acme-voice/test-calls/phx-??????',
            ],
          ],
        },
      },
    ]);
    expect(JSON.stringify(statements)).not.toMatch(/carriers\/|sns:Publish/);
  });
});

describe('WatchdogStack failback', () => {
  const { stacks } = buildApp();
  const template = templateOf(stacks.watchdogs[0]);

  it('runs every minute under a fixed name the CLI sends approvals to', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'acme-voice-failback',
      Runtime: 'nodejs22.x',
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'failback',
          TABLE_NAME: 'acme-voice-incidents',
        }),
      },
    });
    const rules = Object.values(template.findResources('AWS::Events::Rule')).map((rule) => rule.Properties);
    expect(rules.filter((rule) => rule.ScheduleExpression === 'rate(1 minute)')).toHaveLength(2);
  });

  it('may restore at the carriers (secrets, incidents, alerts) but not invoke anything', () => {
    const roleId = Object.keys(template.findResources('AWS::IAM::Role')).find((id) =>
      id.startsWith('FailbackRole'),
    )!;
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((candidate) =>
      JSON.stringify(candidate.Properties.Roles).includes(roleId),
    )!;
    const actions = (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap(
      (statement) => [statement.Action].flat(),
    );

    expect(actions).toEqual(
      expect.arrayContaining(['secretsmanager:GetSecretValue', 'sns:Publish', 'dynamodb:PutItem']),
    );
    expect(actions).not.toContain('lambda:InvokeFunction');
  });
});
