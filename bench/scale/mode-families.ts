/**
 * The scale bench's runs by mode: each family sets every carrier's `sites[].failover.<carrier>.mode`
 * of the example's primary site, keeping its route ids; the webhook has no route or bulk API, so it
 * is per-number in every family.
 */
import type { CarrierName, FailoverMode } from '../../lambdas/contracts/config/config-constants';
import type { Config } from '../../lambdas/contracts/config/schema';

/** A run's modes, named after what it exercises. */
export type ModeFamily = 'native' | 'switch' | 'bulk' | 'per-number';

/** Every family, in the order the bench runs and reports them. */
export const MODE_FAMILIES: readonly ModeFamily[] = ['native', 'switch', 'bulk', 'per-number'];

/** Each carrier's configured mode in a family. */
export const FAMILY_MODES: Record<ModeFamily, Record<CarrierName, FailoverMode>> = {
  native: { telnyx: 'native', twilio: 'native', bandwidth: 'native', webhook: 'per-number' },
  switch: { telnyx: 'switch', twilio: 'switch', bandwidth: 'switch', webhook: 'per-number' },
  bulk: { telnyx: 'bulk', twilio: 'per-number', bandwidth: 'bulk', webhook: 'per-number' },
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
