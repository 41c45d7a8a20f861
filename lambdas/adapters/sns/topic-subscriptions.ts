/**
 * An alert topic's subscriptions, for the practice run's check that alerts reach somebody. SNS lists
 * a subscription that was never confirmed with the SubscriptionArn `PendingConfirmation`: it
 * delivers nothing, so it counts as none.
 */
import {
  ListSubscriptionsByTopicCommand,
  type ListSubscriptionsByTopicCommandOutput,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { CarrierFailoverError } from '../../contracts/errors';
import type { AlertTopicCheck, TopicSubscription } from '../../ports/practice';

/** The topic's subscriptions could not be listed (permission, missing topic, SNS not answering). */
export class TopicSubscriptionsError extends CarrierFailoverError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: true });
    this.name = 'TopicSubscriptionsError';
  }
}

/** Every subscription of `topicArn`, following NextToken through all pages. */
export async function listTopicSubscriptions(
  client: SNSClient,
  topicArn: string,
): Promise<TopicSubscription[]> {
  const subscriptions: TopicSubscription[] = [];
  let nextToken: string | undefined;
  do {
    let page: ListSubscriptionsByTopicCommandOutput;
    try {
      page = await client.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: nextToken }),
      );
    } catch (error) {
      const name = (error as { name?: string } | undefined)?.name ?? 'Error';
      const hint =
        name === 'AuthorizationErrorException' || name === 'AccessDeniedException'
          ? '; grant sns:ListSubscriptionsByTopic on the topic'
          : name === 'NotFoundException'
            ? '; the topic does not exist in this region'
            : '';
      throw new TopicSubscriptionsError(`ListSubscriptionsByTopic failed (${name})${hint}`, { cause: error });
    }
    for (const subscription of page.Subscriptions ?? []) {
      subscriptions.push({
        protocol: subscription.Protocol ?? 'unknown',
        confirmed: isConfirmed(subscription.SubscriptionArn),
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return subscriptions;
}

/** A confirmed subscription has an ARN; `PendingConfirmation` and `Deleted` are not ARNs. */
function isConfirmed(subscriptionArn: string | undefined): boolean {
  return subscriptionArn?.startsWith('arn:') === true;
}

/** The practice check of one region's topic. */
export function alertTopicCheck(region: string, client: SNSClient, topicArn: string): AlertTopicCheck {
  return { region, subscriptions: () => listTopicSubscriptions(client, topicArn) };
}
