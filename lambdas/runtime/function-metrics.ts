import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRIC_NAMESPACE } from '../contracts/metric-names';

/**
 * A Powertools Metrics writing to {@link METRIC_NAMESPACE} with no default dimension, for every function
 * that writes metrics. Powertools adds `service` to every dimension set by default; readers address a
 * metric by its exact dimension set, so that would make every dashboard and alarm know the function's
 * service name. Ours come from metric-names.ts.
 */
export function createFunctionMetrics(): Metrics {
  const metrics = new Metrics({ namespace: METRIC_NAMESPACE });
  metrics.clearDefaultDimensions();
  return metrics;
}
