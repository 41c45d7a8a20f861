/**
 * The orchestrator's and the failback function's metrics: a site's running incident as gauges
 * (ORCHESTRATOR_METRICS in metric-names.ts), written in embedded metric format through Powertools
 * Metrics. The handlers call {@link emitIncidentProgress} with the incident the domain returned;
 * the values are derived here so both functions write exactly the same thing.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { type MetricDefinition, ORCHESTRATOR_METRICS, siteDimensions } from '../contracts/metric-names';
import type { Incident } from '../ports/incidents';
import { createFunctionMetrics } from './function-metrics';

/** The part of Powertools Metrics the incident metrics use, so tests may pass a recorder. */
export type IncidentMetricsSink = Pick<
  Metrics,
  'addDimensions' | 'addMetric' | 'setTimestamp' | 'publishStoredMetrics'
>;

/** The orchestrator's and the failback function's Powertools Metrics: no default dimension (see {@link createFunctionMetrics}). */
export function createIncidentMetrics(): Metrics {
  return createFunctionMetrics();
}

/** One value of an incident metric. */
export interface IncidentMetricValue {
  metric: MetricDefinition;
  value: number;
}

/** The values {@link emitIncidentProgress} writes for an incident. */
export function incidentProgressValues(
  incident: Pick<Incident, 'numbers' | 'failback'>,
  waves: readonly number[],
): IncidentMetricValue[] {
  const { total, forwarded, failed } = incident.numbers;
  const values: IncidentMetricValue[] = [
    { metric: ORCHESTRATOR_METRICS.numbersForwarded, value: forwarded },
    { metric: ORCHESTRATOR_METRICS.numbersFailed, value: failed },
    { metric: ORCHESTRATOR_METRICS.numbersPending, value: Math.max(0, total - forwarded - failed) },
  ];
  if (incident.failback !== undefined) {
    const done = Math.min(incident.failback.wavesDone, waves.length);
    values.push({ metric: ORCHESTRATOR_METRICS.failbackWave, value: done === 0 ? 0 : waves[done - 1] });
  }
  return values;
}

/**
 * Writes one EMF document with the incident's numbers (and failback progress once it started),
 * under `{Deployment, Site}`, timestamped `at`.
 */
export function emitIncidentProgress(
  metrics: IncidentMetricsSink,
  deployment: string,
  incident: Pick<Incident, 'siteId' | 'numbers' | 'failback'>,
  waves: readonly number[],
  at: number,
): void {
  metrics.setTimestamp(at);
  metrics.addDimensions(siteDimensions(deployment, incident.siteId));
  for (const { metric, value } of incidentProgressValues(incident, waves)) {
    metrics.addMetric(metric.name, metric.unit, value);
  }
  metrics.publishStoredMetrics();
}
