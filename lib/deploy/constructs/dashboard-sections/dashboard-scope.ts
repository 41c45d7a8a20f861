import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { MonitoringFacade } from 'cdk-monitoring-constructs';
import type { Config } from '../../../../lambdas/contracts/config/schema';
import { METRIC_NAMESPACE, type MetricDefinition } from '../../../../lambdas/contracts/metric-names';

/** What every section of the operations dashboard draws with: the facade, the deployment, this region. */
export interface DashboardScope {
  readonly monitoring: MonitoringFacade;
  readonly config: Config;
  /** The dashboard's own region (resolved): its metrics stay unqualified, the others' are read there. */
  readonly region: string;
}

/** One of our metrics, by its definition in metric-names.ts, over one minute. */
export function dashboardMetric(
  scope: DashboardScope,
  definition: MetricDefinition,
  dimensionsMap: Record<string, string>,
  options: { region: string; statistic: string; label: string },
): Metric {
  return new Metric({
    namespace: METRIC_NAMESPACE,
    metricName: definition.name,
    dimensionsMap,
    statistic: options.statistic,
    period: Duration.minutes(1),
    label: options.label,
    // Another region's metric is read there; this region's stays unqualified so alarms may use it.
    region: options.region === scope.region ? undefined : options.region,
  });
}
