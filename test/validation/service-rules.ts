/**
 * Documented AWS service rules that no resource schema encodes, as checks over synthesized
 * templates. Each returns its problems (empty when the templates follow the rule); the tests in
 * service-rules.test.ts cite the documentation each rule comes from. Values that are intrinsic
 * functions are unknown until deploy time; a rule judges them only where the rule says how.
 */
import { isIntrinsic } from './resource-schema';
import { type CfnTemplate, resourcesOfType, type SynthesizedTemplate } from './synthesized-templates';

/**
 * The region sets of DynamoDB multi-Region strong consistency, as the DynamoDB developer guide and
 * the AWS::DynamoDB::GlobalTable GlobalTableWitness reference list them. Written out here, not
 * imported from the app, so that a wrong list in the app is caught rather than copied.
 */
export const MRSC_REGION_SETS: Readonly<Record<string, readonly string[]>> = {
  US: ['us-east-1', 'us-east-2', 'us-west-2'],
  EU: ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1'],
  AP: ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3'],
};

type Json = Record<string, unknown>;

/** MRSC global tables: three replicas (or two and a witness), one region set. */
export function mrscRegionSetProblems(template: CfnTemplate): string[] {
  return strongTables(template).flatMap(([id, properties]) => {
    const replicas = ((properties.Replicas as Json[] | undefined) ?? []).map((replica) => replica.Region);
    const witnesses = ((properties.GlobalTableWitnesses as Json[] | undefined) ?? []).map((w) => w.Region);
    const regions = [...replicas, ...witnesses];
    if (regions.some((region) => typeof region !== 'string')) {
      return [`${id}: MRSC replica regions must be literal to be checked, got ${JSON.stringify(regions)}`];
    }
    const problems: string[] = [];
    if (regions.length !== 3 || witnesses.length > 1 || new Set(regions).size !== 3) {
      problems.push(
        `${id}: an MRSC global table needs exactly three replicas, or two and one witness, in three regions; got replicas ${replicas.join(', ')} and witnesses ${witnesses.join(', ') || 'none'}`,
      );
    }
    const set = Object.entries(MRSC_REGION_SETS).find(([, members]) =>
      regions.every((region) => members.includes(region as string)),
    );
    if (!set) {
      problems.push(`${id}: MRSC regions ${regions.join(', ')} are not all in one region set (US, EU or AP)`);
    }
    return problems;
  });
}

/** MRSC global tables cannot have TTL deletion. */
export function mrscTimeToLiveProblems(template: CfnTemplate): string[] {
  return strongTables(template)
    .filter(([, properties]) => properties.TimeToLiveSpecification !== undefined)
    .map(
      ([id, properties]) =>
        `${id} (${String(properties.TableName)}): an MRSC global table cannot have TimeToLiveSpecification ${JSON.stringify(properties.TimeToLiveSpecification)}`,
    );
}

function strongTables(template: CfnTemplate): [string, Json][] {
  return resourcesOfType(template, 'AWS::DynamoDB::GlobalTable')
    .map(([id, resource]): [string, Json] => [id, resource.Properties ?? {}])
    .filter(([, properties]) => properties.MultiRegionConsistency === 'STRONG');
}

/** A service that publishes to a topic of the same template, and the resource that makes it. */
interface TopicPublisher {
  topicId: string;
  service: string;
  by: string;
}

/** Who publishes to which topic: alarm actions (CloudWatch) and rule targets (EventBridge). */
export function topicPublishers(template: CfnTemplate): TopicPublisher[] {
  const topics = new Set(resourcesOfType(template, 'AWS::SNS::Topic').map(([id]) => id));
  const publishers: TopicPublisher[] = [];
  for (const [id, alarm] of resourcesOfType(template, 'AWS::CloudWatch::Alarm')) {
    for (const key of ['AlarmActions', 'OKActions', 'InsufficientDataActions']) {
      for (const action of (alarm.Properties?.[key] as unknown[] | undefined) ?? []) {
        const topicId = refOf(action);
        if (topicId && topics.has(topicId))
          publishers.push({ topicId, service: 'cloudwatch.amazonaws.com', by: id });
      }
    }
  }
  for (const [id, rule] of resourcesOfType(template, 'AWS::Events::Rule')) {
    for (const target of (rule.Properties?.Targets as Json[] | undefined) ?? []) {
      const topicId = refOf(target.Arn);
      if (topicId && topics.has(topicId))
        publishers.push({ topicId, service: 'events.amazonaws.com', by: id });
    }
  }
  return publishers;
}

/** Every publishing service needs an Allow of sns:Publish in the topic's policy, with both source conditions. */
export function topicPolicyProblems(template: CfnTemplate): string[] {
  const policies = resourcesOfType(template, 'AWS::SNS::TopicPolicy');
  return uniquePairs(topicPublishers(template)).flatMap(({ topicId, service, by }) => {
    const statements = policies
      .filter(([, policy]) =>
        ((policy.Properties?.Topics as unknown[]) ?? []).some((t) => refOf(t) === topicId),
      )
      .flatMap(([, policy]) => statementsOf(policy.Properties?.PolicyDocument));
    const allowed = statements.some(
      (statement) =>
        statement.Effect === 'Allow' &&
        servicePrincipals(statement).includes(service) &&
        actionsOf(statement).some((action) => action === 'sns:Publish' || action === 'sns:*') &&
        hasConditionKey(statement, 'aws:SourceAccount') &&
        hasConditionKey(statement, 'aws:SourceArn'),
    );
    if (!allowed) {
      return [
        `${topicId}: ${service} publishes to it (${by}) but no topic policy Allows ${service} sns:Publish with aws:SourceAccount and aws:SourceArn conditions`,
      ];
    }
    return service === 'cloudwatch.amazonaws.com'
      ? alarmOutsideSourceArn(template, statements, service, by)
      : [];
  });
}

/**
 * An alarm whose name the Allow's `aws:SourceArn` (`...:alarm:<prefix>*`) does not match would be
 * refused by SNS: its state changes would page nobody, as with no Allow at all.
 */
function alarmOutsideSourceArn(
  template: CfnTemplate,
  statements: Json[],
  service: string,
  by: string,
): string[] {
  const prefixes = statements
    .filter((statement) => statement.Effect === 'Allow' && servicePrincipals(statement).includes(service))
    .map((statement) => /:alarm:([^"*]*)\*/.exec(JSON.stringify(statement.Condition ?? {}))?.[1])
    .filter((prefix): prefix is string => prefix !== undefined);
  const name = template.Resources[by]?.Properties?.AlarmName;
  if (prefixes.includes('')) return [];
  if (typeof name === 'string' && prefixes.some((prefix) => name.startsWith(prefix))) return [];
  return [
    `${by}: its name ${JSON.stringify(name ?? '(generated)')} is outside the topic policy's aws:SourceArn alarm prefixes ${JSON.stringify(prefixes)}, so SNS would refuse its notifications`,
  ];
}

/** Every publishing service needs kms:Decrypt and kms:GenerateDataKey* on an encrypted topic's key. */
export function topicKeyPolicyProblems(template: CfnTemplate): string[] {
  return uniquePairs(topicPublishers(template)).flatMap(({ topicId, service, by }) => {
    const keyRef = template.Resources[topicId]?.Properties?.KmsMasterKeyId;
    if (keyRef === undefined) return [];
    const keyId = refOf(keyRef);
    const key = keyId ? template.Resources[keyId] : undefined;
    if (key?.Type !== 'AWS::KMS::Key') {
      return [
        `${topicId}: its key ${JSON.stringify(keyRef)} is not a key of this template, so its policy cannot be checked`,
      ];
    }
    const allowedActions = statementsOf(key.Properties?.KeyPolicy)
      .filter((statement) => statement.Effect === 'Allow' && servicePrincipals(statement).includes(service))
      .flatMap(actionsOf);
    const missing = ['kms:Decrypt', 'kms:GenerateDataKey*'].filter(
      (action) => !allowedActions.includes(action) && !allowedActions.includes('kms:*'),
    );
    return missing.length === 0
      ? []
      : [
          `${keyId}: ${service} publishes to the topic ${topicId} (${by}) but the key policy does not allow it ${missing.join(', ')}`,
        ];
  });
}

/** Statistics a Route 53 CLOUDWATCH_METRIC health check accepts on its alarm. */
export const ROUTE53_ALARM_STATISTICS = ['Average', 'Minimum', 'Maximum', 'Sum', 'SampleCount'];

/**
 * Each CLOUDWATCH_METRIC health check names an alarm that exists in the named region (in the same
 * deployment's templates), on a single metric (no metric math), a standard statistic and a
 * standard-resolution period (60 s or more).
 */
export function route53AlarmProblems(templates: readonly SynthesizedTemplate[]): string[] {
  return templates.flatMap((synthesized) =>
    resourcesOfType(synthesized.template, 'AWS::Route53::HealthCheck').flatMap(([id, check]) => {
      const config = check.Properties?.HealthCheckConfig as Json | undefined;
      if (config?.Type !== 'CLOUDWATCH_METRIC') return [];
      const alarmId = config.AlarmIdentifier as Json | undefined;
      const at = `${synthesized.stackName} ${id}`;
      if (!alarmId || typeof alarmId.Name !== 'string' || typeof alarmId.Region !== 'string') {
        return [
          `${at}: AlarmIdentifier needs a literal Name and Region to be checked, got ${JSON.stringify(alarmId)}`,
        ];
      }
      const alarms = templates
        .filter((other) => other.config === synthesized.config && other.region === alarmId.Region)
        .flatMap((other) => resourcesOfType(other.template, 'AWS::CloudWatch::Alarm'))
        .filter(([, alarm]) => alarm.Properties?.AlarmName === alarmId.Name);
      if (alarms.length !== 1) {
        return [
          `${at}: no (single) alarm named ${alarmId.Name} in ${alarmId.Region}; found ${alarms.length}`,
        ];
      }
      const alarm = alarms[0][1].Properties ?? {};
      const problems: string[] = [];
      if (
        alarm.Metrics !== undefined ||
        typeof alarm.MetricName !== 'string' ||
        alarm.Namespace === undefined
      ) {
        problems.push(
          `${at}: alarm ${alarmId.Name} must watch a single metric (MetricName and Namespace), not metric math`,
        );
      }
      if (
        alarm.ExtendedStatistic !== undefined ||
        !ROUTE53_ALARM_STATISTICS.includes(String(alarm.Statistic))
      ) {
        problems.push(
          `${at}: alarm ${alarmId.Name} uses ${String(alarm.ExtendedStatistic ?? alarm.Statistic)}; Route 53 accepts only ${ROUTE53_ALARM_STATISTICS.join(', ')}`,
        );
      }
      if (typeof alarm.Period !== 'number' || alarm.Period < 60) {
        problems.push(
          `${at}: alarm ${alarmId.Name} has period ${String(alarm.Period)}; high-resolution alarms (under 60 s) are not supported`,
        );
      }
      return problems;
    }),
  );
}

/** Physical-name length limits, checked where the name is literal. */
export const NAME_LIMITS: readonly { type: string; property: string; min: number; max: number }[] = [
  { type: 'AWS::IAM::Role', property: 'RoleName', min: 1, max: 64 },
  { type: 'AWS::Lambda::Function', property: 'FunctionName', min: 1, max: 64 },
  { type: 'AWS::CloudWatch::Alarm', property: 'AlarmName', min: 1, max: 255 },
  { type: 'AWS::Logs::LogGroup', property: 'LogGroupName', min: 1, max: 512 },
  { type: 'AWS::SNS::Topic', property: 'TopicName', min: 1, max: 256 },
  { type: 'AWS::DynamoDB::GlobalTable', property: 'TableName', min: 3, max: 255 },
  { type: 'AWS::DynamoDB::Table', property: 'TableName', min: 3, max: 255 },
];

export function nameLengthProblems(template: CfnTemplate): string[] {
  return NAME_LIMITS.flatMap(({ type, property, min, max }) =>
    resourcesOfType(template, type).flatMap(([id, resource]) => {
      const name = resource.Properties?.[property];
      if (typeof name !== 'string' || (name.length >= min && name.length <= max)) return [];
      return [`${id}: ${type} ${property} "${name}" is ${name.length} characters; allowed ${min}-${max}`];
    }),
  );
}

/** Lambda's limit on a function's environment variables, all keys and values together. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * What an unresolved value (a Ref or GetAtt, e.g. a topic ARN) is counted as: generously above any
 * ARN our functions receive, so the estimate errs on the side of failing.
 */
export const UNRESOLVED_VALUE_BYTES = 256;

/** The environment's size: literal keys and values exactly, each intrinsic at UNRESOLVED_VALUE_BYTES. */
export function environmentBytes(variables: Json): number {
  return Object.entries(variables).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + valueBytes(value),
    0,
  );
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).length;
  if (isIntrinsic(value)) {
    const join = (value as Json)['Fn::Join'] as [string, unknown[]] | undefined;
    if (join && Array.isArray(join[1])) {
      return (
        join[1].reduce<number>((sum, part) => sum + valueBytes(part), 0) + join[0].length * join[1].length
      );
    }
    return UNRESOLVED_VALUE_BYTES;
  }
  return Buffer.byteLength(JSON.stringify(value));
}

export function lambdaEnvironmentProblems(template: CfnTemplate): string[] {
  return resourcesOfType(template, 'AWS::Lambda::Function').flatMap(([id, fn]) => {
    const variables = (fn.Properties?.Environment as Json | undefined)?.Variables as Json | undefined;
    const bytes = variables ? environmentBytes(variables) : 0;
    return bytes <= LAMBDA_ENVIRONMENT_LIMIT_BYTES
      ? []
      : [
          `${id}: environment variables take about ${bytes} bytes; Lambda allows ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} in all`,
        ];
  });
}

/** CloudFormation's limits on a template uploaded to S3 (the CDK uploads any over 51,200 bytes). */
export const TEMPLATE_LIMITS = { s3Bytes: 1_048_576, directBytes: 51_200, resources: 500 };

export function templateLimitProblems(stackName: string, bytes: number, template: CfnTemplate): string[] {
  const problems: string[] = [];
  if (bytes > TEMPLATE_LIMITS.s3Bytes) {
    problems.push(
      `${stackName}: template is ${bytes} bytes; CloudFormation accepts at most ${TEMPLATE_LIMITS.s3Bytes} from S3`,
    );
  }
  const resources = Object.keys(template.Resources).length;
  if (resources > TEMPLATE_LIMITS.resources) {
    problems.push(
      `${stackName}: ${resources} resources; a stack may have at most ${TEMPLATE_LIMITS.resources}`,
    );
  }
  return problems;
}

function refOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const json = value as Json;
  if (typeof json.Ref === 'string') return json.Ref;
  const getAtt = json['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

function statementsOf(document: unknown): Json[] {
  const statement = (document as Json | undefined)?.Statement;
  if (Array.isArray(statement)) return statement as Json[];
  return statement ? [statement as Json] : [];
}

function servicePrincipals(statement: Json): string[] {
  const service = ((statement.Principal as Json | undefined)?.Service ?? []) as string | string[];
  return Array.isArray(service) ? service : [service];
}

function actionsOf(statement: Json): string[] {
  const action = (statement.Action ?? []) as string | string[];
  return Array.isArray(action) ? action : [action];
}

function hasConditionKey(statement: Json, key: string): boolean {
  const condition = (statement.Condition ?? {}) as Record<string, Json>;
  return Object.values(condition).some((operator) => Object.keys(operator).includes(key));
}

function uniquePairs(publishers: TopicPublisher[]): TopicPublisher[] {
  const seen = new Set<string>();
  return publishers.filter(({ topicId, service }) => {
    const key = `${topicId} ${service}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
