/**
 * The probe's metrics (PROBE_METRICS in metric-names.ts), written in embedded metric format through
 * Powertools Metrics: each site's round, whether the round reached a control target, and each
 * invocation's heartbeat. Every document is published on its own, because one EMF document holds one
 * value per dimension name, and each site, region and kind differ.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { endpointKind } from '../contracts/endpoint-ids';
import {
  type MetricDimensions,
  PROBE_METRICS,
  type ProbeKind,
  regionDimensions,
  siteRegionDimensions,
  siteRegionKindDimensions,
} from '../contracts/metric-names';
import type { Observation, SiteHealthState } from '../ports/detection';
import { createFunctionMetrics } from './function-metrics';

/** The part of Powertools Metrics the probe uses, so the drill may pass a recorder instead. */
export type ProbeMetricsSink = Pick<
  Metrics,
  'addDimensions' | 'addMetric' | 'setTimestamp' | 'publishStoredMetrics'
>;

/** The probe's Powertools Metrics: no default dimension (see {@link createFunctionMetrics}). */
export function createProbeMetrics(): Metrics {
  return createFunctionMetrics();
}

/** Where one region's probe metrics go, and the dimension values they carry. */
export interface ProbeMetricsScope {
  metrics: ProbeMetricsSink;
  /** The deployment's name, the value of the deployment dimension of every metric. */
  deployment: string;
  region: string;
}

/** One site's round as its metrics read it. */
export interface SiteRoundObservations {
  siteId: string;
  observations: readonly Observation[];
  /** Status after the round; undefined when the decision failed. */
  status?: SiteHealthState['status'];
}

/**
 * Emits one site's round: all probes under {Deployment, Site, Region} with SiteDown and the test
 * calls' CallSetupTime, then per kind.
 */
export function emitSiteRoundMetrics(
  scope: ProbeMetricsScope,
  at: number,
  outcome: SiteRoundObservations,
): void {
  const { deployment, region } = scope;
  // Control targets are the region's, not the site's: they have their own metric.
  const siteObservations = outcome.observations.filter((o) => endpointKind(o.endpoint) !== 'control');
  // A round whose decision failed has no status; emitting none leaves SiteDown at its last value.
  if (siteObservations.length > 0 || outcome.status !== undefined) {
    publish(scope.metrics, at, siteRegionDimensions(deployment, outcome.siteId, region), (m) => {
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
  for (const kind of ['sip', 'http', 'call'] as const satisfies readonly ProbeKind[]) {
    const ofKind = outcome.observations.filter((o) => endpointKind(o.endpoint) === kind);
    if (ofKind.length === 0) continue;
    publish(scope.metrics, at, siteRegionKindDimensions(deployment, outcome.siteId, region, kind), (m) =>
      addProbeValues(m, ofKind),
    );
  }
}

/** Emits whether the round starting `at` reached a control target, under {Deployment, Region}. */
export function emitControlReachable(scope: ProbeMetricsScope, at: number, reached: boolean): void {
  publish(scope.metrics, at, regionDimensions(scope.deployment, scope.region), (m) =>
    m.addMetric(PROBE_METRICS.controlReachable.name, PROBE_METRICS.controlReachable.unit, reached ? 1 : 0),
  );
}

/**
 * Emits the invocation's heartbeat and how many of its rounds abstained for replication, under
 * {Deployment, Region}, at the end of the invocation.
 */
export function emitInvocationMetrics(scope: ProbeMetricsScope, at: number, abstainedRounds: number): void {
  publish(scope.metrics, at, regionDimensions(scope.deployment, scope.region), (m) => {
    m.addMetric(PROBE_METRICS.probeHeartbeat.name, PROBE_METRICS.probeHeartbeat.unit, 1);
    m.addMetric(
      PROBE_METRICS.replicationAbstained.name,
      PROBE_METRICS.replicationAbstained.unit,
      abstainedRounds,
    );
  });
}

/** One value per probe: EMF keeps them as a list, so Average and Minimum stay meaningful. */
function addProbeValues(metrics: ProbeMetricsSink, observations: readonly Observation[]): void {
  for (const o of observations) {
    metrics.addMetric(PROBE_METRICS.probeSuccess.name, PROBE_METRICS.probeSuccess.unit, o.ok ? 1 : 0);
    if (o.latencyMs === undefined) continue;
    // A test call's latency is its setup time, a different quantity: it has a metric of its own.
    const metric =
      endpointKind(o.endpoint) === 'call' ? PROBE_METRICS.callSetupTime : PROBE_METRICS.probeLatency;
    metrics.addMetric(metric.name, metric.unit, o.latencyMs);
  }
}

/** Writes one EMF document: one dimension set, one timestamp. */
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
