/**
 * Races between the functions of several regions and an operator, through the real handlers on
 * one incident table (dynalite) and the carrier fakes: a manual failover while the automatic one is
 * forwarding, and failback approved twice at once or while another region's wave is running. Each
 * race is forced deterministically: the second party is started from inside the first one's
 * carrier call, so it always lands while the first holds the incident.
 */

import { outageIncidentId } from '../../lambdas/domain/orchestration/run-failover';
import { handleFailbackEvent } from '../../lambdas/handlers/failback';
import { handleOrchestratorEvent } from '../../lambdas/handlers/orchestrator';
import type { Carrier, CarrierDirectory } from '../../lambdas/ports/carriers';
import type { TimelineEvent } from '../../lambdas/ports/incidents';
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

/**
 * Runs `interleave` once, from inside the first carrier write of `method` (forward or restore), and
 * lets that write go on only when it has finished: the second party acts while the first is mid-run.
 */
function interleaveOnce(
  method: 'forward' | 'restore',
  interleave: () => Promise<unknown>,
): { wrap: (directory: CarrierDirectory) => CarrierDirectory; armed: { on: boolean }; done: Promise<void> } {
  const armed = { on: false };
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const wrap = (directory: CarrierDirectory): CarrierDirectory =>
    Object.fromEntries(
      Object.entries(directory).map(([name, carrier]) => {
        const original = carrier as Carrier;
        const intercept = async <T>(call: () => Promise<T>): Promise<T> => {
          if (armed.on) {
            armed.on = false;
            await interleave();
            finish();
          }
          return call();
        };
        return [
          name,
          Object.assign(Object.create(original), {
            forward: (request: Parameters<Carrier['forward']>[0]) =>
              method === 'forward' ? intercept(() => original.forward(request)) : original.forward(request),
            forwardMany: original.forwardMany
              ? (requests: Parameters<NonNullable<Carrier['forwardMany']>>[0]) =>
                  method === 'forward'
                    ? intercept(() => original.forwardMany!(requests))
                    : original.forwardMany!(requests)
              : undefined,
            restore: (snapshot: Parameters<Carrier['restore']>[0]) =>
              method === 'restore' ? intercept(() => original.restore(snapshot)) : original.restore(snapshot),
          }),
        ];
      }),
    );
  return { wrap, armed, done };
}

function typesOf(events: TimelineEvent[]): string[] {
  return events.map((event) => event.type);
}

describe('races between regions and operators', () => {
  const deployment = loadDeployment(EXAMPLE_CONFIG);
  let harness: Harness;
  let output: CapturedOutput;

  beforeEach(() => {
    output = captureOutput();
  });

  afterEach(async () => {
    output.restore();
    await harness?.stop();
  });

  it('a manual failover from another region during the automatic one joins it: one incident, one forwarding pass, no lost event', async () => {
    // Arrange: the operator asks from us-west-2 (not among the probe's voting regions) mid-forwarding
    const clock = new FakeClock(T0 + 31_000);
    let operatorResult: unknown;
    const race = interleaveOnce('forward', async () => {
      operatorResult = await handleOrchestratorEvent(
        probeFailoverEvent('us-west-2', clock.now(), {
          detectedAt: clock.now(),
          regions: ['us-west-2'],
          trigger: { type: 'operator', region: 'us-west-2', name: 'jdoe' },
          reason: 'Portal reports calls failing',
        }),
        lambdaContext('operator-1'),
        harness.orchestrator('us-west-2'),
      );
    });
    harness = await startHarness({
      config: deployment.config,
      plan: deployment.plan,
      clock,
      wrapCarriers: race.wrap,
    });
    race.armed.on = true;

    // Act
    const automatic = await handleOrchestratorEvent(
      probeFailoverEvent('us-east-1', T0),
      lambdaContext('probe-1'),
      harness.orchestrator('us-east-1'),
    );
    await race.done;

    // Assert
    expect(operatorResult).toEqual({
      status: 'joined',
      incidentId: INCIDENT,
      incidentStatus: 'forwarding',
    });
    expect(automatic).toEqual({ status: 'done', incidentId: INCIDENT, incidentStatus: 'forwarded' });
    for (const entry of deployment.plan) expect(harness.carriers.writesTo(entry.number)).toBe(1);
    const incident = await harness.incidents.get(INCIDENT);
    expect(incident).toMatchObject({
      status: 'forwarded',
      regions: ['us-east-1', 'us-east-2', 'us-west-2'],
      numbers: { total: 24, forwarded: 24, failed: 0 },
    });
    expect(await harness.incidents.listBySite('phx-primary')).toHaveLength(1);
    const events = await harness.incidents.listEvents(INCIDENT);
    expect(typesOf(events).filter((type) => type !== 'alert-sent')).toEqual([
      'outage-started',
      'detected',
      'forwarding-started',
      // Nobody ran arm: each native route is read first, found not armed, and its numbers forwarded.
      'route-carried',
      'route-carried',
      'route-carried',
      'joined',
      'forwarding-finished',
    ]);
    expect(events.find((event) => event.type === 'joined')?.actor).toEqual({
      type: 'operator',
      region: 'us-west-2',
      name: 'jdoe',
    });
    expect(harness.notifier.alerts.map((alert) => alert.kind)).toEqual([
      'detected',
      'forwarding-started',
      'forwarded',
    ]);
  });

  describe('failback', () => {
    const approve = (name: string, region: string) => ({
      action: 'approve' as const,
      siteId: 'phx-primary',
      approvedBy: { name, region },
    });

    async function failedOverAndRecovered(
      clock: FakeClock,
      wrapCarriers?: (directory: CarrierDirectory) => CarrierDirectory,
    ): Promise<void> {
      harness = await startHarness({ config: deployment.config, plan: deployment.plan, clock, wrapCarriers });
      await handleOrchestratorEvent(
        probeFailoverEvent('us-east-1', T0),
        lambdaContext('probe-1'),
        harness.orchestrator('us-east-1'),
      );
      harness.siteHealth.status = 'up';
      clock.advance(60_000);
      const recovered = await handleFailbackEvent(
        { action: 'tick' },
        lambdaContext('tick-0'),
        harness.failback('us-east-1'),
      );
      expect(recovered).toMatchObject({ sites: [{ result: 'awaiting-approval' }] });
    }

    /** Ticks every region's failback until the incident resolves, five minutes apart (the waves' pace). */
    async function tickUntilResolved(clock: FakeClock): Promise<void> {
      for (let tick = 1; tick <= 10; tick++) {
        clock.advance(5 * 60_000);
        const result = await handleFailbackEvent(
          { action: 'tick' },
          lambdaContext(`tick-${tick}`),
          harness.failback(['us-east-1', 'us-east-2', 'us-west-2'][tick % 3]),
        );
        if (result.status === 'ok' && result.sites[0].result === 'resolved') return;
      }
      throw new Error('failback did not resolve in ten ticks');
    }

    it('approved twice at once: one approval on record, the first wave restored once, resolved after every wave', async () => {
      // Arrange
      const clock = new FakeClock(T0 + 31_000);
      await failedOverAndRecovered(clock);

      // Act
      const results = await Promise.all([
        handleFailbackEvent(
          approve('jdoe', 'us-east-2'),
          lambdaContext('approve-1'),
          harness.failback('us-east-2'),
        ),
        handleFailbackEvent(
          approve('asmith', 'us-west-2'),
          lambdaContext('approve-2'),
          harness.failback('us-west-2'),
        ),
      ]);

      // Assert
      expect(results.map((result) => result.status)).toEqual(['ok', 'ok']);
      expect(harness.numbersAway()).toHaveLength(24 - 3); // wave 1: 10 % of 24
      const events = await harness.incidents.listEvents(INCIDENT);
      expect(typesOf(events).filter((type) => type === 'failback-approved')).toHaveLength(1);
      expect(
        events.filter((event) => event.type === 'note' && event.message.includes('approval repeated')),
      ).toHaveLength(1);
      expect(typesOf(events).filter((type) => type === 'failback-wave-finished')).toHaveLength(1);

      await tickUntilResolved(clock);
      expect(harness.numbersAway()).toEqual([]);
      for (const entry of deployment.plan) expect(harness.carriers.writesTo(entry.number)).toBe(2);
      const final = typesOf(await harness.incidents.listEvents(INCIDENT));
      expect(final.filter((type) => type === 'failback-wave-finished')).toHaveLength(4);
      expect(final.filter((type) => type === 'resolved')).toHaveLength(1);
    });

    it('approved again while another region is restoring a wave: the wave finishes, nothing is lost or restored twice', async () => {
      // Arrange: a second operator approves from us-west-2 while us-east-2's approval is mid-wave
      const clock = new FakeClock(T0 + 31_000);
      let secondApproval: unknown;
      const race = interleaveOnce('restore', async () => {
        secondApproval = await handleFailbackEvent(
          approve('asmith', 'us-west-2'),
          lambdaContext('approve-2'),
          harness.failback('us-west-2'),
        );
      });
      await failedOverAndRecovered(clock, race.wrap);
      race.armed.on = true;

      // Act
      const first = await handleFailbackEvent(
        approve('jdoe', 'us-east-2'),
        lambdaContext('approve-1'),
        harness.failback('us-east-2'),
      );
      await race.done;

      // Assert
      expect(first).toMatchObject({ status: 'ok', sites: [{ result: 'waiting' }] });
      expect(secondApproval).toMatchObject({ status: 'ok', sites: [{ result: 'busy' }] });
      expect(harness.numbersAway()).toHaveLength(24 - 3);
      const incident = await harness.incidents.get(INCIDENT);
      expect(incident).toMatchObject({
        status: 'failing-back',
        failbackApprovedBy: { type: 'operator', name: 'jdoe', region: 'us-east-2' },
        failback: { wavesDone: 1 },
        numbers: { restored: 3 },
      });
      const events = await harness.incidents.listEvents(INCIDENT);
      expect(typesOf(events).filter((type) => type === 'failback-approved')).toHaveLength(1);
      expect(
        events.filter((event) => event.type === 'note' && event.message.includes('approval repeated')),
      ).toHaveLength(1);

      await tickUntilResolved(clock);
      expect(harness.numbersAway()).toEqual([]);
      for (const entry of deployment.plan) expect(harness.carriers.writesTo(entry.number)).toBe(2);
    });

    it('approved by an operator while the automatic failback is mid-wave: the wave and the failback finish', async () => {
      // Arrange: automatic mode needs no approval, but an operator may still send one
      const clock = new FakeClock(T0 + 31_000);
      let approval: unknown;
      const race = interleaveOnce('restore', async () => {
        approval = await handleFailbackEvent(
          approve('asmith', 'us-west-2'),
          lambdaContext('approve-1'),
          harness.failback('us-west-2'),
        );
      });
      harness = await startHarness({
        config: deployment.config,
        plan: deployment.plan,
        clock,
        wrapCarriers: race.wrap,
        failback: { mode: 'automatic' },
      });
      await handleOrchestratorEvent(
        probeFailoverEvent('us-east-1', T0),
        lambdaContext('probe-1'),
        harness.orchestrator('us-east-1'),
      );
      harness.siteHealth.status = 'up';
      clock.advance(60_000);
      race.armed.on = true;

      // Act
      const tick = await handleFailbackEvent(
        { action: 'tick' },
        lambdaContext('tick-0'),
        harness.failback('us-east-1'),
      );
      await race.done;

      // Assert
      expect(tick).toMatchObject({ status: 'ok', sites: [{ result: 'waiting' }] });
      expect(approval).toMatchObject({ status: 'ok', sites: [{ result: 'busy' }] });
      expect(await harness.incidents.get(INCIDENT)).toMatchObject({
        failback: { wavesDone: 1 },
        numbers: { restored: 3 },
      });
      await tickUntilResolved(clock);
      expect(harness.numbersAway()).toEqual([]);
      for (const entry of deployment.plan) expect(harness.carriers.writesTo(entry.number)).toBe(2);
      const events = typesOf(await harness.incidents.listEvents(INCIDENT));
      expect(events.filter((type) => type === 'failback-approved')).toHaveLength(1);
      expect(events.filter((type) => type === 'failback-wave-finished')).toHaveLength(4);
    });
  });
});
