/**
 * A tiny local emulation of the two SNS actions the CLI's practice uses, in SNS's query protocol
 * (form-encoded POST, XML answers), for CLI processes pointed at it with AWS_ENDPOINT_URL_SNS:
 * ListSubscriptionsByTopic answers the subscriptions a test set for a topic (unconfirmed ones with
 * the SubscriptionArn `PendingConfirmation`, as SNS does), and Publish records the message.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One subscription a test gives a topic. */
export interface LocalSubscription {
  protocol: string;
  endpoint: string;
  confirmed: boolean;
}

/** One recorded Publish. */
export interface RecordedPublish {
  topicArn: string;
  subject: string;
  message: string;
  /** Message attributes by name (string values). */
  attributes: Record<string, string>;
  /** The region in the request's SigV4 credential scope. */
  region: string;
}

export interface LocalSns {
  endpoint: string;
  published: RecordedPublish[];
  /** Creates (or replaces) a topic with these subscriptions. */
  setSubscriptions(topicArn: string, subscriptions: LocalSubscription[]): void;
  stop(): Promise<void>;
}

const NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';

/** Starts the emulator on a free loopback port. */
export async function startLocalSns(): Promise<LocalSns> {
  const topics = new Map<string, LocalSubscription[]>();
  const published: RecordedPublish[] = [];
  const server: Server = createServer(async (request, response) => {
    const form = new URLSearchParams(await readBody(request));
    const region =
      /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(request.headers.authorization))?.[1] ?? '';
    const topicArn = form.get('TopicArn') ?? '';
    const answer = (status: number, xml: string) => {
      response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': 'local-request' });
      response.end(`<?xml version="1.0"?>\n${xml}`);
    };
    const subscriptions = topics.get(topicArn);
    if (!subscriptions) {
      answer(
        404,
        `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>local-request</RequestId></ErrorResponse>`,
      );
      return;
    }
    switch (form.get('Action')) {
      case 'ListSubscriptionsByTopic': {
        const members = subscriptions
          .map(
            (subscription, index) =>
              `<member><TopicArn>${topicArn}</TopicArn><Protocol>${subscription.protocol}</Protocol>` +
              `<SubscriptionArn>${subscription.confirmed ? `${topicArn}:sub-${index}` : 'PendingConfirmation'}</SubscriptionArn>` +
              `<Owner>111111111111</Owner><Endpoint>${escapeXml(subscription.endpoint)}</Endpoint></member>`,
          )
          .join('');
        answer(
          200,
          `<ListSubscriptionsByTopicResponse xmlns="${NAMESPACE}"><ListSubscriptionsByTopicResult><Subscriptions>${members}</Subscriptions></ListSubscriptionsByTopicResult><ResponseMetadata><RequestId>local-request</RequestId></ResponseMetadata></ListSubscriptionsByTopicResponse>`,
        );
        return;
      }
      case 'Publish': {
        const attributes: Record<string, string> = {};
        for (let index = 1; form.has(`MessageAttributes.entry.${index}.Name`); index++) {
          attributes[form.get(`MessageAttributes.entry.${index}.Name`) ?? ''] =
            form.get(`MessageAttributes.entry.${index}.Value.StringValue`) ?? '';
        }
        published.push({
          topicArn,
          subject: form.get('Subject') ?? '',
          message: form.get('Message') ?? '',
          attributes,
          region,
        });
        answer(
          200,
          `<PublishResponse xmlns="${NAMESPACE}"><PublishResult><MessageId>local-${published.length}</MessageId></PublishResult><ResponseMetadata><RequestId>local-request</RequestId></ResponseMetadata></PublishResponse>`,
        );
        return;
      }
      default:
        answer(
          400,
          `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>not emulated</Message></Error><RequestId>local-request</RequestId></ErrorResponse>`,
        );
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    published,
    setSubscriptions: (topicArn, subscriptions) => {
      topics.set(topicArn, subscriptions);
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
