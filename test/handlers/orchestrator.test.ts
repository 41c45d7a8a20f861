import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createCarrierDirectory } from '../../lambdas/adapters/carriers/carrier-directory';
import { DynamoDbForwardingStateStore } from '../../lambdas/adapters/dynamodb/forwarding-state-store';
import { DynamoDbIncidentStore } from '../../lambdas/adapters/dynamodb/incident-store';
import { DynamoDbRouteReadBackStore } from '../../lambdas/adapters/dynamodb/route-read-back-store';
import { SnsNotifier } from '../../lambdas/adapters/sns/sns-notifier';
import type { InvocationContext } from '../../lambdas/composition/lambda-incident-dependencies';
import { CarrierError } from '../../lambdas/contracts/errors';
import type { FailoverEvent } from '../../lambdas/contracts/events/orchestrator-event';
import { handleOrchestratorEvent, type OrchestratorDependencies } from '../../lambdas/handlers/orchestrator';
import type { CarrierDirectory, ForwardRequest } from '../../lambdas/ports/carriers';
import { systemClock } from '../../lambdas/runtime/system-clock';
import { loadDeployment } from '../../lib/config/load-config';
import { type LocalCarriers, startLocalCarriers } from '../../lib/developer/far-side/local-carriers';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../lib/developer/far-side/local-incident-table';
import { EXAMPLE_CONFIG } from '../support/config-files';

const snsMock = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:us-east-1:111111111111:acme-voice-alerts';
const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);

function failoverEvent(region: string, overrides: Partial<FailoverEvent> = {}): FailoverEvent {
  return {
    action: 'failover',
    siteId: 'phx-primary',
    outageStartedAt: T0,
    detectedAt: T0 + 31_000,
    regions: ['us-east-1', 'us-east-2'],
    trigger: { type: 'probe', region },
    failureKind: 'site-unreachable',
    reason: 'SIP OPTIONS timeout after 2000 ms from us-east-1, us-east-2',
    ...overrides,
  };
}

function context(requestId: string, remainingMs = 300_000): InvocationContext {
  return { awsRequestId: requestId, getRemainingTimeInMillis: () => remainingMs };
}

describe('orchestrator handler', () => {
  const deployment = loadDeployment(EXAMPLE_CONFIG);
  let table: LocalIncidentTable;
  let carriers: LocalCarriers;
  let continuations: FailoverEvent[];
  /** Numbers every carrier refuses to forward (a permanent failure), until the test clears it. */
  let refused: Set<string>;
  const refuse = (directory: CarrierDirectory): CarrierDirectory =>
    Object.fromEntries(
      Object.entries(directory).map(([name, carrier]) => [
        name,
        Object.assign(Object.create(carrier), {
          forward: async (request: ForwardRequest) => {
            if (refused.has(request.number)) {
              throw new CarrierError(name, 'number is locked by a port-out order', {
                retryable: false,
                status: 409,
              });
            }
            return carrier.forward(request);
          },
          forwardMany: undefined,
        }),
      ]),
    );
  let stdout: string[];
  let spies: jest.SpyInstance[];

  function dependencies(region: string): OrchestratorDependencies {
    // Loopback fakes answer fast: lift the production rate limits so each test takes a moment.
    const fastCarriers = Object.fromEntries(
      Object.entries(carriers.carriers).map(([name, carrier]) => [
        name,
        { ...carrier, rateLimitPerSecond: 200 },
      ]),
    );
    const files = { config: { ...deployment.config, carriers: fastCarriers }, plan: deployment.plan };
    return {
      files,
      incidents: new DynamoDbIncidentStore(table.documentClient, table.tableName),
      numbers: new DynamoDbForwardingStateStore(table.documentClient, table.tableName),
      readBacks: new DynamoDbRouteReadBackStore(table.documentClient, table.tableName),
      notifier: new SnsNotifier(new SNSClient({ region }), TOPIC),
      carriers: async () =>
        refuse(
          await createCarrierDirectory(files.config.carriers, carriers.credentialSource, {
            pollIntervalMs: 20,
          }),
        ),
      clock: systemClock,
      random: Math.random,
      region,
      startContinuation: async (event) => {
        continuations.push(event);
      },
    };
  }

  beforeEach(async () => {
    snsMock.reset();
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    table = await startLocalIncidentTable();
    carriers = await startLocalCarriers(deployment.config, deployment.plan);
    continuations = [];
    refused = new Set();
    stdout = [];
    // Capture every log line (Powertools writes INFO to stdout, ERROR to stderr).
    spies = [process.stdout, process.stderr].map((stream) =>
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stdout.push(String(chunk));
        return true;
      }),
    );
  });

  afterEach(async () => {
    for (const spy of spies) spy.mockRestore();
    await carriers.stop();
    await table.stop();
  });

  it('fails the site over: one incident, every number forwarded once, the timeline in order', async () => {
    const result = await handleOrchestratorEvent(
      failoverEvent('us-east-1'),
      context('req-1'),
      dependencies('us-east-1'),
    );

    expect(result).toEqual({
      status: 'done',
      incidentId: 'phx-primary-20261127T090000Z',
      incidentStatus: 'forwarded',
    });
    for (const entry of deployment.plan) expect(carriers.writesTo(entry.number)).toBe(1);
    expect(carriers.violations()).toEqual([]);
    const store = new DynamoDbIncidentStore(table.documentClient, table.tableName);
    const incident = await store.get(result.status === 'done' ? result.incidentId : '');
    expect(incident?.numbers).toEqual({ total: 24, forwarded: 24, failed: 0, restored: 0 });
    const events = await store.listEvents(incident!.id);
    expect(events.map((event) => event.type)).toEqual([
      'outage-started',
      'detected',
      'alert-sent',
      'forwarding-started',
      'alert-sent',
      'route-carried',
      'route-carried',
      'route-carried',
      'forwarding-finished',
      'alert-sent',
    ]);
    // Nobody ran `arm`: the failover read each native route first, found it not armed, and forwarded
    // its numbers one by one instead.
    const routes = events.filter((event) => event.type === 'route-carried');
    expect(routes.map((event) => [event.details?.carrier, event.details?.state])).toEqual([
      ['telnyx', 'not-covering'],
      ['twilio', 'not-covering'],
      ['bandwidth', 'not-covering'],
    ]);
    for (const event of routes) expect(event.message).toMatch(/not ready/);
  });

  it('sends one alert per state change, within SNS limits, with filterable attributes and the runbook', async () => {
    await handleOrchestratorEvent(failoverEvent('us-east-1'), context('req-1'), dependencies('us-east-1'));

    const publishes = snsMock.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(publishes.map((input) => input.Subject)).toEqual([
      '[acme-voice] phx-primary: DOWN: SIP OPTIONS timeout after 2000 ms from us-east-1, us-east-2',
      '[acme-voice] phx-primary: forwarding 24 numbers at the carriers',
      '[acme-voice] phx-primary: forwarded 24 of 24 numbers',
    ]);
    for (const input of publishes) {
      expect(input.TopicArn).toBe(TOPIC);
      expect(input.Subject!.length).toBeLessThanOrEqual(100);
      expect(input.Subject).toMatch(/^[\x20-\x7e]+$/);
      expect(input.MessageAttributes).toMatchObject({
        site: { DataType: 'String', StringValue: 'phx-primary' },
        incidentId: { DataType: 'String', StringValue: 'phx-primary-20261127T090000Z' },
      });
      const message = JSON.parse(input.Message!);
      expect(message.email).toContain('Runbook: Primary site unreachable from the watchdog regions');
      expect(message.email).toContain('carrier-failover incidents show phx-primary-20261127T090000Z');
      expect(message.sms.length).toBeLessThanOrEqual(160);
    }
    expect(publishes.map((input) => input.MessageAttributes?.severity?.StringValue)).toEqual([
      'critical',
      'high',
      'high',
    ]);
    expect(publishes.map((input) => input.MessageAttributes?.kind?.StringValue)).toEqual([
      'detected',
      'forwarding-started',
      'forwarded',
    ]);
  });

  it('never puts a carrier credential in an alert or a log line', async () => {
    await handleOrchestratorEvent(failoverEvent('us-east-1'), context('req-1'), dependencies('us-east-1'));

    const published = JSON.stringify(snsMock.commandCalls(PublishCommand).map((call) => call.args[0].input));
    const logged = stdout.join('');
    expect(logged).toContain('"incidentId":"phx-primary-20261127T090000Z"');
    for (const secret of carriers.secretValues) {
      expect(published).not.toContain(secret);
      expect(logged).not.toContain(secret);
    }
  });

  it('opens exactly one incident and forwards once when three regions trip together', async () => {
    const regions = ['us-east-1', 'us-east-2', 'us-west-2'];

    const results = await Promise.all(
      regions.map((region, index) =>
        handleOrchestratorEvent(failoverEvent(region), context(`req-${index}`), dependencies(region)),
      ),
    );

    expect(new Set(results.map((result) => ('incidentId' in result ? result.incidentId : '')))).toEqual(
      new Set(['phx-primary-20261127T090000Z']),
    );
    expect(results.filter((result) => result.status === 'done')).toHaveLength(1);
    for (const entry of deployment.plan) expect(carriers.writesTo(entry.number)).toBe(1);
    const detectedAlerts = snsMock
      .commandCalls(PublishCommand)
      .filter((call) => call.args[0].input.MessageAttributes?.kind?.StringValue === 'detected');
    expect(detectedAlerts).toHaveLength(1);
  });

  it('hands over to a continuation when its time budget ends, and the continuation finishes', async () => {
    // 15 s remaining equals the margin: the first run starts no number and hands over at once.
    const first = await handleOrchestratorEvent(
      failoverEvent('us-east-1'),
      context('req-1', 15_000),
      dependencies('us-east-1'),
    );

    expect(first).toMatchObject({ status: 'continued', incidentStatus: 'forwarding' });
    expect(continuations).toHaveLength(1);
    expect(continuations[0].continuation).toEqual({
      incidentId: 'phx-primary-20261127T090000Z',
      leaseOwner: 'req-1:continuation',
    });

    const second = await handleOrchestratorEvent(
      continuations[0],
      context('req-2'),
      dependencies('us-east-1'),
    );

    expect(second).toMatchObject({ status: 'done', incidentStatus: 'forwarded' });
    for (const entry of deployment.plan) expect(carriers.writesTo(entry.number)).toBe(1);
  });

  it('rejects a malformed event, naming the fields, and writes nothing', async () => {
    const result = await handleOrchestratorEvent(
      { action: 'failover', siteId: 'phx-primary', outageStartedAt: 'yesterday', trigger: { type: 'probe' } },
      context('req-1'),
      dependencies('us-east-1'),
    );

    expect(result.status).toBe('rejected');
    expect(result.status === 'rejected' && result.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^outageStartedAt: /),
        expect.stringMatching(/^trigger\.region: /),
        expect.stringMatching(/^reason: /),
      ]),
    );
    const { Items } = await table.documentClient.send(new ScanCommand({ TableName: table.tableName }));
    expect(Items).toEqual([]);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
    expect(stdout.join('')).toContain('Rejected a malformed orchestrator event');
  });

  it('retries the numbers that failed when an operator asks for the failover again', async () => {
    const stuck = deployment.plan[0].number;
    refused.add(stuck);
    const first = await handleOrchestratorEvent(
      failoverEvent('us-east-1'),
      context('req-1'),
      dependencies('us-east-1'),
    );
    expect(first).toMatchObject({ status: 'done', incidentStatus: 'partially-forwarded' });
    const partial = snsMock.commandCalls(PublishCommand).at(-1)!.args[0].input;
    expect(partial.MessageAttributes?.kind?.StringValue).toBe('partially-forwarded');
    expect(JSON.parse(partial.Message!).email).toContain(
      `${stuck}: telnyx: number is locked by a port-out order`,
    );

    refused.clear();
    // A probe re-announcing the outage only joins; an operator asking again retries the failed ones.
    const probe = await handleOrchestratorEvent(
      failoverEvent('us-east-2'),
      context('req-2'),
      dependencies('us-east-2'),
    );
    const operator = await handleOrchestratorEvent(
      failoverEvent('us-east-2', {
        trigger: { type: 'operator', region: 'us-east-2', name: 'jdoe' },
        outageStartedAt: T0 + 600_000,
      }),
      context('req-3'),
      dependencies('us-east-2'),
    );

    expect(probe).toMatchObject({ status: 'joined', incidentStatus: 'partially-forwarded' });
    expect(operator).toMatchObject({
      status: 'done',
      incidentId: 'phx-primary-20261127T090000Z',
      incidentStatus: 'forwarded',
    });
    for (const entry of deployment.plan) expect(carriers.writesTo(entry.number)).toBe(1);
  });

  it('rejects an unknown site without writing', async () => {
    await expect(
      handleOrchestratorEvent(
        failoverEvent('us-east-1', { siteId: 'nowhere' }),
        context('req-1'),
        dependencies('us-east-1'),
      ),
    ).rejects.toThrow(/unknown site "nowhere"/);
    const { Items } = await table.documentClient.send(new ScanCommand({ TableName: table.tableName }));
    expect(Items).toEqual([]);
  });
});
