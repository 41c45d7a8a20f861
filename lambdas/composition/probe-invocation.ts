/**
 * One probe invocation: the domain's probe cycle until a deadline, each trip handed to the
 * orchestrator, then every round's log lines and metrics. The same code path for Lambda and for the
 * local drill: only the dependencies handed to it differ.
 */
import { describeTrip } from '../adapters/lambda/orchestrator-invoker';
import type { DetectionSettings, Site } from '../contracts/config/schema';
import { endpointKind } from '../contracts/endpoint-ids';
import type { DecisionOptions } from '../domain/detection/decide-site-health';
import { ProbeCycle, type ProbeRoundReport } from '../domain/detection/probe-cycle';
import type { Clock } from '../ports/clock';
import type {
  Observation,
  ObservationStore,
  ProbeSiteFn,
  SiteHealthStore,
  TripNotifier,
} from '../ports/detection';
import type { ProbeLogger } from '../runtime/powertools';
import {
  emitControlReachable,
  emitInvocationMetrics,
  emitSiteRoundMetrics,
  type ProbeMetricsSink,
} from '../runtime/probe-metrics';
import {
  lastStatusBySite,
  logReplicationAbstention,
  logSiteRound,
  logUnreachableControl,
} from './probe-round-log';

/** What one probe invocation needs; Lambda, the drill and tests each build their own. */
export interface ProbeInvocationDependencies {
  /** The deployment's name, the value of the deployment dimension of every metric. */
  deployment: string;
  sites: readonly Site[];
  settings: DetectionSettings;
  /** This region: where the probes run and whose decision state is kept. */
  region: string;
  /** Every watchdog region, this one included: whose observations the quorum reads. */
  regions: readonly string[];
  clock: Clock;
  probeSite: ProbeSiteFn;
  observations: ObservationStore;
  siteHealth: SiteHealthStore;
  tripNotifier: TripNotifier;
  metrics: ProbeMetricsSink;
  logger: ProbeLogger;
  /** Decision knobs; only tests and the drill change them. */
  decision?: DecisionOptions;
  /** The longest a round takes; only the drill, whose loopback calls end at once, changes it. */
  roundMs?: number;
}

/** What one invocation did, returned by the function and logged. */
export interface ProbeInvocationSummary {
  rounds: number;
  /** Trips this region decided during the invocation. */
  trips: number;
  /** Recoveries this region decided during the invocation. */
  recoveries: number;
  /** Trips handed to the TripNotifier (re-announcements of earlier ones included). */
  notified: number;
  /** Site rounds whose probing, recording, deciding or announcing failed (retried next round). */
  siteErrors: number;
}

/**
 * Probes until `deadlineMs`, then emits every round's metrics (timestamped with the round's start, so
 * CloudWatch files them in the right minute) and the heartbeat.
 */
export async function runProbeInvocation(
  deps: ProbeInvocationDependencies,
  deadlineMs: number,
): Promise<ProbeInvocationSummary> {
  let notified = 0;
  const cycle = new ProbeCycle({
    sites: deps.sites,
    probeSite: deps.probeSite,
    observations: deps.observations,
    siteHealth: deps.siteHealth,
    clock: deps.clock,
    settings: deps.settings,
    regions: deps.regions,
    region: deps.region,
    decision: deps.decision,
    roundMs: deps.roundMs,
    onTrip: async (trip, site) => {
      if (site.role !== 'primary') {
        // Standby sites are watched, not failed over: their SiteDown metric alarms to the topic.
        deps.logger.warn('Standby site is down by quorum', {
          siteId: trip.siteId,
          reason: describeTrip(trip),
        });
        return;
      }
      deps.logger.warn('Site is down by quorum; asking the orchestrator to fail it over', {
        siteId: trip.siteId,
        outage: trip.idempotencyKey,
        outageStartedAt: new Date(trip.outageStartedAt).toISOString(),
        votingRegions: trip.regions,
        reason: describeTrip(trip),
      });
      await deps.tripNotifier.notifyTrip(trip, site);
      notified++;
    },
    onRecovered: async (recovery) => {
      // Failback is the failback function's decision (sustained health, approval); the probe only tells.
      deps.logger.info('Site is up again by quorum', {
        siteId: recovery.siteId,
        outage: recovery.idempotencyKey,
        healthyRegions: recovery.regions,
      });
    },
  });

  const reports = await cycle.run(deadlineMs);

  let siteErrors = 0;
  let abstainedRounds = 0;
  for (const report of reports) {
    for (const outcome of report.sites) {
      if (outcome.error !== undefined) siteErrors++;
      logSiteRound(deps, report.at, outcome);
      emitSiteRoundMetrics(deps, report.at, outcome);
    }
    const control = controlObservations(report);
    if (control !== undefined) {
      const reached = control.some((o) => o.ok);
      if (!reached) logUnreachableControl(deps, report.at, control);
      emitControlReachable(deps, report.at, reached);
    }
    if (logReplicationAbstention(deps, report)) abstainedRounds++;
  }
  emitInvocationMetrics(deps, deps.clock.now(), abstainedRounds);

  const transitions = reports.flatMap((r) => r.sites.flatMap((s) => s.transitions));
  const summary: ProbeInvocationSummary = {
    rounds: reports.length,
    trips: transitions.filter((t) => t.kind === 'tripped').length,
    recoveries: transitions.filter((t) => t.kind === 'recovered').length,
    notified,
    siteErrors,
  };
  deps.logger.info('Probe invocation finished', {
    region: deps.region,
    ...summary,
    abstainedRounds,
    sites: lastStatusBySite(reports),
  });
  return summary;
}

/**
 * The round's control observations, or undefined when it probed no control target. Every site's round
 * carries the same ones; the first site that has them speaks for the round.
 */
function controlObservations(report: ProbeRoundReport): Observation[] | undefined {
  for (const outcome of report.sites) {
    const control = outcome.observations.filter((o) => endpointKind(o.endpoint) === 'control');
    if (control.length > 0) return control;
  }
  return undefined;
}
