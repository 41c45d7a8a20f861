/**
 * A flapping site end to end: a SIP responder that goes down hard, then alternates between answering
 * 200 and 503 every few seconds (seeded random lengths) for minutes, then stays up. Three regions run
 * the real probe invocation every 10 s of virtual time on one table, start their orchestrator on a
 * trip, and run their failback function every minute. At most one failover may happen, and no number
 * may come home until the site has been healthy for the whole recovery hold after its last failure.
 */
import { seededRandom } from '../../lambdas/adapters/local/seeded-random';
import { handleFailbackEvent } from '../../lambdas/handlers/failback';
import { loadDeployment } from '../../lib/config/load-config';
import { SipResponder } from '../../lib/developer/drill/sip-responder';
import { EXAMPLE_CONFIG } from '../support/config-files';
import { type CapturedOutput, captureOutput } from './support/reliability-harness';
import { SteppedClock, startWatchdogRegions, type WatchdogRegions } from './support/watchdog-regions';

const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);
const INTERVAL_MS = 10_000;
const FLAP_STARTS = T0 + 60_000;
/** Down for 40 s first (a real trip), then flapping for six minutes. */
const FLAP_ENDS = FLAP_STARTS + 40_000 + 6 * 60_000;

/** When the site is up: a hard 40 s outage, then seeded segments of 2-9 s alternating down and up. */
function flappingSchedule(seed: number): { isUp(at: number): boolean; lastDownBefore(at: number): number } {
  const random = seededRandom(seed);
  const downs: [number, number][] = [[FLAP_STARTS, FLAP_STARTS + 40_000]];
  let at = FLAP_STARTS + 40_000;
  let up = true;
  while (at < FLAP_ENDS) {
    const length = 2_000 + Math.floor(random() * 8_000);
    const end = Math.min(at + length, FLAP_ENDS);
    if (!up) downs.push([at, end]);
    at = end;
    up = !up;
  }
  return {
    isUp: (t) => !downs.some(([start, end]) => t >= start && t < end),
    lastDownBefore: (t) => Math.max(...downs.filter(([start]) => start < t).map(([, end]) => end)),
  };
}

describe('a flapping site', () => {
  const deployment = loadDeployment(EXAMPLE_CONFIG);
  const hold = deployment.config.detection.recoveryHoldMinutes * 60_000;
  let responder: SipResponder;
  let world: WatchdogRegions;
  let output: CapturedOutput;

  beforeEach(async () => {
    output = captureOutput();
    responder = await SipResponder.start({ mode: 200 });
  });

  afterEach(async () => {
    await world?.stop();
    await responder.close();
    output.restore();
  });

  it.each([[20220812]])(
    'seed %i: one failover at most, and no failback before the recovery hold has passed since the last failure',
    async (seed) => {
      // Arrange
      const clock = new SteppedClock(T0);
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
        // The config's timeout: the responder always answers, so it is never waited out, and a loaded
        // machine answering late is not mistaken for a failing site.
        detection: { probeTimeoutMs: 2000 },
        failback: { minutesBetweenWaves: 0 },
      });
      const schedule = flappingSchedule(seed);
      let mode: 200 | 503 = 200;
      const beforeRound = async (at: number) => {
        const wanted = schedule.isUp(at) ? 200 : 503;
        if (wanted !== mode) await responder.setMode(wanted);
        mode = wanted;
      };
      const lastFailedRound = schedule.lastDownBefore(FLAP_ENDS + 1);
      const sawDown: number[] = [];
      const homeAt: { step: number; at: number }[] = [];
      let approvalDuringFlapping: unknown;

      // Act: probe every 10 s for the flapping and the hold after it; failback is scheduled every minute
      const allHome = () => deployment.plan.every((entry) => world.carriers.writesTo(entry.number) === 2);
      for (let step = 0; !allHome() && clock.now() < lastFailedRound + hold + 10 * 60_000; step++) {
        const at = T0 + step * INTERVAL_MS;
        await world.probeStep(at, step, { beforeRound });
        if (!schedule.isUp(at)) sawDown.push(at);
        if (step % 6 === 5) await world.failbackTick(`tick-${step}`);
        if (at === FLAP_STARTS + 3 * 60_000) {
          // An operator approves failback in the middle of the flapping: it must wait for the hold.
          approvalDuringFlapping = await handleFailbackEvent(
            {
              action: 'approve',
              siteId: 'phx-primary',
              approvedBy: { name: 'noc-oncall', region: 'us-east-2' },
            },
            { awsRequestId: `approve-${step}`, getRemainingTimeInMillis: () => 300_000 },
            world.region('us-east-2').failback(),
          );
        }
        const restored = deployment.plan.filter((entry) => world.carriers.writesTo(entry.number) > 1);
        if (restored.length > 0 && homeAt.length === 0) homeAt.push({ step, at });
      }

      // Assert: the site was seen failing many times, but there was exactly one failover
      expect(sawDown.length).toBeGreaterThan(10);
      const home = world.region('us-east-1');
      const incidents = await home.incidents.listBySite('phx-primary');
      expect(incidents).toHaveLength(1);
      const alerts = world.regions.flatMap((region) => region.notifier.alerts.map((alert) => alert.kind));
      expect(alerts.filter((kind) => kind === 'detected')).toHaveLength(1);
      expect(alerts.filter((kind) => kind === 'forwarding-started')).toHaveLength(1);
      // ...failback started only after the hold, measured from the last failed round
      expect(homeAt).toHaveLength(1);
      expect(homeAt[0].at).toBeGreaterThanOrEqual(lastFailedRound + hold);
      const events = await home.incidents.listEvents(incidents[0].id);
      const recovered = events.filter((event) => event.type === 'recovered');
      expect(recovered).toHaveLength(1);
      expect(recovered[0].at).toBeGreaterThanOrEqual(lastFailedRound + hold);
      // ...and every number went away once and came home once
      expect(incidents[0].status).toBe('resolved');
      for (const entry of deployment.plan) expect(world.carriers.writesTo(entry.number)).toBe(2);
      expect(approvalDuringFlapping).toMatchObject({
        status: 'ok',
        sites: [{ result: 'awaiting-recovery' }],
      });
    },
  );
});
