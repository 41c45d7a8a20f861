/**
 * Losing the home region: its table replica unreachable (its DynamoDB endpoint cut at the socket),
 * so its probe can neither record nor decide and its orchestrator is never started, while the site
 * dies. The other two regions must detect, decide with the remaining quorum and forward; when the
 * home region returns, its probe must rejoin the same outage (no second incident, no second
 * forwarding) and the incident must run to the end: recovery, failback, resolution.
 *
 * Real parts: the probe invocation, orchestrator and failback handlers of each region, a SIP
 * responder as the site (probed over UDP), dynalite behind one proxy per region, the carrier fakes.
 */

import { outageIncidentId } from '../../lambdas/domain/orchestration/run-failover';
import { handleFailbackEvent } from '../../lambdas/handlers/failback';
import type { Incident } from '../../lambdas/ports/incidents';
import { loadDeployment } from '../../lib/config/load-config';
import { SipResponder } from '../../lib/developer/drill/sip-responder';
import { buildIncidentReport } from '../../lib/operator/report/incident-report';
import { EXAMPLE_CONFIG } from '../support/config-files';
import { type CapturedOutput, captureOutput } from './support/reliability-harness';
import { SteppedClock, startWatchdogRegions, type WatchdogRegions } from './support/watchdog-regions';

/** On a minute boundary. */
const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);
const INTERVAL_MS = 10_000;
const HOME = 'us-east-1';
const OTHERS = ['us-east-2', 'us-west-2'];

describe('home region loss', () => {
  const deployment = loadDeployment(EXAMPLE_CONFIG);
  let responder: SipResponder;
  let world: WatchdogRegions;
  let clock: SteppedClock;
  let output: CapturedOutput;

  beforeEach(async () => {
    output = captureOutput();
    responder = await SipResponder.start({ mode: 200 });
    clock = new SteppedClock(T0);
    const primary = deployment.config.sites.find((site) => site.role === 'primary')!;
    world = await startWatchdogRegions({
      config: deployment.config,
      plan: deployment.plan,
      site: {
        ...primary,
        sip: [{ host: '127.0.0.1', port: responder.port, transport: 'udp', healthyCodes: [] }],
        http: [],
      },
      clock,
      // The config's probe timeout: a refused or answered probe never waits it out, and a loaded
      // machine answering late is not mistaken for a failing site.
      detection: { recoveryHoldMinutes: 1 },
      failback: { minutesBetweenWaves: 1 },
    });
  });

  afterEach(async () => {
    await world.stop();
    await responder.close();
    output.restore();
  });

  async function probeSteps(from: number, to: number): Promise<void> {
    for (let step = from; step < to; step++) await world.probeStep(T0 + step * INTERVAL_MS, step);
  }

  async function activeIncident(region: string): Promise<Incident | undefined> {
    return world.region(region).incidents.getActive('phx-primary');
  }

  it('the other regions detect, decide with the remaining quorum and forward; the home region rejoins and the incident completes', async () => {
    // Arrange: all three regions see the site up
    await probeSteps(0, 6);
    const home = world.region(HOME);

    // Act: the home region's replica becomes unreachable, then the site dies
    home.proxy.sever();
    await responder.setMode('stopped');
    await probeSteps(6, 15);

    // Assert: detected and forwarded by the remaining quorum, within failuresToTrip rounds and the settle time
    const incident = await activeIncident('us-east-2');
    // The outage starts with us-east-2's first failed round (regions probe 250 ms apart).
    expect(incident).toMatchObject({
      id: outageIncidentId('phx-primary', T0 + 6 * INTERVAL_MS + 250),
      status: 'forwarded',
      regions: OTHERS,
      openedBy: { type: 'probe', region: expect.stringMatching(/^us-(east-2|west-2)$/) },
      numbers: { total: 24, forwarded: 24, failed: 0 },
    });
    expect(incident!.openedAt - (T0 + 6 * INTERVAL_MS)).toBeLessThanOrEqual(
      3 * INTERVAL_MS + world.files.config.detection.probeTimeoutMs + 3_000,
    );
    for (const entry of deployment.plan) expect(world.carriers.writesTo(entry.number)).toBe(1);
    // ...the home region tried every round, reported each failure, and decided nothing
    const cutRounds = home.rounds.slice(6);
    expect(cutRounds.length).toBe(9);
    expect(cutRounds.every((round) => round.siteErrors === 1 && round.trips === 0)).toBe(true);
    expect(home.log.filter((line) => line.level === 'error').length).toBeGreaterThanOrEqual(9);
    expect(home.orchestrations).toEqual([]);
    expect(home.notifier.alerts).toEqual([]);
    const alerts = OTHERS.flatMap((name) => world.region(name).notifier.alerts.map((alert) => alert.kind));
    expect(alerts.filter((kind) => kind === 'detected')).toHaveLength(1);

    // Act: the home region returns while the site is still down
    home.proxy.restore();
    await probeSteps(15, 20);

    // Assert: its probe rejoins the same outage: one incident, nothing forwarded again
    expect(home.orchestrations).toEqual([
      { status: 'joined', incidentId: incident!.id, incidentStatus: 'forwarded' },
    ]);
    expect(await home.incidents.listBySite('phx-primary')).toHaveLength(1);
    for (const entry of deployment.plan) expect(world.carriers.writesTo(entry.number)).toBe(1);

    // Act: the site comes back; after the hold an operator approves failback from the home region
    await responder.setMode(200);
    for (let step = 20; step < 40; step++) {
      await world.probeStep(T0 + step * INTERVAL_MS, step);
      if (step % 6 === 5) await world.failbackTick(`tick-${step}`);
    }
    await handleFailbackEvent(
      { action: 'approve', siteId: 'phx-primary', approvedBy: { name: 'noc-oncall', region: HOME } },
      { awsRequestId: 'approve-1', getRemainingTimeInMillis: () => 300_000 },
      home.failback(),
    );
    for (let step = 40; step < 80 && (await activeIncident(HOME)); step++) {
      await world.probeStep(T0 + step * INTERVAL_MS, step);
      if (step % 6 === 5) await world.failbackTick(`tick-${step}`);
    }

    // Assert: the incident is complete, in every region's eyes
    const resolved = await home.incidents.get(incident!.id);
    expect(resolved).toMatchObject({ status: 'resolved', numbers: { forwarded: 24, restored: 24 } });
    for (const entry of deployment.plan) expect(world.carriers.writesTo(entry.number)).toBe(2);
    const events = await home.incidents.listEvents(incident!.id);
    const types = events.map((event) => event.type).filter((type) => type !== 'alert-sent');
    expect(types.slice(0, 3)).toEqual(['outage-started', 'detected', 'forwarding-started']);
    expect(types).toEqual(
      expect.arrayContaining(['forwarding-finished', 'recovered', 'failback-approved', 'resolved']),
    );
    expect(types.filter((type) => type === 'failback-wave-finished')).toHaveLength(4);
    expect(events.filter((event) => event.type === 'joined').map((event) => event.actor.region)).toContain(
      HOME,
    );
    expect(() => buildIncidentReport(resolved!, events, [])).not.toThrow();
  });

  it('a home region that returns only after the incident was resolved neither reopens it nor pages again', async () => {
    // Arrange: the home region is lost before the site dies and stays away through the whole incident
    await probeSteps(0, 6);
    const home = world.region(HOME);
    home.proxy.sever();
    await responder.setMode('stopped');
    await probeSteps(6, 15);
    const incident = (await activeIncident('us-east-2'))!;
    await responder.setMode(200);
    await probeSteps(15, 25);
    await handleFailbackEvent(
      { action: 'approve', siteId: 'phx-primary', approvedBy: { name: 'noc-oncall', region: 'us-east-2' } },
      { awsRequestId: 'approve-1', getRemainingTimeInMillis: () => 300_000 },
      world.region('us-east-2').failback(),
    );
    for (let step = 25; step < 80 && (await activeIncident('us-east-2')); step++) {
      await world.probeStep(T0 + step * INTERVAL_MS, step);
      if (step % 6 === 5) await world.failbackTick(`tick-${step}`);
    }
    expect(await world.region('us-east-2').incidents.get(incident.id)).toMatchObject({ status: 'resolved' });
    const eventsBefore = await world.region('us-east-2').incidents.listEvents(incident.id);
    const alertsBefore = world.regions.flatMap((region) => region.notifier.alerts);

    // Act: the home region returns and catches up on the outage it missed
    home.proxy.restore();
    await probeSteps(80, 86);

    // Assert: no new incident, no second "detected" page, nothing forwarded again, the site is up
    expect(await activeIncident(HOME)).toBeUndefined();
    expect(await home.incidents.listBySite('phx-primary')).toHaveLength(1);
    expect(world.regions.flatMap((region) => region.notifier.alerts)).toEqual(alertsBefore);
    const eventsAfter = await home.incidents.listEvents(incident.id);
    expect(eventsAfter.filter((event) => event.type === 'detected')).toHaveLength(1);
    // ...but its late announcement is on record: the home region's probe joined the resolved incident
    expect(eventsAfter.slice(eventsBefore.length).map((event) => [event.type, event.actor.region])).toEqual([
      ['joined', HOME],
    ]);
    for (const entry of deployment.plan) expect(world.carriers.writesTo(entry.number)).toBe(2);
    expect((await home.siteHealth.get('phx-primary', HOME))?.state.status).toBe('up');
  });
});
