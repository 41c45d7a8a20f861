/**
 * The drill's routing baseline: before the outage, every plan number's routing read at the fakes in
 * the carriers' pages and kept in the incident table, as `carrier-failover arm` does, so the
 * failover's check starts from it.
 */
import { refreshRoutingBaseline } from '../../../lambdas/composition/routing-baseline-refresh';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import type { Config } from '../../../lambdas/contracts/config/schema';
import type { CarrierDirectory } from '../../../lambdas/ports/carriers';
import type { RoutingBaselineStore } from '../../../lambdas/ports/routing-baseline';
import { systemClock } from '../../../lambdas/runtime/system-clock';

/** Reads and keeps every site's baseline; throws when a carrier's could not be taken whole. */
export async function takeDrillBaseline(
  config: Config,
  plan: readonly PlanEntry[],
  carriers: CarrierDirectory,
  store: RoutingBaselineStore,
): Promise<{ requests: number; numbers: number }> {
  const summaries = await refreshRoutingBaseline({
    plan,
    carriers: config.carriers,
    open: async (carrier) => {
      const adapter = carriers[carrier];
      if (!adapter) throw new Error(`${carrier} is not configured`);
      return adapter;
    },
    store,
    clock: systemClock,
    random: Math.random,
  });
  const failed = summaries.filter((summary) => summary.error || summary.unread.length > 0);
  if (failed.length > 0) {
    throw new Error(
      `taking the routing baseline failed: ${failed.map((summary) => `${summary.site} ${summary.carrier}: ${summary.error ?? `${summary.unread.length} numbers unread (${summary.unread[0]?.reason})`}`).join('; ')}`,
    );
  }
  return {
    requests: summaries.reduce((sum, summary) => sum + summary.requests, 0),
    numbers: summaries.reduce((sum, summary) => sum + summary.read, 0),
  };
}
