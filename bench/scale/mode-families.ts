/**
 * The scale bench's runs by mode: each family sets every carrier's `sites[].failover.<carrier>.mode`
 * of the example's primary site, keeping its route ids; the webhook has no route or bulk API, so it
 * is per-number in every family.
 */
import type { CarrierName, FailoverMode } from '../../lambdas/contracts/config/config-constants';
import type { PlanEntry } from '../../lambdas/contracts/config/plan-entry';
import type { Config } from '../../lambdas/contracts/config/schema';

/**
 * A run's modes, named after what it exercises. `bulk` forwards each number to its own backup DID
 * (the generated plan's), which a Telnyx update job cannot carry (one voice setting a job);
 * `bulk-shared` forwards every number of a carrier to one backup number, so its jobs are full.
 */
export type ModeFamily = 'native' | 'switch' | 'bulk' | 'bulk-shared' | 'per-number';

/** Every family, in the order the bench runs and reports them. */
export const MODE_FAMILIES: readonly ModeFamily[] = ['native', 'switch', 'bulk', 'bulk-shared', 'per-number'];

/** The plan a family forwards: the generated one, or one destination a carrier for `bulk-shared`. */
export function planOfFamily(plan: readonly PlanEntry[], family: ModeFamily): PlanEntry[] {
  if (family !== 'bulk-shared') return [...plan];
  const first = new Map<string, string>();
  return plan.map((entry) => {
    const key = `${entry.siteId} ${entry.carrier}`;
    if (!first.has(key)) first.set(key, entry.forwardTo);
    return { ...entry, forwardTo: first.get(key) as string };
  });
}

/** Each carrier's configured mode in a family. */
export const FAMILY_MODES: Record<ModeFamily, Record<CarrierName, FailoverMode>> = {
  native: { telnyx: 'native', twilio: 'native', bandwidth: 'native', webhook: 'per-number' },
  switch: { telnyx: 'switch', twilio: 'switch', bandwidth: 'switch', webhook: 'per-number' },
  bulk: { telnyx: 'bulk', twilio: 'per-number', bandwidth: 'bulk', webhook: 'per-number' },
  'bulk-shared': { telnyx: 'bulk', twilio: 'per-number', bandwidth: 'bulk', webhook: 'per-number' },
  'per-number': {
    telnyx: 'per-number',
    twilio: 'per-number',
    bandwidth: 'per-number',
    webhook: 'per-number',
  },
};

/** `config` with its first site (the primary) in `family`'s modes. */
export function withModeFamily(config: Config, family: ModeFamily): Config {
  const [primary, ...others] = config.sites;
  const failover = primary.failover ?? {};
  const modes = FAMILY_MODES[family];
  const settings = Object.fromEntries(
    (Object.keys(modes) as CarrierName[]).map((carrier) => [
      carrier,
      { ...(failover[carrier] as object | undefined), mode: modes[carrier] },
    ]),
  );
  return { ...config, sites: [{ ...primary, failover: { ...failover, ...settings } }, ...others] };
}
