import { Match } from 'aws-cdk-lib/assertions';
import { buildApp, templateOf } from '../support/example-app';

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
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
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
