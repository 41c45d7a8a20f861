import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IMetricAdjuster } from 'cdk-monitoring-constructs';

/**
 * Alarms watch the metric itself, not a one-metric math query: Route 53 CLOUDWATCH_METRIC health
 * checks do not accept metric-math alarms, and CDK writes one whenever the metric has a label
 * (which the dashboard's legend needs). So each alarm gets the metric without its label.
 */
export const WITHOUT_LABEL: IMetricAdjuster = {
  adjustMetric: (metric) =>
    metric instanceof Metric
      ? new Metric({
          namespace: metric.namespace,
          metricName: metric.metricName,
          dimensionsMap: metric.dimensions as Record<string, string> | undefined,
          statistic: metric.statistic,
          period: metric.period,
          unit: metric.unit,
        })
      : metric,
};
