import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AlertTopic } from '../../../lib/deploy/constructs/alert-topic';

function alertTopicTemplate(alarmNamePrefix?: string): Template {
  const stack = new Stack(new App(), 'Alerts', { env: { account: '111111111111', region: 'eu-west-1' } });
  new AlertTopic(stack, 'Alerts', {
    displayName: 'acme-voice-eu-west-1',
    emails: ['noc@example.com'],
    smsNumbers: [],
    httpsEndpoints: [],
    alarmNamePrefix,
  });
  return Template.fromStack(stack);
}

const alarmArn = (suffix: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudwatch:eu-west-1:111111111111:alarm:${suffix}`]],
});

describe('AlertTopic', () => {
  it("lets this account's CloudWatch alarms publish despite the TLS-only topic policy", () => {
    const template = alertTopicTemplate('acme-voice-');

    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Sid: 'AllowCloudWatchAlarmsToPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: Match.stringLikeRegexp('^AlertsTopic') },
            Condition: {
              StringEquals: { 'aws:SourceAccount': '111111111111' },
              ArnLike: { 'aws:SourceArn': alarmArn('acme-voice-*') },
            },
          },
        ]),
      },
    });
  });

  it('allows every alarm of the account and region when no alarm name prefix is given', () => {
    const template = alertTopicTemplate();

    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchAlarmsToPublish',
            Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': alarmArn('*') } }),
          }),
        ]),
      },
    });
  });

  it("lets CloudWatch use the topic's key for the encrypted publish", () => {
    const template = alertTopicTemplate('acme-voice-');

    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });
});
