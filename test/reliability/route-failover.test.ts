/**
 * The carriers' own failover and the route switch, end to end through the real orchestrator and
 * failback handlers on dynalite and the spec-checking fakes: armed ahead (native) the failover sends
 * the routed carriers nothing; switched, it sends a few requests a route, exactly once across
 * regions, retries and crashes; failback undoes the switch and every number is routed as before.
 * "Where a call goes" is the fakes' modelled routing, with the site's SBC not answering.
 */
import { CarrierError } from '../../lambdas/contracts/errors';
import { outageIncidentId } from '../../lambdas/domain/orchestration/run-failover';
import { handleFailbackEvent } from '../../lambdas/handlers/failback';
import { handleOrchestratorEvent } from '../../lambdas/handlers/orchestrator';
import type { CarrierRoutes } from '../../lambdas/ports/carrier-routes';
import type { CarrierDirectory } from '../../lambdas/ports/carriers';
import type { IncidentRoute } from '../../lambdas/ports/incidents';
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
import {
  armRoutes,
  destinationsWithAllUp,
  numbersNotReached,
  requestsByCarrier,
  withRouteModes,
} from './support/route-harness';

const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);
const INCIDENT = outageIncidentId('phx-primary', T0);
const ROUTED = ['telnyx', 'twilio', 'bandwidth'];

describe('failover by route: native armed ahead, or the switch', () => {
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

  const routesOf = async () =>
    ((await harness.incidents.get(INCIDENT))?.routes ?? []).map((route: IncidentRoute) => ({
      carrier: route.carrier,
      state: route.state,
      covered: route.covered,
    }));

  /** Failback to the end: the site is healthy, an operator approves, the ticks run the waves. */
  async function failBack(clock: FakeClock): Promise<void> {
    harness.siteHealth.status = 'up';
    clock.advance(60_000);
    await handleFailbackEvent({ action: 'tick' }, lambdaContext('tick-0'), harness.failback('us-east-1'));
    await handleFailbackEvent(
      { action: 'approve', siteId: 'phx-primary', approvedBy: { name: 'jdoe', region: 'us-east-1' } },
      lambdaContext('approve'),
      harness.failback('us-east-1'),
    );
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

  it('native, armed ahead: the failover sends the routed carriers no request and their callers reach the backup; failback changes nothing there', async () => {
    // Arrange
    const clock = new FakeClock(T0 + 31_000);
    harness = await startHarness({ config: deployment.config, plan: deployment.plan, clock });
    const before = destinationsWithAllUp(harness);
    await armRoutes(harness);
    const armed = requestsByCarrier(harness);
    expect(numbersNotReached(harness, true).length).toBeGreaterThan(0); // only the webhook's numbers

    // Act
    const result = await handleOrchestratorEvent(
      probeFailoverEvent('us-east-1', T0),
      lambdaContext('probe-1'),
      harness.orchestrator('us-east-1'),
    );

    // Assert
    expect(result).toEqual({ status: 'done', incidentId: INCIDENT, incidentStatus: 'forwarded' });
    const during = requestsByCarrier(harness);
    for (const carrier of ROUTED) expect(during[carrier]).toBe(armed[carrier]);
    expect(during.webhook).toBeGreaterThan(armed.webhook);
    expect(numbersNotReached(harness, true)).toEqual([]);
    expect(await routesOf()).toEqual([
      { carrier: 'telnyx', state: 'covered', covered: 10 },
      { carrier: 'twilio', state: 'covered', covered: 6 },
      { carrier: 'bandwidth', state: 'covered', covered: 6 },
    ]);
    const forwarded = harness.notifier.alerts.find((alert) => alert.kind === 'forwarded');
    expect(forwarded?.body).toContain("telnyx: 10 by the carrier's own failover (native");
    expect(forwarded?.body).toContain('webhook: 2 by one request per number (per-number)');

    await failBack(clock);
    expect(harness.numbersAway()).toEqual([]);
    expect(destinationsWithAllUp(harness)).toEqual(before);
    expect((await harness.incidents.get(INCIDENT))?.numbers).toMatchObject({ forwarded: 24, restored: 24 });
    expect(harness.carriers.violations()).toEqual([]);
  });

  it('switch: a few requests a route move every caller to the backup; failback switches back before its first wave and every route is as before', async () => {
    // Arrange
    const clock = new FakeClock(T0 + 31_000);
    harness = await startHarness({
      config: withRouteModes(deployment.config, 'switch'),
      plan: deployment.plan,
      clock,
    });
    const before = destinationsWithAllUp(harness);
    await armRoutes(harness);
    const armed = requestsByCarrier(harness);

    // Act
    await handleOrchestratorEvent(
      probeFailoverEvent('us-east-1', T0),
      lambdaContext('probe-1'),
      harness.orchestrator('us-east-1'),
    );

    // Assert: switched routes send calls to the backup even while the site's SBC still answers
    const during = requestsByCarrier(harness);
    for (const carrier of ROUTED) expect(during[carrier] - armed[carrier]).toBeLessThanOrEqual(12);
    expect(numbersNotReached(harness, true)).toEqual([]);
    expect(await routesOf()).toEqual([
      { carrier: 'telnyx', state: 'switched', covered: 10 },
      { carrier: 'twilio', state: 'switched', covered: 6 },
      { carrier: 'bandwidth', state: 'switched', covered: 6 },
    ]);
    const moved = [...destinationsWithAllUp(harness)].filter(
      ([number, target]) => target !== before.get(number),
    );
    expect(moved.length).toBeGreaterThanOrEqual(22);

    await failBack(clock);
    expect((await routesOf()).map((route) => route.state)).toEqual([
      'switched-back',
      'switched-back',
      'switched-back',
    ]);
    const events = await harness.incidents.listEvents(INCIDENT);
    const switchedBack = events.findIndex((event) => event.type === 'route-switched-back');
    const firstWave = events.findIndex((event) => event.type === 'failback-wave-started');
    expect(switchedBack).toBeGreaterThan(-1);
    expect(switchedBack).toBeLessThan(firstWave);
    expect(harness.numbersAway()).toEqual([]);
    expect(destinationsWithAllUp(harness)).toEqual(before);
    expect(harness.carriers.violations()).toEqual([]);
  });

  it('a site that answers with errors ("up but out of sync") is not covered by native failover: the failover switches the routes instead', async () => {
    // Arrange
    const clock = new FakeClock(T0 + 31_000);
    harness = await startHarness({ config: deployment.config, plan: deployment.plan, clock });
    await armRoutes(harness);

    // Act
    await handleOrchestratorEvent(
      probeFailoverEvent('us-east-1', T0, { failureKind: 'sip-errors', reason: 'SIP 500 from every SBC' }),
      lambdaContext('probe-1'),
      harness.orchestrator('us-east-1'),
    );

    // Assert: with the SBC up but failing calls, every caller still reaches the backup
    expect((await routesOf()).map((route) => route.state)).toEqual(['switched', 'switched', 'switched']);
    expect(numbersNotReached(harness, false).filter((number) => number.startsWith('+1602'))).toEqual([]);
    const route = (await harness.incidents.get(INCIDENT))?.routes?.[0];
    expect(route?.reason).toMatch(/does not answer sip-errors: switching the route instead/);
  });

  it('two regions at once: one switch at the carriers, one record, the second region joins', async () => {
    // Arrange
    const clock = new FakeClock(T0 + 31_000);
    harness = await startHarness({
      config: withRouteModes(deployment.config, 'switch'),
      plan: deployment.plan,
      clock,
    });
    await armRoutes(harness);
    const armed = harness.carriers.requestCountByOperation();

    // Act
    const results = await Promise.all(
      ['us-east-1', 'us-east-2'].map((region, index) =>
        handleOrchestratorEvent(
          probeFailoverEvent(region, T0),
          lambdaContext(`probe-${index}`),
          harness.orchestrator(region),
        ),
      ),
    );

    // Assert
    expect(results.map((result) => result.status).sort()).toEqual(['done', 'joined']);
    const after = harness.carriers.requestCountByOperation();
    const sent = (carrier: string, operation: string) =>
      (after[carrier]?.[operation] ?? 0) - (armed[carrier]?.[operation] ?? 0);
    expect(sent('twilio', 'UpdateOriginationUrl')).toBe(1);
    expect(sent('bandwidth', 'UpdateSipPeer')).toBe(1);
    expect(sent('telnyx', 'CreateUpdatePhoneNumbersJob')).toBe(1);
    const events = await harness.incidents.listEvents(INCIDENT);
    expect(events.filter((event) => event.type === 'route-switching')).toHaveLength(3);
    expect(numbersNotReached(harness, true)).toEqual([]);
  });

  it('a run that dies mid-switch leaves the record: the next run, in another region, applies it, and failback undoes exactly that', async () => {
    // Arrange: the first run's first switch request dies with the Lambda (not a carrier error)
    const clock = new FakeClock(T0 + 31_000);
    let crash = true;
    const resumed: unknown[] = [];
    const crashOnce = twilioSwitchedBy((switchToBackup) => async (...args) => {
      resumed.push(args[3]?.resumed);
      if (crash) {
        crash = false;
        throw new Error('Lambda timed out');
      }
      return switchToBackup(...args);
    });
    harness = await startHarness({
      config: withRouteModes(deployment.config, 'switch'),
      plan: deployment.plan,
      clock,
      wrapCarriers: crashOnce,
    });
    const before = destinationsWithAllUp(harness);
    await armRoutes(harness);

    // Act
    await expect(
      handleOrchestratorEvent(
        probeFailoverEvent('us-east-1', T0),
        lambdaContext('probe-1'),
        harness.orchestrator('us-east-1'),
      ),
    ).rejects.toThrow('Lambda timed out');
    const left = (await harness.incidents.get(INCIDENT))?.routes?.find((route) => route.carrier === 'twilio');
    clock.advance(20 * 60_000); // the dead run's lease expires
    const retried = await handleOrchestratorEvent(
      probeFailoverEvent('us-west-2', T0),
      lambdaContext('probe-2'),
      harness.orchestrator('us-west-2'),
    );

    // Assert
    expect(left?.state).toBe('switching');
    expect(left?.record).toBeDefined();
    // The second run is told the record may be partly applied (the adapter reads before writing).
    expect(resumed).toEqual([false, true]);
    expect(retried).toMatchObject({ status: 'done', incidentStatus: 'forwarded' });
    const twilio = (await harness.incidents.get(INCIDENT))?.routes?.find(
      (route) => route.carrier === 'twilio',
    );
    expect(twilio).toMatchObject({ state: 'switched', record: left?.record });
    expect(numbersNotReached(harness, true)).toEqual([]);
    await failBack(clock);
    expect(destinationsWithAllUp(harness)).toEqual(before);
    expect(harness.numbersAway()).toEqual([]);
  });

  it("a switch the carrier refuses leaves the route's numbers to per-number forwarding: counted once, home once, the route as before", async () => {
    // Arrange: Twilio refuses the switch itself (after its plan was recorded)
    const clock = new FakeClock(T0 + 31_000);
    const refuseSwitch = twilioSwitchedBy(() => async () => {
      throw new CarrierError('twilio', 'UpdateOriginationUrl failed with HTTP 400', {
        retryable: false,
        status: 400,
      });
    });
    harness = await startHarness({
      config: withRouteModes(deployment.config, 'switch'),
      plan: deployment.plan,
      clock,
      wrapCarriers: refuseSwitch,
    });
    const before = destinationsWithAllUp(harness);
    await armRoutes(harness);

    // Act
    await handleOrchestratorEvent(
      probeFailoverEvent('us-east-1', T0),
      lambdaContext('probe-1'),
      harness.orchestrator('us-east-1'),
    );

    // Assert
    const twilio = (await harness.incidents.get(INCIDENT))?.routes?.find(
      (route) => route.carrier === 'twilio',
    );
    expect(twilio).toMatchObject({ state: 'not-covering', covered: 0 });
    expect(twilio?.reason).toMatch(/the switch failed: .*HTTP 400/);
    expect(twilio?.record).toBeDefined();
    expect((await harness.numbers.list(INCIDENT)).filter((state) => state.carrier === 'twilio')).toHaveLength(
      6,
    );
    expect(numbersNotReached(harness, true)).toEqual([]);
    await failBack(clock);
    expect((await harness.incidents.get(INCIDENT))?.numbers).toMatchObject({ forwarded: 24, restored: 24 });
    expect(destinationsWithAllUp(harness)).toEqual(before);
    expect(harness.numbersAway()).toEqual([]);
  });

  it('under 30 % carrier faults of every kind, every caller reaches the backup and every number comes home as it was', async () => {
    // Arrange
    const clock = new FakeClock(T0 + 31_000);
    harness = await startHarness({
      config: withRouteModes(deployment.config, 'switch'),
      plan: deployment.plan,
      clock,
      fakes: { faultRate: 0.3, faultKinds: ['rate-limit', 'http-500', 'slow'], slowMs: 800, seed: 7 },
      carrierTimeoutMs: 500,
    });
    const before = destinationsWithAllUp(harness);
    await armRoutes(harness).catch(() => undefined); // some routes may not arm: the failover reads them first

    // Act
    await handleOrchestratorEvent(
      probeFailoverEvent('us-east-1', T0),
      lambdaContext('probe-1'),
      harness.orchestrator('us-east-1'),
    );

    // Assert
    const incident = await harness.incidents.get(INCIDENT);
    expect(incident?.numbers).toMatchObject({ total: 24, forwarded: 24, failed: 0 });
    expect(numbersNotReached(harness, true)).toEqual([]);
    await failBack(clock);
    expect(destinationsWithAllUp(harness)).toEqual(before);
    expect(harness.numbersAway()).toEqual([]);
  });
});

type SwitchToBackup = CarrierRoutes['switchToBackup'];

/** Wraps a carrier directory so Twilio's switch runs through `wrap` (the other route calls as they are). */
function twilioSwitchedBy(wrap: (switchToBackup: SwitchToBackup) => SwitchToBackup) {
  return (directory: CarrierDirectory): CarrierDirectory =>
    Object.fromEntries(
      Object.entries(directory).map(([name, carrier]) => {
        const routes = carrier.routes;
        if (!routes || name !== 'twilio') return [name, carrier];
        const wrapped: CarrierRoutes = {
          armNative: routes.armNative.bind(routes),
          audit: routes.audit.bind(routes),
          planSwitch: routes.planSwitch.bind(routes),
          switchBack: routes.switchBack.bind(routes),
          switchToBackup: wrap(routes.switchToBackup.bind(routes)),
        };
        return [name, Object.assign(Object.create(carrier), { routes: wrapped })];
      }),
    );
}
