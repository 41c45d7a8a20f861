import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import {
  alertTopicCheck,
  listTopicSubscriptions,
  TopicSubscriptionsError,
} from '../../../lambdas/adapters/sns/topic-subscriptions';

const TOPIC = 'arn:aws:sns:us-east-1:111111111111:acme-voice-alerts';

describe('listTopicSubscriptions', () => {
  it('reads every page and counts only subscriptions with an ARN as confirmed', async () => {
    const client = new SNSClient({ region: 'us-east-1' });
    const sns = mockClient(client);
    sns
      .on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC, NextToken: undefined })
      .resolves({
        Subscriptions: [{ Protocol: 'email', SubscriptionArn: 'PendingConfirmation' }],
        NextToken: 'page-2',
      })
      .on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC, NextToken: 'page-2' })
      .resolves({
        Subscriptions: [
          { Protocol: 'sms', SubscriptionArn: `${TOPIC}:5f1e` },
          { Protocol: 'https', SubscriptionArn: 'Deleted' },
        ],
      });

    const subscriptions = await listTopicSubscriptions(client, TOPIC);

    expect(subscriptions).toEqual([
      { protocol: 'email', confirmed: false },
      { protocol: 'sms', confirmed: true },
      { protocol: 'https', confirmed: false },
    ]);
    expect(sns.commandCalls(ListSubscriptionsByTopicCommand)).toHaveLength(2);
  });

  it('says which permission is missing when SNS refuses the call', async () => {
    const client = new SNSClient({ region: 'us-east-1' });
    mockClient(client)
      .on(ListSubscriptionsByTopicCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AuthorizationErrorException' }));

    const check = alertTopicCheck('us-east-1', client, TOPIC);

    await expect(check.subscriptions()).rejects.toThrow(TopicSubscriptionsError);
    await expect(check.subscriptions()).rejects.toThrow(
      'ListSubscriptionsByTopic failed (AuthorizationErrorException); grant sns:ListSubscriptionsByTopic on the topic',
    );
  });
});
