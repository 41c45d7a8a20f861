import { Duration, Validations } from 'aws-cdk-lib';
import { type Grant, type IGrantable, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
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
}

/**
 * A region's alert topic: SNS encrypted with its own customer-managed KMS key (rotated yearly),
 * TLS enforced, with the configured email, SMS and HTTPS subscriptions. CloudWatch alarms may use
 * the key, so alarm actions can publish to the encrypted topic.
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
    for (const email of props.emails) this.topic.addSubscription(new EmailSubscription(email));
    for (const number of props.smsNumbers) this.topic.addSubscription(new SmsSubscription(number));
    for (const url of props.httpsEndpoints) this.topic.addSubscription(new UrlSubscription(url));
  }
}
