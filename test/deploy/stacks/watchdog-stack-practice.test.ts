import { Match, Template } from 'aws-cdk-lib/assertions';
import { exampleConfigObject, writeDeploymentFiles } from '../../support/config-files';
import { buildApp, templateOf } from '../../support/example-app';

const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'];

/** The practice function's logical id and its role's policy statements in a template. */
function practiceOf(template: Template) {
  const [functionId] = Object.entries(template.findResources('AWS::Lambda::Function')).find(
    ([, resource]) => resource.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'practice',
  ) ?? [undefined];
  const [, policy] = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) =>
    id.startsWith('PracticeRole'),
  ) ?? [undefined, undefined];
  return {
    functionId,
    statements: (policy?.Properties.PolicyDocument.Statement ?? []) as Record<string, unknown>[],
  };
}

const arn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });

describe('WatchdogStack practice', () => {
  const { stacks } = buildApp();

  it.each(REGIONS.map((region, index) => [region, index]))(
    'schedules the practice function in %s weekly by default, without retries',
    (region, index) => {
      const template = templateOf(stacks.watchdogs[index as number]);
      const { functionId } = practiceOf(template);

      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'cron(0 15 ? * TUE *)',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 600 },
          }),
        ],
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Timeout: 600,
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: 'practice',
            WATCHDOG_REGIONS: REGIONS.join(','),
            ORCHESTRATOR_FUNCTION_NAME: 'acme-voice-orchestrator',
            TABLE_NAME: 'acme-voice-incidents',
          }),
        },
      });
      expect(region).toBe(stacks.watchdogs[index as number].region);
    },
  );

  it.each(REGIONS.map((region, index) => [region, index]))(
    'schedules the daily baseline read in %s an hour after the region before it, with its own event',
    (_region, index) => {
      const template = templateOf(stacks.watchdogs[index as number]);
      const { functionId } = practiceOf(template);

      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: `cron(0 ${3 + (index as number)} * * ? *)`,
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
            Input: JSON.stringify({ action: 'refresh-baseline' }),
            RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600 },
          }),
        ],
      });
      // The weekly practice, the daily read, the probe and the failback: nothing else is scheduled.
      expect(Object.keys(template.findResources('AWS::Events::Rule'))).toHaveLength(4);
    },
  );

  it('takes the schedule from the config, the same in every region, and leaves practice out when disabled', () => {
    const custom = exampleConfigObject();
    custom.practice = { schedule: 'cron(30 9 ? * WED *)' };
    const disabled = exampleConfigObject();
    disabled.practice = { enabled: false };

    const customStacks = buildApp(writeDeploymentFiles(custom)).stacks;
    const disabledStacks = buildApp(writeDeploymentFiles(disabled)).stacks;

    for (const stack of customStacks.watchdogs) {
      Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'cron(30 9 ? * WED *)',
      });
    }
    for (const stack of disabledStacks.watchdogs) {
      const template = Template.fromStack(stack);
      expect(practiceOf(template).functionId).toBeUndefined();
      expect(
        Object.values(template.findResources('AWS::Events::Rule')).map(
          (rule) => rule.Properties.ScheduleExpression,
        ),
      ).toEqual(['rate(1 minute)', 'rate(1 minute)']);
    }
  });

  it.each(REGIONS.map((region, index) => [region, index]))(
    'grants the practice function in %s only what it needs',
    (region, index) => {
      const template = templateOf(stacks.watchdogs[index as number]);
      const { statements } = practiceOf(template);
      const others = REGIONS.filter((other) => other !== region);

      expect(statements.flatMap((statement) => [statement.Action].flat()).sort()).toEqual(
        [
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
          'kms:Decrypt',
          'kms:GenerateDataKey*',
          'lambda:InvokeFunction',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'secretsmanager:GetSecretValue',
          'sns:ListSubscriptionsByTopic',
          'sns:Publish',
          'sqs:SendMessage',
        ].sort(),
      );
      expect(JSON.stringify(statements)).not.toContain('"Resource":"*"');
      const topic = { Ref: expect.stringMatching(/^AlertsTopic/) };
      expect(statements).toEqual(
        expect.arrayContaining([
          { Action: 'sns:Publish', Effect: 'Allow', Resource: topic },
          { Action: 'sns:ListSubscriptionsByTopic', Effect: 'Allow', Resource: topic },
          {
            Action: 'lambda:InvokeFunction',
            Effect: 'Allow',
            Resource: others.map((other) =>
              arn(`:lambda:${other}:111111111111:function:acme-voice-orchestrator`),
            ),
          },
          {
            Action: 'secretsmanager:GetSecretValue',
            Effect: 'Allow',
            Resource: ['telnyx', 'twilio', 'bandwidth', 'webhook'].map((carrier) =>
              arn(`:secretsmanager:${region}:111111111111:secret:acme-voice/carriers/${carrier}-??????`),
            ),
          },
        ]),
      );
      const dynamo = statements.filter((statement) =>
        String([statement.Action].flat()[0]).startsWith('dynamodb:'),
      );
      // The table only (no index), and only the incidents' and sites' items.
      expect(dynamo.length).toBeGreaterThan(0);
      for (const statement of dynamo) {
        expect(statement.Resource).toEqual(
          arn(`:dynamodb:${region}:111111111111:table/acme-voice-incidents`),
        );
        expect(statement.Condition).toEqual({
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': expect.arrayContaining(['SITE#*']) },
        });
      }
    },
  );

  it('alarms on the practice function like on the others', () => {
    const template = templateOf(stacks.watchdogs[0]);
    const { functionId } = practiceOf(template);

    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlertsTopic') }],
    });
  });
});
