import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListSubscriptionsByTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { createCarrierAccess } from '../../lambdas/adapters/carriers/carrier-access';
import { EnvironmentCredentialSource } from '../../lambdas/adapters/carriers/credentials';
import { DynamoDbForwardingStateStore } from '../../lambdas/adapters/dynamodb/forwarding-state-store';
import { DynamoDbIncidentStore } from '../../lambdas/adapters/dynamodb/incident-store';
import { DynamoDbRoutingBaselineStore } from '../../lambdas/adapters/dynamodb/routing-baseline-store';
import { orchestratorDryRunCheck } from '../../lambdas/adapters/lambda/orchestrator-dry-run';
import { seededRandom } from '../../lambdas/adapters/local/seeded-random';
import { SnsNotifier } from '../../lambdas/adapters/sns/sns-notifier';
import { alertTopicCheck } from '../../lambdas/adapters/sns/topic-subscriptions';
import type { CarrierName } from '../../lambdas/contracts/config/schema';
import { practiceRegionOfWeek } from '../../lambdas/domain/practice/practice-schedule';
import {
  handlePracticeEvent,
  PracticeAlertError,
  type PracticeDependencies,
} from '../../lambdas/handlers/practice';
import type { RoutingSnapshot } from '../../lambdas/ports/carriers';
import type { FakeCarrierServer } from '../../lib/developer/carrier-fakes/fake-carrier-server';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../lib/developer/far-side/local-incident-table';
import { FakeClock } from '../domain/forwarding/fake-clock';
import {
  CANARIES,
  PRACTICE_CARRIERS,
  type PracticeDeployment,
  startPracticeDeployment,
} from '../support/practice-deployment';

const TOPIC = 'arn:aws:sns:us-east-1:111111111111:acme-voice-alerts';
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'];
/** A Tuesday 15:00 UTC; the test runs in whichever region's week it is. */
const T0 = Date.UTC(2026, 10, 24, 15, 0, 0);
const REGION = practiceRegionOfWeek(T0, REGIONS) as string;
const OTHER_REGIONS = REGIONS.filter((region) => region !== REGION);
const SCHEDULED = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
const context = { awsRequestId: 'req-practice-1', getRemainingTimeInMillis: () => 600_000 };

describe('practice handler', () => {
  let deployment: PracticeDeployment;
  let table: LocalIncidentTable;
  let sns: SNSClient;
  let snsMock: AwsClientStub<SNSClient>;
  let lambdas: Map<string, { client: LambdaClient; mock: AwsClientStub<LambdaClient> }>;
  let credentials: Record<string, string>;
  let spies: jest.SpyInstance[];

  const incidents = () => new DynamoDbIncidentStore(table.documentClient, table.tableName);
  const fakeOf = (carrier: CarrierName) => deployment.carriers.fakes[carrier] as FakeCarrierServer;
  const access = () =>
    createCarrierAccess(deployment.config.carriers, new EnvironmentCredentialSource(deployment.credentials), {
      pollIntervalMs: 10,
    });
  const canaryRouting = async (): Promise<Record<string, RoutingSnapshot>> => {
    const carriers = access();
    const entries = await Promise.all(
      PRACTICE_CARRIERS.map(async (name) => [
        name,
        await (await carriers.open(name)).readRouting(CANARIES[name].number),
      ]),
    );
    return Object.fromEntries(entries);
  };
  /** Accepted writes at every fake, as [carrier, numbers changed]. */
  const writes = () =>
    PRACTICE_CARRIERS.flatMap((name) =>
      fakeOf(name)
        .requests.filter((entry) => entry.write)
        .map((entry) => [name, entry.applied.join(',')]),
    );
  const publishes = () => snsMock.commandCalls(PublishCommand).map((call) => call.args[0].input);

  function dependencies(): PracticeDependencies {
    return {
      files: { config: deployment.config, plan: deployment.plan },
      incidents: incidents(),
      numbers: new DynamoDbForwardingStateStore(table.documentClient, table.tableName),
      notifier: new SnsNotifier(sns, TOPIC),
      access: createCarrierAccess(deployment.config.carriers, new EnvironmentCredentialSource(credentials), {
        pollIntervalMs: 10,
      }),
      orchestrators: OTHER_REGIONS.map((region) =>
        orchestratorDryRunCheck(lambdas.get(region)!.client, region, 'acme-voice-orchestrator'),
      ),
      alertTopics: [alertTopicCheck(REGION, sns, TOPIC)],
      baseline: new DynamoDbRoutingBaselineStore(table.documentClient, table.tableName),
      clock: new FakeClock(T0),
      random: seededRandom(7),
      region: REGION,
      regions: REGIONS,
    };
  }

  beforeEach(async () => {
    deployment = await startPracticeDeployment();
    credentials = { ...deployment.credentials };
    table = await startLocalIncidentTable();
    sns = new SNSClient({ region: REGION });
    snsMock = mockClient(sns);
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    snsMock.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [{ Protocol: 'email', SubscriptionArn: `${TOPIC}:0b1c`, TopicArn: TOPIC }],
    });
    lambdas = new Map(
      OTHER_REGIONS.map((region) => {
        const client = new LambdaClient({ region });
        const mock = mockClient(client);
        mock.on(InvokeCommand).resolves({ StatusCode: 204 });
        return [region, { client, mock }];
      }),
    );
    // Powertools logs to stdout/stderr: keep the test output readable.
    spies = [process.stdout, process.stderr].map((stream) =>
      jest.spyOn(stream, 'write').mockImplementation(() => true),
    );
  });

  afterEach(async () => {
    for (const spy of spies) spy.mockRestore();
    await deployment.carriers.stop();
    await table.stop();
  });

  it('forwards and restores only the canaries, records a resolved practice incident, and sends one quiet info alert', async () => {
    const before = await canaryRouting();

    const result = await handlePracticeEvent(SCHEDULED, context, dependencies());

    expect(result).toMatchObject({ status: 'passed', incidentId: 'practice-20261124T150000Z', problems: [] });
    // Exactly a forward and a restore per canary, and nothing else written at any carrier.
    expect(writes().sort()).toEqual(
      PRACTICE_CARRIERS.flatMap((name) => [
        [name, CANARIES[name].number],
        [name, CANARIES[name].number],
      ]).sort(),
    );
    expect(await canaryRouting()).toEqual(before);
    expect(deployment.carriers.violations()).toEqual([]);
    const incident = await incidents().get('practice-20261124T150000Z');
    expect(incident).toMatchObject({
      siteId: 'practice',
      kind: 'practice',
      status: 'resolved',
      numbers: { total: 3, forwarded: 3, failed: 0, restored: 3 },
      openedBy: { type: 'schedule', region: REGION },
      practice: { passed: true, problems: [] },
    });
    for (const canary of incident?.practice?.canaries ?? []) {
      expect(Object.keys(canary.durationsMs).sort()).toEqual(
        ['forward', 'read', 'restore', 'verify-forward', 'verify-restore'].sort(),
      );
    }
    expect(await incidents().getActive('phx-primary')).toBeUndefined();
    expect(await incidents().getActive('practice')).toBeUndefined();
    expect(publishes()).toHaveLength(1);
    expect(publishes()[0]).toMatchObject({
      TopicArn: TOPIC,
      Subject:
        '[acme-voice] PRACTICE practice: practice passed: 3 canaries forwarded and restored, all checks ok',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'info' },
        kind: { DataType: 'String', StringValue: 'practice-passed' },
      },
    });
    const invoked = [...lambdas.values()].flatMap(({ mock }) =>
      mock.commandCalls(InvokeCommand).map((call) => call.args[0].input),
    );
    expect(invoked).toEqual(
      OTHER_REGIONS.map(() => ({ FunctionName: 'acme-voice-orchestrator', InvocationType: 'DryRun' })),
    );
  });

  it('raises a high alert naming a rejected credential and leaves that canary untouched', async () => {
    credentials.TELNYX_API_KEY = 'KEYrevoked';
    const before = await canaryRouting();

    const result = await handlePracticeEvent(SCHEDULED, context, dependencies());

    expect(result).toMatchObject({
      status: 'failed',
      problems: ['telnyx: 401 from the API, credential rejected'],
    });
    expect(publishes()).toHaveLength(1);
    expect(publishes()[0]).toMatchObject({
      Subject:
        '[acme-voice] PRACTICE practice: failover path broken: telnyx: 401 from the API, credential rejected',
      MessageAttributes: {
        severity: { StringValue: 'high' },
        kind: { StringValue: 'practice-failed' },
      },
    });
    expect(fakeOf('telnyx').writesTo(CANARIES.telnyx.number)).toBe(0);
    expect(fakeOf('twilio').writesTo(CANARIES.twilio.number)).toBe(2);
    expect(await canaryRouting()).toEqual(before);
  });

  it('raises a high alert naming a carrier that answers 500, and leaves the canary restored', async () => {
    const twilio = fakeOf('twilio');
    // Every forward of the canary fails; reads and the restore go through.
    twilio.failNext('http-500', {
      count: 1000,
      when: (request) =>
        request.method === 'POST' &&
        decodeURIComponent(decodeURIComponent(request.body)).includes('canary@sbc1.dal.example.net'),
    });
    const before = await canaryRouting();

    const result = await handlePracticeEvent(SCHEDULED, context, dependencies());

    expect(result).toMatchObject({
      status: 'failed',
      problems: ['twilio: 500 from the API while forwarding'],
    });
    expect(publishes()[0].Subject).toBe(
      '[acme-voice] PRACTICE practice: failover path broken: twilio: 500 from the API while forwarding',
    );
    expect(publishes()[0].MessageAttributes?.severity?.StringValue).toBe('high');
    expect(await canaryRouting()).toEqual(before);
    expect(twilio.requests.filter((entry) => entry.fault === 'http-500').length).toBeGreaterThan(0);
  });

  it('restores a canary whose restore first meets a 500', async () => {
    const telnyx = fakeOf('telnyx');
    const before = await canaryRouting();
    // The first write that puts the saved (unforwarded) setting back fails once.
    telnyx.failNext('http-500', {
      when: (request) => request.method === 'PATCH' && !request.body.includes(CANARIES.telnyx.forwardTo),
    });

    const result = await handlePracticeEvent(SCHEDULED, context, dependencies());

    expect(result).toMatchObject({ status: 'passed' });
    expect(telnyx.requests.some((entry) => entry.fault === 'http-500')).toBe(true);
    expect(await canaryRouting()).toEqual(before);
  });

  it("raises a high alert naming an unreachable region's orchestrator, with the canaries restored", async () => {
    const [unreachable] = OTHER_REGIONS;
    lambdas
      .get(unreachable)!
      .mock.on(InvokeCommand)
      .rejects(Object.assign(new Error('connect ETIMEDOUT 52.94.0.1:443'), { name: 'TimeoutError' }));
    const before = await canaryRouting();

    const result = await handlePracticeEvent(SCHEDULED, context, dependencies());

    expect(result).toMatchObject({
      status: 'failed',
      problems: [`orchestrator in ${unreachable} unreachable: TimeoutError: connect ETIMEDOUT 52.94.0.1:443`],
    });
    expect(publishes()[0]).toMatchObject({
      Subject: expect.stringContaining(`failover path broken: orchestrator in ${unreachable} unreachable`),
      MessageAttributes: { severity: { StringValue: 'high' } },
    });
    for (const name of PRACTICE_CARRIERS) expect(fakeOf(name).writesTo(CANARIES[name].number)).toBe(2);
    expect(await canaryRouting()).toEqual(before);
  });

  it('raises a high alert when the topic has only a subscription pending confirmation', async () => {
    snsMock.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [{ Protocol: 'email', SubscriptionArn: 'PendingConfirmation', TopicArn: TOPIC }],
    });
    const before = await canaryRouting();

    const result = await handlePracticeEvent(SCHEDULED, context, dependencies());

    expect(result).toMatchObject({
      status: 'failed',
      problems: [
        `alert topic in ${REGION}: no confirmed subscription, 1 pending confirmation; nobody would be paged`,
      ],
    });
    expect(publishes()[0].MessageAttributes?.severity?.StringValue).toBe('high');
    expect(JSON.parse(publishes()[0].Message ?? '{}').email).toContain(
      `FAILED alert topic ${REGION}: no confirmed subscription, 1 pending confirmation`,
    );
    expect(await canaryRouting()).toEqual(before);
  });

  it('finds drift in the pre-armed fallbacks when the audit expects them armed', async () => {
    await deployment.carriers.stop();
    deployment = await startPracticeDeployment({ audit: 'armed' });
    credentials = { ...deployment.credentials };

    const result = await handlePracticeEvent(SCHEDULED, context, dependencies());

    // Telnyx and Twilio numbers were never armed; Bandwidth has no fallback to arm.
    expect(result).toMatchObject({
      status: 'failed',
      problems: [
        expect.stringMatching(
          /^pre-armed fallbacks: 16 of 22 numbers drifted or unreadable \(first: \+16025550000: not armed/,
        ),
      ],
    });
    for (const entry of deployment.plan) expect(deployment.carriers.writesTo(entry.number)).toBe(0);
  });

  it("returns at once in another region's week, writing nothing and calling no carrier", async () => {
    const deps = { ...dependencies(), region: OTHER_REGIONS[0] };

    const result = await handlePracticeEvent(SCHEDULED, context, deps);

    expect(result).toEqual({ status: 'not-this-region', practicingRegion: REGION });
    expect(deployment.carriers.requestCount()).toBe(0);
    expect(await incidents().listBySite('practice')).toEqual([]);
  });

  it("runs in another region's week when forced, for one carrier only", async () => {
    const deps = { ...dependencies(), region: OTHER_REGIONS[0] };

    const result = await handlePracticeEvent(
      { action: 'practice', carrier: 'twilio', force: true },
      context,
      deps,
    );

    expect(result).toMatchObject({ status: 'passed', canaries: [{ carrier: 'twilio', passed: true }] });
    expect(fakeOf('telnyx').requests).toHaveLength(0);
    expect(fakeOf('twilio').writesTo(CANARIES.twilio.number)).toBe(2);
  });

  it('waits while a real incident is open, touching no carrier', async () => {
    await incidents().openOrJoin({
      id: 'phx-primary-20261124T144500Z',
      siteId: 'phx-primary',
      kind: 'outage',
      outageStartedAt: T0 - 900_000,
      openedAt: T0 - 870_000,
      regions: ['us-east-1', 'us-east-2'],
      openedBy: { type: 'probe', region: 'us-east-1' },
      failureKind: 'site-unreachable',
      reason: 'SIP OPTIONS timeout',
      numbers: { total: 22, forwarded: 22, failed: 0, restored: 0 },
    });

    const result = await handlePracticeEvent(SCHEDULED, context, dependencies());

    expect(result).toEqual({
      status: 'skipped',
      reason:
        'incident phx-primary-20261124T144500Z of phx-primary is open (detected); practice waits for it',
    });
    expect(deployment.carriers.requestCount()).toBe(0);
    expect(publishes()).toHaveLength(0);
  });

  it('fails the invocation when the alert cannot be sent, after restoring the canaries and recording it', async () => {
    snsMock
      .on(PublishCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AuthorizationError' }));
    const before = await canaryRouting();

    await expect(handlePracticeEvent(SCHEDULED, context, dependencies())).rejects.toThrow(PracticeAlertError);

    expect(await canaryRouting()).toEqual(before);
    const events = await incidents().listEvents('practice-20261124T150000Z');
    expect(events.map((event) => event.type)).toContain('practice-alert-failed');
    expect(await incidents().get('practice-20261124T150000Z')).toMatchObject({ status: 'resolved' });
  });

  it('rejects a malformed event without touching anything', async () => {
    const result = await handlePracticeEvent(
      { action: 'practice', carrier: 'sprint' },
      context,
      dependencies(),
    );

    expect(result).toMatchObject({ status: 'rejected', problems: [expect.stringContaining('carrier')] });
    expect(deployment.carriers.requestCount()).toBe(0);
  });

  it('never puts a carrier credential in an alert', async () => {
    await handlePracticeEvent(SCHEDULED, context, dependencies());

    const published = JSON.stringify(publishes());
    for (const secret of deployment.carriers.secretValues) expect(published).not.toContain(secret);
  });
});
