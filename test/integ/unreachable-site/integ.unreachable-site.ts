/**
 * Deployed test: a small copy of carrier-failover in two regions (us-east-1 home, us-west-2), one
 * primary site whose only SBC is unreachable (192.0.2.1, TEST-NET-1), the signed webhook carrier
 * pointed at a test endpoint, and an SQS inbox subscribed to the home region's alert topic. The
 * assertions (integ-tests-alpha) invoke the home region's probe, then wait for the site's incident
 * in the incident table and for its "DOWN" alert in the inbox; then they force the home region's
 * probe-heartbeat alarm to ALARM (CloudWatch SetAlarmState) and wait for that alarm's notification in
 * the inbox, which proves that the alert topic's policy and key let CloudWatch alarms publish (a
 * topic policy with only the TLS Deny drops every alarm action without a trace). An assertion that
 * fails fails the deployment of the assertion stack.
 *
 * `npm run integ -- --profile P` (test/integ/run-integ.ts) deploys it, reports, and destroys it.
 *
 * Run it with credentials for a sandbox account. With an integ-runner whose toolkit reads cloud
 * assembly schema 55 (aws-cdk-lib 2.276; 2.197.10, the newest in our registry, reads up to 53):
 *
 *   npx integ-runner --directory test/integ --app "npx tsx {filePath}" \
 *     --test-regex "^integ\..*\.ts$" --parallel-regions us-east-1 --force
 *
 * (`--force`: integ-runner otherwise deploys only tests whose snapshot changed.) With the project's
 * own CDK CLI, which reads it today:
 *
 *   APP="npx tsx test/integ/unreachable-site/integ.unreachable-site.ts"
 *   npx cdk deploy --app "$APP" --all --require-approval never && npx cdk destroy --app "$APP" --all --force
 *
 * Environment (all optional): CARRIER_FAILOVER_INTEG_WEBHOOK_URL, an https endpoint that speaks the
 * webhook contract (default: an .invalid host, so forwarding fails and is reported, which the
 * assertions allow); CARRIER_FAILOVER_INTEG_NAME, the deployment name (default `cfinteg`; change it
 * to deploy again within the 7-day deletion window of the test's webhook secret).
 *
 * Offline, test/integ/unreachable-site/snapshot.test.ts synthesizes this app and compares its
 * templates with the ones in snapshot/ beside this file (UPDATE_INTEG_SNAPSHOT=1 rewrites them).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExpectedResult, IntegTest, InvocationType, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Aspects, CfnResource, Duration, type IAspect, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnGlobalTable } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { stringify } from 'yaml';
import { deploymentNames } from '../../../lambdas/contracts/deployment-names';
import { INCIDENT_TABLE } from '../../../lambdas/contracts/incident-table-design';
import { loadDeployment } from '../../../lib/config/load-config';
import { addCarrierFailoverStacks } from '../../../lib/deploy/carrier-failover-app';

const NAME = process.env.CARRIER_FAILOVER_INTEG_NAME ?? 'cfinteg';
/**
 * The account deployed to (the CLI's, when integ-runner deploys); the dummy one when integ-runner
 * synthesizes the snapshot (it passes no real account), so the snapshot is the same on every machine.
 */
const ACCOUNT = /^\d{12}$/.test(process.env.CDK_DEFAULT_ACCOUNT ?? '')
  ? (process.env.CDK_DEFAULT_ACCOUNT as string)
  : '111111111111';
const HOME = 'us-east-1';
const REGIONS = [HOME, 'us-west-2'];
const SITE = 'integ-primary';
const WEBHOOK_URL =
  process.env.CARRIER_FAILOVER_INTEG_WEBHOOK_URL ?? 'https://webhook-receiver.invalid/carrier-failover';
const SECRET_NAME = `${NAME}/carriers/webhook`;

/** Deletes everything the test deployed, deletion-protected table replicas included. */
class DestroyAspect implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof CfnResource) node.applyRemovalPolicy(RemovalPolicy.DESTROY);
    if (node instanceof CfnGlobalTable) {
      REGIONS.forEach((_, index) => {
        node.addPropertyOverride(`Replicas.${index}.DeletionProtectionEnabled`, false);
      });
    }
  }
}

/** The test deployment's config and plan, written where the loader reads them. */
function writeTestDeployment(): string {
  const dir = mkdtempSync(join(tmpdir(), 'carrier-failover-integ-'));
  writeFileSync(
    join(dir, 'numbers.csv'),
    [
      'number,carrier,site,forwardTo,label',
      `+15555550100,webhook,${SITE},+15555550199,integ 1`,
      `+15555550101,webhook,${SITE},+15555550199,integ 2`,
      '',
    ].join('\n'),
  );
  const configPath = join(dir, 'config.yaml');
  writeFileSync(
    configPath,
    stringify({
      deployment: NAME,
      account: ACCOUNT,
      homeRegion: HOME,
      watchdogRegions: REGIONS,
      sites: [{ id: SITE, role: 'primary', sip: [{ host: '192.0.2.1', port: 5060, transport: 'udp' }] }],
      // One region's two failed rounds trip it: the test needs no quorum of regions to see a trip.
      detection: {
        probeIntervalSeconds: 10,
        failuresToTrip: 2,
        quorum: 1,
        recoveryHoldMinutes: 10,
        probeTimeoutMs: 2000,
      },
      carriers: { webhook: { secretName: SECRET_NAME, baseUrl: WEBHOOK_URL } },
      forwardingPlan: 'numbers.csv',
      failback: { mode: 'manual' },
      practice: { enabled: false },
      runbooks: {
        'site-unreachable': { title: 'Integration test site unreachable', steps: ['Nothing to do: a test.'] },
      },
    }),
  );
  return configPath;
}

// Strong references, as the default would be; said explicitly so synth does not warn about it.
const app = new App({ context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong' } });
const stacks = addCarrierFailoverStacks(app, loadDeployment(writeTestDeployment()));
const home = stacks.watchdogs.find((watchdog) => watchdog.region === HOME)!;
for (const watchdog of stacks.watchdogs) {
  // The functions read the webhook's signing secret from this region's Secrets Manager.
  new Secret(watchdog, 'IntegWebhookSecret', {
    secretName: SECRET_NAME,
    generateSecretString: {
      secretStringTemplate: '{}',
      generateStringKey: 'signingSecret',
      passwordLength: 40,
      excludePunctuation: true,
    },
  });
}
// Where the home region's alerts can be read back. SQS-managed encryption: SNS delivers from the
// KMS-encrypted topic to it with no key policy of ours (a queue under a customer-managed key would
// need that key to allow sns.amazonaws.com kms:GenerateDataKey* and kms:Decrypt); SqsSubscription
// adds the queue policy that lets this topic send.
const inbox = new Queue(home, 'IntegAlertInbox', {
  encryption: QueueEncryption.SQS_MANAGED,
  enforceSSL: true,
});
home.alerts.topic.addSubscription(new SqsSubscription(inbox));
Aspects.of(app).add(new DestroyAspect());

const integ = new IntegTest(app, 'UnreachableSite', {
  testCases: [stacks.incidentLog, ...stacks.watchdogs],
  assertionStack: new Stack(app, `${NAME}-unreachable-site-assertions`, {
    env: { account: ACCOUNT, region: HOME },
  }),
  diffAssets: false,
  stackUpdateWorkflow: false,
  regions: [HOME],
});

// One probe invocation probes for most of a minute: enough failed rounds to trip.
const probed = integ.assertions.invokeFunction({
  functionName: home.probe.function.functionName,
  invocationType: InvocationType.REQUEST_RESPONSE,
  payload: JSON.stringify({}),
});

const incident = integ.assertions
  .awsApiCall('DynamoDB', 'query', {
    TableName: deploymentNames.incidentTable(NAME),
    IndexName: INCIDENT_TABLE.bySiteIndex.indexName,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': INCIDENT_TABLE.bySiteIndex.partitionKey },
    ExpressionAttributeValues: { ':pk': { S: `SITE#${SITE}` } },
  })
  .expect(
    ExpectedResult.objectLike({
      Items: Match.arrayWith([
        Match.objectLike({
          siteId: { S: SITE },
          kind: { S: 'outage' },
          failureKind: { S: 'site-unreachable' },
          openedBy: { M: Match.objectLike({ type: { S: 'probe' } }) },
        }),
      ]),
    }),
  )
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) });

/** Reads the inbox, as one assertion call; `VisibilityTimeout: 0` makes every poll see every alert. */
function readInbox() {
  return integ.assertions.awsApiCall('SQS', 'receiveMessage', {
    QueueUrl: inbox.queueUrl,
    MaxNumberOfMessages: 10,
    VisibilityTimeout: 0,
    WaitTimeSeconds: 10,
  });
}

const alert = readInbox()
  .expect(
    ExpectedResult.objectLike({
      Messages: Match.arrayWith([Match.objectLike({ Body: Match.stringLikeRegexp(`${SITE}: DOWN:`) })]),
    }),
  )
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) });

// Finding 2 of issue 18: alarm actions must reach the encrypted topic. The heartbeat alarm alerts on
// ALARM and OK; its name is the one cdk-monitoring-constructs gave it.
const heartbeatAlarmName = home.operations.monitoring
  .createdAlarms()
  .find((created) => created.alarm === home.operations.heartbeatAlarm)?.alarmName;
if (!heartbeatAlarmName) throw new Error('the home watchdog has no heartbeat alarm');
/** Only this test's forced change carries it, not a real evaluation of the alarm. */
const FORCED_REASON = 'forced to ALARM by the carrier-failover integ test';
// SetAlarmState runs the alarm's actions only when the state changes: set OK first, so ALARM is a
// change whatever state the alarm is in (its next evaluation puts the real state back).
const alarmReset = integ.assertions.awsApiCall('CloudWatch', 'setAlarmState', {
  AlarmName: heartbeatAlarmName,
  StateValue: 'OK',
  StateReason: 'reset by the carrier-failover integ test',
});
const alarmForced = integ.assertions.awsApiCall('CloudWatch', 'setAlarmState', {
  AlarmName: heartbeatAlarmName,
  StateValue: 'ALARM',
  StateReason: FORCED_REASON,
});
// The SQS body is SNS's JSON envelope; the alarm's own JSON (AlarmName, NewStateValue,
// NewStateReason) is a string inside its `Message`, so the match is on the text.
const alarmAlert = readInbox()
  .expect(
    ExpectedResult.objectLike({
      Messages: Match.arrayWith([
        Match.objectLike({
          Body: Match.stringLikeRegexp(`^(?=[\\s\\S]*${heartbeatAlarmName})(?=[\\s\\S]*${FORCED_REASON})`),
        }),
      ]),
    }),
  )
  .waitForAssertions({ totalTimeout: Duration.minutes(3), interval: Duration.seconds(15) });

probed.next(incident).next(alert).next(alarmReset).next(alarmForced).next(alarmAlert);
