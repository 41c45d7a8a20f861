/**
 * A 100,000-number site whose carriers are all native or switchable fails over in a few dozen
 * requests: Telnyx switches its connection with one filtered update job, Twilio's trunk fails over
 * by itself. Counted at the fakes, from the failover's start to its end; where calls go is the
 * fakes' own routing with the site's SBC not answering.
 */
import { outageIncidentId } from '../../lambdas/domain/orchestration/run-failover';
import { handleFailbackEvent } from '../../lambdas/handlers/failback';
import { handleOrchestratorEvent } from '../../lambdas/handlers/orchestrator';
import { loadDeployment } from '../../lib/config/load-config';
import { generatePlan } from '../../lib/developer/drill/generated-plan';
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
} from './support/route-harness';

const T0 = Date.UTC(2026, 11, 2, 10, 0, 0);
const INCIDENT = outageIncidentId('phx-primary', T0);
const NUMBERS = 100_000;
/** "A few dozen": what the whole failover may send the carriers for 100,000 numbers. */
const FEW_DOZEN = 36;

describe('a 100,000-number site, every carrier native or switchable', () => {
  let harness: Harness;
  let output: CapturedOutput;

  beforeEach(() => {
    output = captureOutput();
  });

  afterEach(async () => {
    output.restore();
    await harness?.stop();
  });

  it('fails over in a few dozen requests, every caller reaching the backup, and comes home exactly as before', async () => {
    // Arrange: Telnyx in switch mode, Twilio native; the example's other carriers left out
    const example = loadDeployment(EXAMPLE_CONFIG).config;
    const [primary, ...others] = example.sites;
    const failover = primary.failover ?? {};
    const config = {
      ...example,
      carriers: { telnyx: example.carriers.telnyx, twilio: example.carriers.twilio },
      sites: [
        {
          ...primary,
          failover: {
            backupSipUri: failover.backupSipUri,
            telnyx: { ...failover.telnyx, mode: 'switch' as const },
            twilio: failover.twilio,
          },
        },
        ...others,
      ],
    } as typeof example;
    const plan = generatePlan(config, NUMBERS);
    const clock = new FakeClock(T0 + 31_000);
    harness = await startHarness({ config, plan, clock });
    const before = destinationsWithAllUp(harness);
    await armRoutes(harness);
    const armed = requestsByCarrier(harness);

    // Act
    const result = await handleOrchestratorEvent(
      probeFailoverEvent('us-east-1', T0),
      lambdaContext('probe-1'),
      harness.orchestrator('us-east-1'),
    );

    // Assert
    expect(result).toEqual({ status: 'done', incidentId: INCIDENT, incidentStatus: 'forwarded' });
    const during = requestsByCarrier(harness);
    const sent = during.telnyx - armed.telnyx + (during.twilio - armed.twilio);
    expect(sent).toBeLessThanOrEqual(FEW_DOZEN);
    expect(during.twilio - armed.twilio).toBe(0);
    expect(numbersNotReached(harness, true)).toEqual([]);
    const incident = await harness.incidents.get(INCIDENT);
    expect(incident?.numbers).toMatchObject({ total: NUMBERS, forwarded: NUMBERS, failed: 0 });
    expect(await harness.numbers.list(INCIDENT)).toEqual([]);

    harness.siteHealth.status = 'up';
    clock.advance(60_000);
    await handleFailbackEvent({ action: 'tick' }, lambdaContext('tick-0'), harness.failback('us-east-1'));
    const back = await handleFailbackEvent(
      { action: 'approve', siteId: 'phx-primary', approvedBy: { name: 'jdoe', region: 'us-east-1' } },
      lambdaContext('approve'),
      harness.failback('us-east-1'),
    );
    expect(back).toMatchObject({ status: 'ok', sites: [{ result: 'resolved' }] });
    expect(destinationsWithAllUp(harness)).toEqual(before);
    expect(harness.numbersAway()).toEqual([]);
    expect((await harness.incidents.get(INCIDENT))?.numbers).toMatchObject({ restored: NUMBERS });
    expect(harness.carriers.violations()).toEqual([]);
  });
});
