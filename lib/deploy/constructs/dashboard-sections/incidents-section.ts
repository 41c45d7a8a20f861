import { Stats } from 'aws-cdk-lib/aws-cloudwatch';
import type { CustomMetricGroup } from 'cdk-monitoring-constructs';
import {
  type MetricDefinition,
  ORCHESTRATOR_METRICS,
  siteDimensions,
} from '../../../../lambdas/contracts/metric-names';
import { type DashboardScope, dashboardMetric } from './dashboard-scope';

/** The running incidents: numbers forwarded, failed, pending, and failback progress, per primary site. */
export function addIncidentsSection(scope: DashboardScope): void {
  const primaries = scope.config.sites.filter((site) => site.role === 'primary');
  if (primaries.length === 0) return;
  const group = (definition: MetricDefinition, title: string): CustomMetricGroup => ({
    title,
    metrics: primaries.flatMap((site) =>
      scope.config.watchdogRegions.map((region) =>
        dashboardMetric(scope, definition, siteDimensions(scope.config.deployment, site.id), {
          region,
          statistic: Stats.MAXIMUM,
          label: primaries.length === 1 ? region : `${site.id} ${region}`,
        }),
      ),
    ),
  });
  scope.monitoring.monitorCustom({
    alarmFriendlyName: 'Incidents',
    humanReadableName: 'Running incidents (written by the region that works them)',
    metricGroups: [
      group(ORCHESTRATOR_METRICS.numbersForwarded, 'Numbers forwarded'),
      group(ORCHESTRATOR_METRICS.numbersFailed, 'Numbers failed'),
      group(ORCHESTRATOR_METRICS.numbersPending, 'Numbers pending'),
      group(ORCHESTRATOR_METRICS.failbackWave, 'Failback: share of numbers home (%)'),
    ],
  });
}
