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
