/**
 * AWS service rules that no resource schema encodes, one test a rule, each citing the documentation
 * it comes from, and each shown able to fail on a copy of a real template broken on purpose.
 */
import {
  LAMBDA_ENVIRONMENT_LIMIT_BYTES,
  lambdaEnvironmentProblems,
  mrscRegionSetProblems,
  mrscTimeToLiveProblems,
  nameLengthProblems,
  route53AlarmProblems,
  TEMPLATE_LIMITS,
  templateLimitProblems,
  topicKeyPolicyProblems,
  topicPolicyProblems,
  topicPublishers,
} from './service-rules';
import {
  type CfnTemplate,
  copyOf,
  findTemplate,
  resourcesOfType,
  type SynthesizedTemplate,
  synthesizeValidatedConfigs,
} from './synthesized-templates';

type Json = Record<string, unknown>;

let templates: SynthesizedTemplate[];
beforeAll(() => {
  templates = synthesizeValidatedConfigs();
}, 240_000);

/** Problems of a per-template rule over every template, prefixed with the stack. */
function overAll(rule: (template: CfnTemplate) => string[]): string[] {
  return templates.flatMap((t) => rule(t.template).map((problem) => `${t.stackName}: ${problem}`));
}

function exampleIncidentLog(): CfnTemplate {
  return copyOf(
    findTemplate(
      templates.filter((t) => t.config === 'example'),
      '-incident-log',
    ).template,
  );
}

function exampleWatchdog(): CfnTemplate {
  return copyOf(
    findTemplate(
      templates.filter((t) => t.config === 'example'),
      '-watchdog-us-east-1',
    ).template,
  );
}

function propertiesOf(template: CfnTemplate, type: string, index = 0): Json {
  return resourcesOfType(template, type)[index][1].Properties as Json;
}

describe('DynamoDB multi-Region strong consistency (MRSC)', () => {
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html#V2globaltables_HowItWorks.consistency-modes-mrsc
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-globaltable-globaltablewitness.html
  it('an MRSC global table has three replicas (or two and a witness), all in one region set (DynamoDB developer guide, "Multi-Region strong consistency")', () => {
    expect(overAll(mrscRegionSetProblems)).toEqual([]);
    // The example's US set is MRSC; all-features' regions span three sets, so its table is not.
    const strong = templates.flatMap((t) =>
      resourcesOfType(t.template, 'AWS::DynamoDB::GlobalTable')
        .filter(([, table]) => table.Properties?.MultiRegionConsistency === 'STRONG')
        .map(() => t.config),
    );
    expect(strong).toEqual(['example']);
  });

  it('reports an MRSC table with a replica outside its region set', () => {
    const broken = exampleIncidentLog();
    const table = resourcesOfType(broken, 'AWS::DynamoDB::GlobalTable').find(
      ([, resource]) => resource.Properties?.MultiRegionConsistency === 'STRONG',
    )![1].Properties as Json;
    (table.Replicas as Json[])[0].Region = 'eu-west-1';

    expect(mrscRegionSetProblems(broken)).toEqual([expect.stringMatching(/are not all in one region set/)]);
  });

  // "Global tables configured for multi-Region strong consistency (MRSC) do not support configuring
  // Time To Live (TTL) deletion." (MRSC tables also do not support transactions: not visible in a template.)
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/multi-region-strong-consistency-gt.html
  it('an MRSC global table has no TimeToLiveSpecification (DynamoDB developer guide, MRSC considerations)', () => {
    expect(overAll(mrscTimeToLiveProblems)).toEqual([]);
  });

  it('reports an MRSC table given a TTL', () => {
    const broken = exampleIncidentLog();
    const [, table] = resourcesOfType(broken, 'AWS::DynamoDB::GlobalTable').find(
      ([, resource]) => resource.Properties?.MultiRegionConsistency === 'STRONG',
    )!;
    table.Properties!.TimeToLiveSpecification = { AttributeName: 'expiresAt', Enabled: true };

    expect(mrscTimeToLiveProblems(broken)).toEqual([
      expect.stringMatching(/an MRSC global table cannot have TimeToLiveSpecification/),
    ]);
  });
});

describe('SNS topics that AWS services publish to', () => {
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
  // https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html (confused deputy: aws:SourceAccount, aws:SourceArn)
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-resource-based.html#eb-sns-permissions
  it('every topic an alarm (or rule) publishes to Allows that service sns:Publish with aws:SourceAccount and aws:SourceArn', () => {
    const publishers = templates.flatMap((t) => topicPublishers(t.template));
    expect(publishers.length).toBeGreaterThan(0);
    expect(overAll(topicPolicyProblems)).toEqual([]);
  });

  it('reports a topic whose policy holds only the TLS Deny (finding 2)', () => {
    const broken = exampleWatchdog();
    const document = propertiesOf(broken, 'AWS::SNS::TopicPolicy').PolicyDocument as { Statement: Json[] };
    document.Statement = document.Statement.filter((statement) => statement.Effect !== 'Allow');

    expect(topicPolicyProblems(broken)).toEqual([
      expect.stringMatching(/cloudwatch\.amazonaws\.com publishes to it .* but no topic policy Allows/),
    ]);
  });

  it("reports an alarm whose name is outside the Allow's aws:SourceArn alarm prefix", () => {
    const broken = exampleWatchdog();
    const [alarmId, alarm] = resourcesOfType(broken, 'AWS::CloudWatch::Alarm').find(
      ([, resource]) => ((resource.Properties?.AlarmActions as unknown[] | undefined) ?? []).length > 0,
    )!;
    alarm.Properties!.AlarmName = 'someone-else-Heartbeat';

    expect(topicPolicyProblems(broken)).toEqual([
      expect.stringMatching(new RegExp(`^${alarmId}: its name "someone-else-Heartbeat" is outside`)),
    ]);
  });

  it('reports a topic an EventBridge rule targets without an events.amazonaws.com Allow', () => {
    const broken = exampleWatchdog();
    const [[topicId]] = resourcesOfType(broken, 'AWS::SNS::Topic');
    (propertiesOf(broken, 'AWS::Events::Rule').Targets as Json[]).push({
      Arn: { Ref: topicId },
      Id: 'Alerts',
    });

    expect(topicPolicyProblems(broken)).toEqual([
      expect.stringMatching(/^.*: events\.amazonaws\.com publishes to it/),
    ]);
  });

  // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
  it("every encrypted topic's key lets each publishing service kms:Decrypt and kms:GenerateDataKey*", () => {
    expect(overAll(topicKeyPolicyProblems)).toEqual([]);
  });

  it('reports a key policy that lets CloudWatch only decrypt', () => {
    const broken = exampleWatchdog();
    const policy = propertiesOf(broken, 'AWS::KMS::Key').KeyPolicy as { Statement: Json[] };
    for (const statement of policy.Statement) {
      if (JSON.stringify(statement.Principal).includes('cloudwatch')) statement.Action = 'kms:Decrypt';
    }

    expect(topicKeyPolicyProblems(broken)).toEqual([
      expect.stringMatching(/does not allow it kms:GenerateDataKey\*$/),
    ]);
  });
});

describe('Route 53 CLOUDWATCH_METRIC health checks', () => {
  // https://docs.aws.amazon.com/Route53/latest/APIReference/API_AlarmIdentifier.html (standard resolution;
  // Average, Minimum, Maximum, Sum, SampleCount; no extended statistics)
  // https://docs.aws.amazon.com/Route53/latest/APIReference/API_CloudWatchAlarmConfiguration.html (one MetricName and Namespace)
  it('each names an existing alarm in its region, on one metric, a standard statistic and resolution', () => {
    const checks = templates.flatMap((t) =>
      resourcesOfType(t.template, 'AWS::Route53::HealthCheck').filter(
        ([, check]) =>
          (check.Properties?.HealthCheckConfig as Json | undefined)?.Type === 'CLOUDWATCH_METRIC',
      ),
    );
    expect(checks.length).toBeGreaterThanOrEqual(3 + 6);
    expect(route53AlarmProblems(templates)).toEqual([]);
  });

  it('reports a health check on a missing alarm, and on a p99, high-resolution or metric-math alarm', () => {
    const example = templates.filter((t) => t.config === 'example');
    const dns = findTemplate(example, '-dns');
    const watchdog = findTemplate(example, '-watchdog-us-east-1');
    const brokenDns = copyOf(dns.template);
    const checkConfigs = resourcesOfType(brokenDns, 'AWS::Route53::HealthCheck')
      .map(([, check]) => check.Properties?.HealthCheckConfig as Json)
      .filter((config) => config.Type === 'CLOUDWATCH_METRIC');
    const inRegion = (region: string) =>
      checkConfigs.find((c) => (c.AlarmIdentifier as Json).Region === region)!.AlarmIdentifier as Json;
    inRegion('us-east-2').Name = 'no-such-alarm';
    const brokenWatchdog = copyOf(watchdog.template);
    const alarmName = inRegion('us-east-1').Name;
    const [, alarm] = resourcesOfType(brokenWatchdog, 'AWS::CloudWatch::Alarm').find(
      ([, candidate]) => candidate.Properties?.AlarmName === alarmName,
    )!;
    Object.assign(alarm.Properties!, {
      ExtendedStatistic: 'p99',
      Period: 10,
      Metrics: [{ Id: 'm1', Expression: 'FILL(m0, 0)' }],
    });
    delete alarm.Properties!.Statistic;
    const broken = example.map((t) =>
      t === dns ? { ...t, template: brokenDns } : t === watchdog ? { ...t, template: brokenWatchdog } : t,
    );

    const problems = route53AlarmProblems(broken);

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/no \(single\) alarm named no-such-alarm in /),
        expect.stringMatching(/must watch a single metric/),
        expect.stringMatching(/uses p99; Route 53 accepts only/),
        expect.stringMatching(/has period 10; high-resolution/),
      ]),
    );
  });
});

describe('name length limits', () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html (role name 64)
  // https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html (function name 64)
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (alarm name 255)
  // https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html (log group name 512)
  // https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html (topic name 256)
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html (table name 3-255)
  it('every literal role, function, alarm, log group, topic and table name is within its limit', () => {
    expect(overAll(nameLengthProblems)).toEqual([]);
  });

  it('reports a 70-character role name and a 2-character table name', () => {
    const watchdog = exampleWatchdog();
    propertiesOf(watchdog, 'AWS::IAM::Role').RoleName = 'r'.repeat(70);
    const incidentLog = exampleIncidentLog();
    propertiesOf(incidentLog, 'AWS::DynamoDB::GlobalTable').TableName = 'ab';

    expect([...nameLengthProblems(watchdog), ...nameLengthProblems(incidentLog)]).toEqual([
      expect.stringMatching(/RoleName "r{70}" is 70 characters; allowed 1-64/),
      expect.stringMatching(/TableName "ab" is 2 characters; allowed 3-255/),
    ]);
  });
});

describe('Lambda environment size', () => {
  // "Function environment variables: 4 KB, for all environment variables associated with the function, in aggregate"
  // https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
  it('every function keeps its environment variables within 4 KB in all', () => {
    expect(overAll(lambdaEnvironmentProblems)).toEqual([]);
  });

  it('reports an environment padded past 4 KB', () => {
    const broken = exampleWatchdog();
    const environment = propertiesOf(broken, 'AWS::Lambda::Function').Environment as { Variables: Json };
    environment.Variables.PADDING = 'x'.repeat(LAMBDA_ENVIRONMENT_LIMIT_BYTES);

    expect(lambdaEnvironmentProblems(broken)).toEqual([expect.stringMatching(/Lambda allows 4096 in all$/)]);
  });
});

describe('CloudFormation template limits', () => {
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
  // (template body in S3 1 MB, passed directly 51,200 bytes: the CDK uploads larger ones to the
  // bootstrap bucket; 500 resources a stack)
  it('every template is at most 1 MB and 500 resources', () => {
    const problems = templates.flatMap((t) => templateLimitProblems(t.stackName, t.bytes, t.template));

    expect(problems).toEqual([]);
  });

  it('reports a template over 1 MB and over 500 resources', () => {
    const broken = exampleWatchdog();
    for (let index = 0; index < TEMPLATE_LIMITS.resources; index += 1) {
      broken.Resources[`Padding${index}`] = {
        Type: 'AWS::SNS::Topic',
        Properties: { DisplayName: 'x'.repeat(2100) },
      };
    }
    const bytes = Buffer.byteLength(JSON.stringify(broken));

    expect(templateLimitProblems('padded', bytes, broken)).toEqual([
      expect.stringMatching(/^padded: template is \d+ bytes; CloudFormation accepts at most 1048576/),
      expect.stringMatching(/^padded: \d+ resources; a stack may have at most 500/),
    ]);
  });
});
