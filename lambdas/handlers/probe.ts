/**
 * The probe function (one per watchdog region), started every minute by EventBridge: probes every
 * site every `probeIntervalSeconds` for most of the minute, records the observations, decides each
 * site with the other regions' observations, asks the orchestrator to fail over on a trip, and
 * emits the metrics that alarms and Route 53 health checks watch. Thin: parse the event, run the
 * domain's probe cycle, report.
 *
 * `runProbeInvocation` is the same code path for Lambda and for the local drill: only the adapters
 * handed to it differ.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { DynamoDbObservationStore } from '../adapters/dynamodb/observation-store';
import { DynamoDbSiteHealthStore } from '../adapters/dynamodb/site-health-store';
import { describeTrip, OrchestratorInvoker } from '../adapters/lambda/orchestrator-invoker';
import { configuredProbe } from '../adapters/probes/control-probe';
import type { DetectionSettings, Site } from '../contracts/config/schema';
import { readEnvironment } from '../contracts/environments/common-environment';
import { probeEnvironmentSchema } from '../contracts/environments/probe-environment';
import {
  METRIC_NAMESPACE,
  type MetricDimensions,
  PROBE_METRICS,
  type ProbeKind,
  regionDimensions,
  siteRegionDimensions,
  siteRegionKindDimensions,
} from '../contracts/metric-names';
import {
  CONTROL_ENDPOINT_PREFIX,
  type DecisionOptions,
  endpointKind,
} from '../domain/detection/decide-site-health';
import { ProbeCycle, type ProbeRoundReport, type SiteRoundOutcome } from '../domain/detection/probe-cycle';
import type { Clock } from '../ports/clock';
import type {
  Observation,
  ObservationStore,
  ProbeSiteFn,
  SiteHealthStore,
  TripNotifier,
} from '../ports/detection';
import { readDeploymentConfig } from '../runtime/deployment-files';
import { logger } from '../runtime/powertools';
import { systemClock } from '../runtime/system-clock';

/**
 * Time kept back from the Lambda deadline: the last round may start up to this close to it and
 * still write, decide, invoke the orchestrator and flush its metrics.
 */
export const DEADLINE_MARGIN_MS = 5_000;

/** The part of Powertools Metrics the probe uses, so the drill may pass a recorder instead. */
export type ProbeMetricsSink = Pick<
  Metrics,
  'addDimensions' | 'addMetric' | 'setTimestamp' | 'publishStoredMetrics'
>;

/** The part of Powertools Logger the probe uses. */
export type ProbeLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

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
    emitControlMetric(deps, report);
    if (logReplicationAbstention(deps, report)) abstainedRounds++;
  }
  publish(deps.metrics, deps.clock.now(), regionDimensions(deps.deployment, deps.region), (m) => {
    m.addMetric(PROBE_METRICS.probeHeartbeat.name, PROBE_METRICS.probeHeartbeat.unit, 1);
    m.addMetric(
      PROBE_METRICS.replicationAbstained.name,
      PROBE_METRICS.replicationAbstained.unit,
      abstainedRounds,
    );
  });

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

/** An EventBridge schedule's event; other fields (id, time, resources, ...) are not read. */
const scheduledEventSchema = z
  .object({ source: z.literal('aws.events'), 'detail-type': z.literal('Scheduled Event') })
  .loose();

/**
 * Why an event is not one the probe runs for, or nothing. Accepted: EventBridge's `Scheduled Event`
 * and `{}` (an operator's manual `aws lambda invoke`). Anything else is a wiring mistake.
 */
export function probeEventProblems(event: unknown): string[] {
  const isObject = typeof event === 'object' && event !== null && !Array.isArray(event);
  if (isObject && Object.keys(event).length === 0) return [];
  const parsed = scheduledEventSchema.safeParse(event);
  if (parsed.success) return [];
  return [
    'expected an EventBridge Scheduled Event (source aws.events) or {}',
    ...parsed.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`),
  ];
}

/** When to stop starting rounds: the probe window or the Lambda deadline less the margin, whichever is first. */
export function probeDeadline(nowMs: number, windowMs: number, remainingTimeMs: number): number {
  return Math.min(nowMs + windowMs, nowMs + remainingTimeMs - DEADLINE_MARGIN_MS);
}

/** What the Lambda adds to an invocation's dependencies. */
export interface ProbeHandlerDependencies extends ProbeInvocationDependencies {
  /** PROBE_WINDOW_SECONDS. */
  windowSeconds: number;
}

/** The parts of the Lambda context the probe reads. */
export interface ProbeInvocationContext {
  getRemainingTimeInMillis(): number;
}

/** The function's result: the invocation summary, or why the event was rejected. */
export type ProbeResult =
  | { status: 'rejected'; problems: string[] }
  | ({ status: 'done' } & ProbeInvocationSummary);

/** Handles one probe event; `handler` below wires it to AWS. */
export async function handleProbeEvent(
  event: unknown,
  context: ProbeInvocationContext,
  deps: ProbeHandlerDependencies,
): Promise<ProbeResult> {
  const problems = probeEventProblems(event);
  if (problems.length > 0) {
    // Returned, not thrown: retrying a wrong event cannot help, and the missing heartbeat alarms.
    deps.logger.error('Rejected an event that is not a probe schedule', { problems });
    return { status: 'rejected', problems };
  }
  const deadlineMs = probeDeadline(
    deps.clock.now(),
    deps.windowSeconds * 1000,
    context.getRemainingTimeInMillis(),
  );
  return { status: 'done', ...(await runProbeInvocation(deps, deadlineMs)) };
}

/**
 * A Powertools Metrics writing to {@link METRIC_NAMESPACE} with no default dimension. Powertools adds
 * `service` to every dimension set by default; readers address a metric by its exact dimension set,
 * so that would make every alarm know the function's service name. Ours come from metric-names.ts.
 */
export function createProbeMetrics(): Metrics {
  const metrics = new Metrics({ namespace: METRIC_NAMESPACE });
  metrics.clearDefaultDimensions();
  return metrics;
}

// Module scope: built once per execution environment and reused by every invocation (Powertools' pattern).
const metrics = createProbeMetrics();
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const lambdaClient = new LambdaClient({});

let lambdaDependencies: ProbeHandlerDependencies | undefined;

/** Reads the environment and the deployment files once per cold start and wires the adapters. */
function createLambdaDependencies(functionName: string): ProbeHandlerDependencies {
  const env = readEnvironment(probeEnvironmentSchema);
  const region = process.env.AWS_REGION;
  if (!region || !env.WATCHDOG_REGIONS.includes(region)) {
    throw new Error(
      `function environment is not as deployed: AWS_REGION ${region ?? '(unset)'} is not one of WATCHDOG_REGIONS (${env.WATCHDOG_REGIONS.join(', ')})`,
    );
  }
  const config = readDeploymentConfig(process.env.LAMBDA_TASK_ROOT ?? __dirname);
  return {
    deployment: env.DEPLOYMENT_NAME,
    sites: config.sites,
    settings: config.detection,
    region,
    regions: env.WATCHDOG_REGIONS,
    clock: systemClock,
    probeSite: configuredProbe(config.detection),
    observations: new DynamoDbObservationStore({
      client: documentClient,
      tableName: env.OBSERVATION_TABLE_NAME,
      retentionDays: env.OBSERVATION_RETENTION_DAYS,
    }),
    siteHealth: new DynamoDbSiteHealthStore(documentClient, env.TABLE_NAME),
    tripNotifier: new OrchestratorInvoker({
      client: lambdaClient,
      functionName: env.ORCHESTRATOR_FUNCTION_NAME,
      region,
      triggerName: functionName,
    }),
    metrics,
    logger,
    windowSeconds: env.PROBE_WINDOW_SECONDS,
  };
}

/** The Lambda entry point. */
export const handler = async (event: unknown, context: Context): Promise<ProbeResult> => {
  logger.addContext(context);
  lambdaDependencies ??= createLambdaDependencies(context.functionName);
  return handleProbeEvent(event, context, lambdaDependencies);
};

/** Emits one site's round: all probes under {Deployment, Site, Region} with SiteDown, then per kind. */
function emitSiteRoundMetrics(
  deps: ProbeInvocationDependencies,
  at: number,
  outcome: SiteRoundOutcome,
): void {
  const { deployment, region } = deps;
  // Control targets are the region's, not the site's: they have their own metric.
  const siteObservations = outcome.observations.filter((o) => endpointKind(o.endpoint) !== 'control');
  // A round whose decision failed has no status; emitting none leaves SiteDown at its last value.
  if (siteObservations.length > 0 || outcome.status !== undefined) {
    publish(deps.metrics, at, siteRegionDimensions(deployment, outcome.siteId, region), (m) => {
      addProbeValues(m, siteObservations);
      if (outcome.status !== undefined) {
        m.addMetric(
          PROBE_METRICS.siteDown.name,
          PROBE_METRICS.siteDown.unit,
          outcome.status === 'down' ? 1 : 0,
        );
      }
    });
  }
  for (const kind of ['sip', 'http'] as const satisfies readonly ProbeKind[]) {
    const ofKind = outcome.observations.filter((o) => endpointKind(o.endpoint) === kind);
    if (ofKind.length === 0) continue;
    publish(deps.metrics, at, siteRegionKindDimensions(deployment, outcome.siteId, region, kind), (m) =>
      addProbeValues(m, ofKind),
    );
  }
}

/**
 * Whether the round reached a control target, once per round (every site's round carries the same
 * control observations; the first site that has them speaks for the round).
 */
function emitControlMetric(deps: ProbeInvocationDependencies, report: ProbeRoundReport): void {
  for (const outcome of report.sites) {
    const control = outcome.observations.filter((o) => endpointKind(o.endpoint) === 'control');
    if (control.length === 0) continue;
    const reached = control.some((o) => o.ok);
    if (!reached) {
      deps.logger.warn(
        "No control target answered: this region's own network is in trouble, and it abstains on any site it cannot reach",
        {
          region: deps.region,
          roundAt: new Date(report.at).toISOString(),
          control: control.map(describeObservation),
        },
      );
    }
    publish(deps.metrics, report.at, regionDimensions(deps.deployment, deps.region), (m) =>
      m.addMetric(PROBE_METRICS.controlReachable.name, PROBE_METRICS.controlReachable.unit, reached ? 1 : 0),
    );
    return;
  }
}

/**
 * Logs, once per round, that this region abstained from the sites whose decision could not reach the
 * other replicas of the strongly consistent table (a handled outcome, not an error: the regions that
 * still reach each other decide without this one). Returns whether the round had such a site.
 */
function logReplicationAbstention(deps: ProbeInvocationDependencies, report: ProbeRoundReport): boolean {
  const abstained = report.sites.filter((outcome) => outcome.abstention !== undefined);
  if (abstained.length === 0) return false;
  deps.logger.warn(
    "This region's replica of the incident table could not reach the other replicas: it abstains from this round and does not vote (no decision recorded, nothing announced); the next round tries again",
    {
      region: deps.region,
      roundAt: new Date(report.at).toISOString(),
      abstention: 'replication',
      sites: abstained.map((outcome) => ({
        siteId: outcome.siteId,
        kind: outcome.abstention!.kind,
        reason: outcome.abstention!.error.message,
      })),
    },
  );
  return true;
}

/** One value per probe: EMF keeps them as a list, so Average and Minimum stay meaningful. */
function addProbeValues(metrics: ProbeMetricsSink, observations: readonly Observation[]): void {
  for (const o of observations) {
    metrics.addMetric(PROBE_METRICS.probeSuccess.name, PROBE_METRICS.probeSuccess.unit, o.ok ? 1 : 0);
    if (o.latencyMs !== undefined) {
      metrics.addMetric(PROBE_METRICS.probeLatency.name, PROBE_METRICS.probeLatency.unit, o.latencyMs);
    }
  }
}

/**
 * Writes one EMF document: one dimension set, one timestamp. Every document is published on its own
 * because one EMF document holds one value per dimension name, and each site, region and kind differ.
 */
function publish(
  metrics: ProbeMetricsSink,
  at: number,
  dimensions: MetricDimensions,
  add: (metrics: ProbeMetricsSink) => void,
): void {
  metrics.setTimestamp(at);
  metrics.addDimensions(dimensions);
  add(metrics);
  metrics.publishStoredMetrics();
}

function logSiteRound(deps: ProbeInvocationDependencies, at: number, outcome: SiteRoundOutcome): void {
  const round = { siteId: outcome.siteId, region: deps.region, roundAt: new Date(at).toISOString() };
  // Logged once for the round by logReplicationAbstention.
  if (outcome.abstention !== undefined) return;
  if (outcome.error !== undefined) {
    deps.logger.error('Probe round of a site failed; the next round tries again', {
      ...round,
      error: outcome.error as Error,
    });
    return;
  }
  const failing = outcome.observations.filter((o) => !o.ok);
  const verdict = { ...round, status: outcome.status, failing: failing.map(describeObservation) };
  if (failing.length > 0) deps.logger.warn('Probe round saw failing endpoints', verdict);
  else deps.logger.debug('Probe round healthy', verdict);
}

/** An observation for the logs; health URLs lose query and credentials, which may hold a token. */
function describeObservation(o: Observation): { endpoint: string; reason?: string; latencyMs?: number } {
  let endpoint = o.endpoint;
  const kind = endpointKind(o.endpoint);
  if (kind !== 'sip') {
    const prefix = kind === 'control' ? CONTROL_ENDPOINT_PREFIX : '';
    try {
      const url = new URL(o.endpoint.slice(prefix.length));
      endpoint = `${prefix}${url.origin}${url.pathname}`;
    } catch {
      endpoint = '(unparseable URL)';
    }
  }
  return { endpoint, reason: o.reason, latencyMs: o.latencyMs };
}

function lastStatusBySite(reports: readonly ProbeRoundReport[]): Record<string, string> {
  const status: Record<string, string> = {};
  for (const report of reports) {
    for (const outcome of report.sites) status[outcome.siteId] = outcome.status ?? 'undecided';
  }
  return status;
}
