/**
 * No lost page: the alerts that tell people about an outage survive an SNS failure and a run dying
 * at the worst moment. The real orchestrator and failback handlers on dynalite and the carrier
 * fakes, each region publishing through the real SNS notifier to its own topic, SNS mocked
 * (aws-sdk-client-mock) to fail where the test says; crashes are a store call that throws.
 */
import {
  InternalErrorException,
  PublishCommand,
  type PublishCommandInput,
  SNSClient,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsNotifier } from '../../lambdas/adapters/sns/sns-notifier';
import { outageIncidentId } from '../../lambdas/domain/orchestration/run-failover';
import { type FailbackHandlerDependencies, handleFailbackEvent } from '../../lambdas/handlers/failback';
import { handleOrchestratorEvent, type OrchestratorDependencies } from '../../lambdas/handlers/orchestrator';
import type { IncidentStore } from '../../lambdas/ports/incidents';
import { loadDeployment } from '../../lib/config/load-config';
import { FakeClock } from '../domain/forwarding/fake-clock';
import { EXAMPLE_CONFIG } from '../support/config-files';
import {
  type CapturedOutput,
  captureOutput,
  type Harness,
  lambdaContext,
  probeFailoverEvent,
  startHarness,
} from './support/reliability-harness';

const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);
const INCIDENT = outageIncidentId('phx-primary', T0);
const snsMock = mockClient(SNSClient);

function topicOf(region: string): string {
  return `arn:aws:sns:${region}:111111111111:acme-voice-alerts`;
}

/** One publish SNS was asked for, and whether it took it. */
interface Publish {
  kind: string;
  alertId: string;
  topic: string;
  delivered: boolean;
}

/** A store whose first call matching `crashOn` throws, as if the run died right there. */
function dyingAt(store: IncidentStore, crashOn: (method: string, args: unknown[]) => boolean): IncidentStore {
  let dead = false;
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (!dead && crashOn(String(property), args)) {
          dead = true;
          throw new Error(`simulated crash in ${String(property)}`);
        }
        return value.apply(target, args);
      };
    },
  });
}

describe('alerts are never lost: SNS failures and runs dying before or after a page', () => {
  const deployment = loadDeployment(EXAMPLE_CONFIG);
  let harness: Harness;
  let output: CapturedOutput;
  let clock: FakeClock;
  let publishes: Publish[];
  /** Says which publish SNS refuses; by default none. */
  let refuse: (input: PublishCommandInput, attempt: number) => boolean;

  const delivered = (kind?: string) =>
    publishes.filter((publish) => publish.delivered && (kind === undefined || publish.kind === kind));

  function orchestratorIn(region: string, incidents?: IncidentStore): OrchestratorDependencies {
    return {
      ...harness.orchestrator(region),
      notifier: new SnsNotifier(new SNSClient({ region }), topicOf(region)),
      ...(incidents ? { incidents } : {}),
    };
  }

  function failbackIn(region: string): FailbackHandlerDependencies {
    return {
      ...harness.failback(region),
      notifier: new SnsNotifier(new SNSClient({ region }), topicOf(region)),
    };
  }

  const failover = (region: string, requestId: string, incidents?: IncidentStore) =>
    handleOrchestratorEvent(
      probeFailoverEvent(region, T0),
      lambdaContext(requestId),
      orchestratorIn(region, incidents),
    );

  const tick = (region: string, requestId: string) =>
    handleFailbackEvent({ action: 'tick' }, lambdaContext(requestId), failbackIn(region));

  beforeEach(async () => {
    output = captureOutput();
    publishes = [];
    refuse = () => false;
    snsMock.reset();
    snsMock.on(PublishCommand).callsFake((input: PublishCommandInput) => {
      const publish = {
        kind: input.MessageAttributes?.kind?.StringValue ?? '',
        alertId: input.MessageAttributes?.alertId?.StringValue ?? '',
        topic: input.TopicArn ?? '',
        delivered: false,
      };
      publishes.push(publish);
      if (refuse(input, publishes.length)) {
        throw new InternalErrorException({ $metadata: {}, message: 'Internal error (simulated)' });
      }
      publish.delivered = true;
      return { MessageId: `m-${publishes.length}` };
    });
    clock = new FakeClock(T0 + 31_000);
    harness = await startHarness({ config: deployment.config, plan: deployment.plan, clock });
  });

  afterEach(async () => {
    output.restore();
    await harness?.stop();
  });

  it('normal path: one page per state change, each marked, none repeated by a retry, a late trip or a tick', async () => {
    // Act
    const result = await failover('us-east-1', 'probe-1');
    const repeated = await failover('us-east-1', 'probe-1');
    const late = await failover('us-east-2', 'probe-2');
    await tick('us-west-2', 'tick-1');

    // Assert
    expect(result).toMatchObject({ status: 'done', incidentStatus: 'forwarded' });
    expect([repeated.status, late.status]).toEqual(['joined', 'joined']);
    expect(publishes).toEqual([
      { kind: 'detected', alertId: `${INCIDENT}#1`, topic: topicOf('us-east-1'), delivered: true },
      { kind: 'forwarding-started', alertId: `${INCIDENT}#2`, topic: topicOf('us-east-1'), delivered: true },
      { kind: 'forwarded', alertId: `${INCIDENT}#3`, topic: topicOf('us-east-1'), delivered: true },
    ]);
    const incident = await harness.incidents.get(INCIDENT);
    expect(incident?.alerts?.map((alert) => [alert.kind, typeof alert.announcedAt])).toEqual([
      ['detected', 'number'],
      ['forwarding-started', 'number'],
      ['forwarded', 'number'],
    ]);
  });

  it('SNS refuses the first page: forwarding goes on, and the page goes out exactly once more and is marked', async () => {
    // Arrange
    refuse = (_input, attempt) => attempt === 1;

    // Act
    const result = await failover('us-east-1', 'probe-1');
    await tick('us-east-2', 'tick-1');

    // Assert
    expect(result).toMatchObject({ status: 'done', incidentStatus: 'forwarded' });
    expect(harness.numbersAway()).toHaveLength(deployment.plan.length);
    expect(publishes.map((publish) => [publish.kind, publish.delivered])).toEqual([
      ['detected', false],
      ['detected', true],
      ['forwarding-started', true],
      ['forwarded', true],
    ]);
    const incident = await harness.incidents.get(INCIDENT);
    expect(incident?.alerts?.every((alert) => alert.announcedAt !== undefined)).toBe(true);
    expect(output.text()).toMatch(/"message":"Alert not published[^\n]*"kind":"detected"/);
  });

  it('a run dying right after opening the incident: the next region to trip sends the page once, then forwards', async () => {
    // Arrange: the first run dies on its first incident update (taking the lease), before any page
    const dying = dyingAt(harness.incidents, (method) => method === 'update');

    // Act
    await expect(failover('us-east-1', 'probe-1', dying)).rejects.toThrow(/simulated crash/);
    const owedAfterCrash = (await harness.incidents.get(INCIDENT))?.alerts;
    const next = await failover('us-east-2', 'probe-2');
    const retryOfTheDead = await failover('us-east-1', 'probe-1');

    // Assert
    expect(owedAfterCrash).toEqual([expect.objectContaining({ kind: 'detected' })]);
    expect(owedAfterCrash?.[0].announcedAt).toBeUndefined();
    expect(next).toMatchObject({ status: 'done', incidentStatus: 'forwarded' });
    expect(retryOfTheDead.status).toBe('joined');
    expect(delivered().map((publish) => [publish.kind, publish.topic])).toEqual([
      ['detected', topicOf('us-east-2')],
      ['forwarding-started', topicOf('us-east-2')],
      ['forwarded', topicOf('us-east-2')],
    ]);
    expect(publishes.every((publish) => publish.delivered)).toBe(true);
  });

  it("the orchestrator's topic down for the whole run: another region's failback tick sends every owed alert, in order, once", async () => {
    // Arrange
    refuse = (input) => input.TopicArn === topicOf('us-east-1');

    // Act
    const result = await failover('us-east-1', 'probe-1');
    const owed = (await harness.incidents.get(INCIDENT))?.alerts ?? [];
    const first = await tick('us-east-2', 'tick-1');
    clock.advance(60_000);
    await tick('us-west-2', 'tick-2');

    // Assert
    expect(result).toMatchObject({ status: 'done', incidentStatus: 'forwarded' });
    expect(harness.numbersAway()).toHaveLength(deployment.plan.length);
    expect(owed.map((alert) => [alert.kind, alert.announcedAt])).toEqual([
      ['detected', undefined],
      ['forwarding-started', undefined],
      ['forwarded', undefined],
    ]);
    expect(first).toMatchObject({ status: 'ok', sites: [{ result: 'awaiting-recovery' }] });
    expect(delivered().map((publish) => [publish.kind, publish.alertId, publish.topic])).toEqual([
      ['detected', `${INCIDENT}#1`, topicOf('us-east-2')],
      ['forwarding-started', `${INCIDENT}#2`, topicOf('us-east-2')],
      ['forwarded', `${INCIDENT}#3`, topicOf('us-east-2')],
    ]);
  });

  it("a run dying between the forwarding's end and its alert: another region's trip sends nothing while the run may live, its Lambda retry sends the result once", async () => {
    // Arrange
    const dying = dyingAt(
      harness.incidents,
      (method, args) =>
        method === 'appendEvent' && (args[0] as { type: string }).type === 'forwarding-finished',
    );

    // Act
    await expect(failover('us-east-1', 'probe-1', dying)).rejects.toThrow(/simulated crash/);
    const otherRegion = await failover('us-east-2', 'probe-2');
    const beforeRetry = delivered().map((publish) => publish.kind);
    const retry = await failover('us-east-1', 'probe-1');

    // Assert
    expect(otherRegion).toMatchObject({ status: 'joined', incidentStatus: 'forwarded' });
    expect(beforeRetry).toEqual(['detected', 'forwarding-started']);
    expect(retry).toMatchObject({ status: 'joined', incidentStatus: 'forwarded' });
    expect(delivered().map((publish) => publish.kind)).toEqual([
      'detected',
      'forwarding-started',
      'forwarded',
    ]);
    const incident = await harness.incidents.get(INCIDENT);
    expect(incident?.alerts?.every((alert) => alert.announcedAt !== undefined)).toBe(true);
    // The retry let the incident go: failback need not wait for the dead run's lease to expire.
    expect(incident?.lease?.until).toBe(0);
  });

  it('SNS refuses the recovery alert (it asks for approval): the next failback tick, in another region, sends it once', async () => {
    // Arrange
    await failover('us-east-1', 'probe-1');
    harness.siteHealth.status = 'up';
    clock.advance(60_000);
    refuse = (input) => input.MessageAttributes?.kind?.StringValue === 'recovered';

    // Act
    const first = await tick('us-east-1', 'tick-1');
    refuse = () => false;
    clock.advance(60_000);
    const second = await tick('us-east-2', 'tick-2');
    clock.advance(60_000);
    await tick('us-west-2', 'tick-3');

    // Assert
    expect(first).toMatchObject({ status: 'ok', sites: [{ result: 'awaiting-approval' }] });
    expect(second).toMatchObject({ status: 'ok', sites: [{ result: 'awaiting-approval' }] });
    expect(publishes.filter((publish) => publish.kind === 'recovered')).toEqual([
      { kind: 'recovered', alertId: `${INCIDENT}#4`, topic: topicOf('us-east-1'), delivered: false },
      { kind: 'recovered', alertId: `${INCIDENT}#4`, topic: topicOf('us-east-2'), delivered: true },
    ]);
  });
});
