/**
 * Carrier faults through the whole function path: the real orchestrator and failback handlers, the
 * real carrier adapters, every carrier's spec-checking HTTP fake answering 30 % of requests with a
 * seeded fault of every kind (429 with and without its wait hint, 500/502/503, resets, answers past
 * the timeout, malformed JSON, a change accepted then answered 500), and the incident table on
 * dynalite. Engine waits (backoff, Retry-After, read-back settle) run on a virtual clock; only the
 * fakes' late answers take real time, kept short with a short client timeout.
 */

import { outageIncidentId } from '../../lambdas/domain/orchestration/run-failover';
import { handleFailbackEvent } from '../../lambdas/handlers/failback';
import { handleOrchestratorEvent } from '../../lambdas/handlers/orchestrator';
import type { NumberState } from '../../lambdas/ports/forwarding-state';
import { loadDeployment } from '../../lib/config/load-config';
import { ALL_FAULT_KINDS } from '../../lib/developer/carrier-fakes/fake-carrier-server';
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
import { destinationsWithAllUp } from './support/route-harness';

const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);
/** 20 numbers a carrier: Telnyx's bulk jobs and Bandwidth's orders take part too. */
const NUMBERS = 80;

describe('orchestrator and failback under 30 % carrier faults of every kind', () => {
  const deployment = loadDeployment(EXAMPLE_CONFIG);
  const plan = generatePlan(deployment.config, NUMBERS);
  let harness: Harness;
  let output: CapturedOutput;

  beforeEach(() => {
    // The handlers' log lines; the security test reads them, here they would only bury the report.
    output = captureOutput();
  });

  afterEach(async () => {
    output.restore();
    await harness?.stop();
  });

  it.each([[20220812], [7]])(
    'seed %i: every number ends forwarded or failed with its reason, none applied twice, no original setting lost',
    async (seed) => {
      // Arrange
      const clock = new FakeClock(T0 + 31_000);
      harness = await startHarness({
        config: deployment.config,
        plan,
        clock,
        fakes: { faultRate: 0.3, faultKinds: ALL_FAULT_KINDS, seed, slowMs: 400, latencyMs: [0, 2] },
        carrierTimeoutMs: 150,
        failback: { mode: 'automatic', minutesBetweenWaves: 0 },
      });
      const { carriers, incidents, numbers } = harness;
      const before = destinationsWithAllUp(harness);
      const incidentId = outageIncidentId('phx-primary', T0);

      // Act: fail over; a run that ends partially forwarded is asked again, as the runbook says
      const continuations: ReturnType<typeof probeFailoverEvent>[] = [];
      const first = await handleOrchestratorEvent(
        probeFailoverEvent('us-east-1', T0),
        lambdaContext('failover-1'),
        harness.orchestrator('us-east-1', continuations),
      );

      // Assert: the run finished with every number settled and the outcome alerted
      expect(first).toMatchObject({ status: 'done', incidentId });
      expect(continuations).toEqual([]);
      const states = await numbers.list(incidentId);
      expect(states).toHaveLength(NUMBERS);
      const settled = states.filter((state) => state.status === 'forwarded' || state.status === 'failed');
      expect(settled.map((state) => state.number).sort()).toEqual(plan.map((entry) => entry.number).sort());
      const failed = states.filter((state) => state.status === 'failed');
      for (const state of failed) expect(state.lastError).toEqual(expect.stringMatching(/\S/));
      expect(states.filter((state) => state.status === 'forwarded').length).toBeGreaterThan(NUMBERS / 2);
      const incident = await incidents.get(incidentId);
      expect(incident?.numbers).toMatchObject({
        total: NUMBERS,
        forwarded: NUMBERS - failed.length,
        failed: failed.length,
      });
      const outcome = harness.notifier.alerts.at(-1)!;
      expect(outcome.kind).toBe(failed.length > 0 ? 'partially-forwarded' : 'forwarded');
      for (const state of failed.slice(0, 20)) {
        expect(outcome.body).toContain(`${state.number}: ${state.lastError}`);
      }
      // ...each forwarded number is forwarded at its carrier; each failed one's calls go where they went
      // before (a change it got in part may be one the carrier ignores, such as the VoiceUrl of a
      // Twilio number still on its trunk: "If a trunk_sid is present, we ignore all of the voice
      // urls"; failback puts it back, asserted below)
      const away = new Set(harness.numbersAway());
      expect(states.filter((state) => state.status === 'forwarded' && !away.has(state.number))).toEqual([]);
      const now = destinationsWithAllUp(harness);
      expect(
        failed
          .filter((state) => now.get(state.number) !== before.get(state.number))
          .map((state) => state.number),
      ).toEqual([]);
      // ...no number was changed twice by the fakes' own write log
      expect(plan.filter((entry) => carriers.writesTo(entry.number) > 1).map((e) => e.number)).toEqual([]);
      // ...every saved original is the pre-outage routing, never a forwarded one
      for (const state of states.filter((candidate) => candidate.snapshot !== undefined)) {
        expect({ number: state.number, forwardsTo: state.snapshot?.forwardsTo }).toEqual({
          number: state.number,
          forwardsTo: null,
        });
      }
      // ...every fault kind was met, and no request broke a carrier's contract
      const met = new Set(
        Object.values(carriers.fakes).flatMap((fake) =>
          fake.requests.flatMap((r) => (r.fault ? [r.fault] : [])),
        ),
      );
      expect([...met].sort()).toEqual([...ALL_FAULT_KINDS].sort());
      expect(carriers.violations()).toEqual([]);

      // Act: the site recovers; failback (automatic) brings every forwarded number home, still under faults
      harness.siteHealth.status = 'up';
      const forwardWrites = new Map(plan.map((entry) => [entry.number, carriers.writesTo(entry.number)]));
      let result = 'none';
      for (let run = 1; run <= 6 && result !== 'resolved'; run++) {
        clock.advance(60_000);
        const tick = await handleFailbackEvent(
          // Restores that failed after retries halt the failback; the operator approves again.
          run === 1 ? { action: 'tick' } : { action: 'approve', siteId: 'phx-primary', approvedBy: operator },
          lambdaContext(`failback-${run}`),
          harness.failback('us-east-1'),
        );
        result = tick.status === 'ok' ? tick.sites[0].result : tick.status;
      }

      // Assert: resolved, every number back exactly as it was, none restored twice
      expect(result).toBe('resolved');
      expect(harness.numbersAway()).toEqual([]);
      expect(
        plan.filter((entry) => carriers.writesTo(entry.number) - (forwardWrites.get(entry.number) ?? 0) > 1),
      ).toEqual([]);
      const after: NumberState[] = await numbers.list(incidentId);
      expect(
        after.filter((state) => state.status === 'forwarded' || state.status === 'restore-failed'),
      ).toEqual([]);
      expect(carriers.violations()).toEqual([]);
    },
  );
});

const operator = { name: 'noc-oncall', region: 'us-east-1' };
