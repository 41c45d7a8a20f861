/** The Bandwidth adapter pointed at a running fake, its order polls not waiting: the suites' one way to build it. */
import { BandwidthCarrier, type BandwidthCarrierOptions } from '../../../lambdas/adapters/carriers/bandwidth';
import type { BandwidthFake } from '../../../lib/developer/carrier-fakes/bandwidth-fake';

export function bandwidthOn(
  fake: BandwidthFake,
  options: Partial<BandwidthCarrierOptions> = {},
): BandwidthCarrier {
  return new BandwidthCarrier({
    accountId: fake.accountId,
    username: fake.username,
    password: fake.password,
    baseUrl: fake.baseUrl,
    pollIntervalMs: 10,
    sleep: async () => {},
    ...options,
  });
}
