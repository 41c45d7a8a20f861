import { CARRIER_NAMES, DEFAULT_RATE_LIMITS } from '../contracts/config/config-constants';
import type { CarrierName, CarriersConfig } from '../contracts/config/schema';
import { forwardNumbers } from '../domain/forwarding/forward-numbers';
import type { CarrierLimitsByName } from '../domain/forwarding/token-bucket';
import type { CarrierDirectory } from '../ports/carriers';
import type { Clock, Random } from '../ports/clock';
import type { ForwardingStateStore, ForwardRun } from '../ports/forwarding-state';

/** Each configured carrier's rate and concurrency, with the documented defaults filled in. */
export function carrierLimitsFromConfig(carriers: CarriersConfig): CarrierLimitsByName {
  const limits: CarrierLimitsByName = {};
  for (const name of CARRIER_NAMES) {
    const carrier = carriers[name];
    if (!carrier) continue;
    limits[name] = {
      rateLimitPerSecond: carrier.rateLimitPerSecond ?? DEFAULT_RATE_LIMITS[name],
      maxConcurrency: carrier.maxConcurrency,
    };
  }
  return limits;
}

export interface ForwardRunOptions {
  carriers: CarrierDirectory;
  store: ForwardingStateStore;
  clock: Clock;
  random: Random;
  limits: CarrierLimitsByName;
  /** Identifies the run in number claims (the Lambda request id, so a retry resumes its own claims). */
  runId: string;
  /** Carriers forwarded one request a number, never in bulk (`per-number` mode). */
  perNumberCarriers?: readonly CarrierName[];
}

/** The forwarding engine as the orchestrator calls it: one run over an incident's numbers until a deadline. */
export function createForwardRun(options: ForwardRunOptions): ForwardRun {
  return async (incidentId, entries, deadlineMs, runOptions = {}) => {
    const summary = await forwardNumbers({
      ...options,
      incidentId,
      entries,
      deadlineMs,
      retryFailed: runOptions.retryFailed,
    });
    return {
      total: summary.total,
      forwarded: summary.forwarded,
      failed: summary.failed,
      pending: summary.pending,
    };
  };
}
