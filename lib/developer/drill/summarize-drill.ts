/** Turns what a finished drill left behind (timeline, number states, the fakes' counts) into its result. */

import type { RecordingNotifier } from '../../../lambdas/adapters/local/recording-notifier';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import type { Site } from '../../../lambdas/contracts/config/schema';
import { slowModeOf } from '../../../lambdas/contracts/config/site-routes';
import type { CarrierEstimate } from '../../../lambdas/domain/practice/preview-failover';
import { modeShares } from '../../../lambdas/domain/routes/describe-modes';
import type { NumberState } from '../../../lambdas/ports/forwarding-state';
import type { Incident, TimelineEvent } from '../../../lambdas/ports/incidents';
import { systemClock } from '../../../lambdas/runtime/system-clock';
import { buildIncidentReport, renderIncidentReportMarkdown } from '../../operator/report/incident-report';
import type { CallsReport } from '../far-side/call-watch';
import type { FarSide } from '../far-side/far-side';
import type { FarSideTally } from '../far-side/far-side-protocol';
import type { DrillResult, DrillStep } from './drill-result';

/** What the drill hands over once its outage is over (or its numbers forwarded). */
export interface SummaryInput {
  incident: Incident;
  events: () => Promise<TimelineEvent[]>;
  states: () => Promise<NumberState[]>;
  plan: PlanEntry[];
  killedAt: number;
  /** Undefined when the drill stopped once the numbers were forwarded. */
  revivedAt?: number;
  started: number;
  alerts: RecordingNotifier['alerts'];
  /** Accepted writes per number the routes' arming made before the outage. */
  armWrites: Map<string, number>;
  /** Accepted writes per number from the outage to when forwarding finished. */
  forwardWrites: Map<string, number>;
  farSide: FarSide;
  forwardingLoad: DrillResult['forwardingLoad'];
  waves: number;
  /** The dry run's estimate before the kill, per carrier. */
  estimate: readonly CarrierEstimate[];
  /** Requests each carrier received from the kill until the incident was forwarded. */
  failoverRequests: Record<string, number>;
  /** Where the fakes routed calls to the site's numbers from the kill on. */
  calls: CallsReport;
  sites: readonly Site[];
  /** Numbers not back as they were before the outage, once it resolved. */
  routingChanged?: string[];
  /** When each number's calls went where they went before the outage again, from the revival. */
  home?: CallsReport;
}

/** The drill's result, less what only the drill itself counted (the control target's requests). */
export async function summarize(
  input: SummaryInput,
): Promise<Omit<DrillResult, 'controlTargetRequests' | 'failbackWaited'>> {
  const { incident, killedAt } = input;
  const events = await input.events();
  const states = await input.states();
  const tally: FarSideTally = await input.farSide.tally();
  const after = (at: number) => at - killedAt;
  const first = (type: string) => events.find((event) => event.type === type);
  const steps: DrillStep[] = [{ name: 'site killed (incident begins)', atMs: 0 }];
  const push = (name: string, at: number | undefined) => {
    if (at !== undefined) steps.push({ name, atMs: after(at) });
  };
  push('detected by quorum', first('detected')?.at);
  push('first alert sent', input.alerts[0]?.at);
  push('forwarding started', first('forwarding-started')?.at);
  push('forwarding finished', events.filter((event) => event.type === 'forwarding-finished').at(-1)?.at);
  push('site revived', input.revivedAt);
  push('recovered (healthy for the hold)', first('recovered')?.at);
  push('failback approved', first('failback-approved')?.at);
  const waves = events.filter((event) => event.type === 'failback-wave-finished');
  for (const [index, event] of waves.entries()) push(`failback wave ${index + 1} done`, event.at);
  push('resolved', first('resolved')?.at);
  steps.sort((a, b) => a.atMs - b.atMs);

  const writtenTwice = [...input.forwardWrites].filter(([, writes]) => writes > 1).map(([number]) => number);
  const forwardedTwice = writtenTwice.length;
  const restoredTwice = [...tally.writeCounts].filter(
    ([number, writes]) =>
      writes - (input.armWrites.get(number) ?? 0) - (input.forwardWrites.get(number) ?? 0) > 1,
  ).length;
  // Evidence for any number forwarded twice: the writes the fakes accepted for it, in order.
  const evidence = await input.farSide.writesOf(writtenTwice.slice(0, 20));
  const report = buildIncidentReport(incident, events, states);
  const site = input.sites.find((candidate) => candidate.id === incident.siteId);
  const shares = modeShares(input.plan, incident.routes, (carrier) =>
    site ? slowModeOf(site, carrier) : 'per-number',
  );
  const byCarrier = input.calls.byCarrier.map((carrier) => {
    const modes = Object.fromEntries(
      shares.filter((share) => share.carrier === carrier.carrier).map((share) => [share.mode, share.numbers]),
    );
    const [mode] = Object.entries(modes).sort(([, a], [, b]) => b - a)[0] ?? ['none'];
    return {
      carrier: carrier.carrier,
      mode,
      numbers: carrier.numbers,
      requests: carrier.requests,
      failoverRequests: input.failoverRequests[carrier.carrier] ?? 0,
      estimatedRequests:
        input.estimate.find((estimate) => estimate.carrier === carrier.carrier)?.requests ?? 0,
      forwardedAfterMs: carrier.reachedAfterMs ?? Number.NaN,
      modes,
    };
  });
  const reachedAt = input.calls.reachedAtMs;
  // The watch since the revival counts from it; the drill's times count from the kill.
  const homeAt = (number: string) => {
    const since = input.home?.reachedAtMs[number];
    return since === undefined || input.revivedAt === undefined ? null : since + after(input.revivedAt);
  };
  return {
    incidentId: incident.id,
    steps,
    detectedAfterMs: after(first('detected')?.at ?? Number.NaN),
    alertedAfterMs: after(input.alerts[0]?.at ?? Number.NaN),
    forwardedAfterMs: after(
      events.filter((event) => event.type === 'forwarding-finished').at(-1)?.at ?? Number.NaN,
    ),
    numbers: {
      total: input.plan.length,
      forwarded: incident.numbers.forwarded,
      failed: incident.numbers.failed,
      forwardedTwice,
    },
    failback: {
      restored: incident.numbers.restored,
      failed: states.filter((state) => state.status === 'restore-failed').length,
      waves: events.filter((event) => event.type === 'failback-wave-finished').length,
      restoredTwice,
    },
    alerts: input.alerts.map((alert) => ({
      kind: alert.kind,
      subject: alert.subject,
      atMs: after(alert.at),
    })),
    byCarrier,
    routingNotRestored: input.routingChanged ?? null,
    carrierRequests: tally.requests,
    carrierRequestsByOperation: tally.requestsByOperation,
    forwardedTwiceEvidence: Object.entries(evidence).map(([number, writes]) => ({ number, writes })),
    contractViolations: tally.violations,
    report,
    reportMarkdown: renderIncidentReportMarkdown(report),
    durationMs: systemClock.now() - input.started,
    forwardingLoad: input.forwardingLoad,
    // A number a route carried has no row of its own: its calls reaching the backup is its time.
    numberTimes: input.plan.map((entry) => {
      const state = states.find((candidate) => candidate.number === entry.number);
      return {
        number: entry.number,
        carrier: entry.carrier,
        forwardedAtMs:
          state?.forwardedAt !== undefined ? after(state.forwardedAt) : (reachedAt[entry.number] ?? null),
        restoredAtMs: state?.restoredAt !== undefined ? after(state.restoredAt) : homeAt(entry.number),
      };
    }),
  };
}
