import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Effect, type Grant, type IGrantable, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Alias, Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SmsSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { policyOwner } from './policy-owner';

export interface AlertTopicProps {
  /** Shown as the sender of SMS and email alerts. At most 100 characters. */
  readonly displayName: string;
  readonly emails: readonly string[];
  /** E.164 numbers. */
  readonly smsNumbers: readonly string[];
  readonly httpsEndpoints: readonly string[];
  /**
   * Only CloudWatch alarms of this account and region whose names start with this may publish to
   * the topic (the `aws:SourceArn` condition of the topic policy), e.g. the deployment name followed
   * by a dash when every alarm of the deployment is named so.
   * @default every alarm of this account and region
   */
  readonly alarmNamePrefix?: string;
}

/**
 * A region's alert topic: SNS encrypted with its own customer-managed KMS key (rotated yearly),
 * TLS enforced, with the configured email, SMS and HTTPS subscriptions. CloudWatch alarms of this
 * account and region may publish to it (topic policy) and use its key (key policy), so alarm actions
 * reach the encrypted topic.
 *
 * The topic policy needs that Allow: `enforceSSL` writes an AWS::SNS::TopicPolicy, and any topic
 * policy replaces SNS's default one, so with the TLS Deny alone no service principal may publish and
 * every alarm action fails without a trace. Our functions publish with their roles' identity
 * policies (same account), which the Deny-only policy does not block over TLS. No other service
 * (EventBridge, Route 53) publishes to the topic.
 */
export class AlertTopic extends Construct {
  readonly topic: Topic;
  readonly key: Key;

  /** Lets a function publish alerts: sns:Publish on this topic and data keys of this topic's key only. */
  grantPublish(grantee: IGrantable): Grant {
    Validations.of(policyOwner(grantee)).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        "kms:GenerateDataKey* is scoped to this alert topic's own key; publishing to an encrypted topic needs it.",
    });
    return this.topic.grantPublish(grantee);
  }

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: `Encrypts the ${props.displayName} alert topic`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
    });
    // Alarm actions publish as the CloudWatch service; without this the publish fails silently.
    // No aws:SourceArn/SourceAccount conditions here: the SNS guide's key policy for AWS service
    // event sources has none, and a condition the KMS request may not carry would drop every alert.
    // The topic policy's conditions already decide which alarms may publish at all.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    new Alias(this, 'KeyAlias', { aliasName: `alias/${props.displayName}-alerts`, targetKey: this.key });
    this.topic = new Topic(this, 'Topic', {
      displayName: props.displayName.slice(0, 100),
      masterKey: this.key,
      enforceSSL: true,
    });
    // The confused-deputy guard AWS recommends for service principals: only our account's alarms.
    // https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
    const { account, region, partition } = Stack.of(this);
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: {
            'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:${props.alarmNamePrefix ?? ''}*`,
          },
        },
      }),
    );
    for (const email of props.emails) this.topic.addSubscription(new EmailSubscription(email));
    for (const number of props.smsNumbers) this.topic.addSubscription(new SmsSubscription(number));
    for (const url of props.httpsEndpoints) this.topic.addSubscription(new UrlSubscription(url));
  }
}
