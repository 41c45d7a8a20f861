import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert, Notifier } from '../../ports/alerts';

/**
 * Publishes alerts to the region's SNS topic. The message is per protocol (MessageStructure json):
 * the full body for email and HTTPS, the short text for SMS. Message attributes let subscribers
 * filter by severity, site, incident and kind, and drop a repeated alert by its id.
 */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(alert: Alert): Promise<void> {
    const attributes: Record<string, string | undefined> = {
      severity: alert.severity,
      site: alert.siteId,
      incidentId: alert.incidentId,
      kind: alert.kind,
      // An alert may go out twice when a run dies between publishing and marking it: this id tells.
      alertId: alert.alertId,
    };
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: alert.subject,
        MessageStructure: 'json',
        Message: JSON.stringify({
          default: alert.body,
          email: alert.body,
          https: alert.body,
          sms: alert.sms ?? alert.subject,
        }),
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes)
            .filter((entry): entry is [string, string] => entry[1] !== undefined)
            .map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
        ),
      }),
    );
  }
}
