import { CARRIER_NAMES, DEFAULT_RATE_LIMITS } from '../contracts/config/config-constants';
import type { PlanEntry } from '../contracts/config/plan-entry';
import type { CarrierName, CarriersConfig } from '../contracts/config/schema';
import { forwardNumbers } from '../domain/forwarding/forward-numbers';
import type { CarrierLimitsByName } from '../domain/forwarding/token-bucket';
import type { CarrierDirectory } from '../ports/carriers';
import type { Clock, Random } from '../ports/clock';
import type { ForwardingStateStore, ForwardRun } from '../ports/forwarding-state';
import type { BaselineEntry, RoutingBaseline, RoutingBaselineStore } from '../ports/routing-baseline';

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
  /** Where the sites' routing baselines are kept; without it every number's routing is read afresh. */
  baselines?: RoutingBaselineStore;
}

/**
 * A baseline entry older than this is not trusted: the daily read keeps entries a day old, and
 * the weekly practice a week, so an older one means the refreshes stopped.
 */
export const BASELINE_MAX_AGE_MS = 8 * 24 * 3_600_000;

/**
 * The baselines of the sites `entries` belong to, without entries too old to trust. A baseline
 * that cannot be loaded is left out: the run then reads every number's routing first.
 */
export async function loadBaseline(
  store: RoutingBaselineStore | undefined,
  entries: readonly PlanEntry[],
  now: number,
): Promise<RoutingBaseline> {
  const baseline = new Map<string, BaselineEntry>();
  if (!store) return baseline;
  for (const siteId of new Set(entries.map((entry) => entry.siteId))) {
    const site = await store.load(siteId).catch(() => new Map<string, BaselineEntry>());
    for (const [number, entry] of site) {
      if (now - entry.readAt <= BASELINE_MAX_AGE_MS) baseline.set(number, entry);
    }
  }
  return baseline;
}

/** The forwarding engine as the orchestrator calls it: one run over an incident's numbers until a deadline. */
export function createForwardRun(options: ForwardRunOptions): ForwardRun {
  return async (incidentId, entries, deadlineMs, runOptions = {}) => {
    const summary = await forwardNumbers({
      ...options,
      baseline: await loadBaseline(options.baselines, entries, options.clock.now()),
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
