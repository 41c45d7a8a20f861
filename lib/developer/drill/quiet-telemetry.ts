import type { ProbeLogger } from '../../../lambdas/runtime/powertools';
import { createProbeMetrics, type ProbeMetricsSink } from '../../../lambdas/runtime/probe-metrics';

/**
 * CloudWatch has no place on this machine: the probe's real Metrics, switched off the documented way
 * (POWERTOOLS_METRICS_DISABLED), so the same calls run and nothing is printed.
 */
export function silentMetrics(): ProbeMetricsSink {
  const before = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  try {
    return createProbeMetrics();
  } finally {
    if (before === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = before;
  }
}

/** The probes' per-round log lines would drown the drill's timeline; the drill keeps only errors. */
export const quietLogger: ProbeLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (...args: unknown[]) => {
    process.stderr.write(
      `probe error: ${args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ')}\n`,
    );
  },
};
