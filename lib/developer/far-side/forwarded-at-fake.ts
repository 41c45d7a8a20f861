/**
 * Reads, in a fake's own terms, whether a number forwards every call to a destination: the proof the
 * forwarding bench takes from the carrier's side rather than from the engine's own state rows.
 */
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import type { LocalCarriers } from './local-carriers';

/** The carriers whose fakes this reads: the ones the forwarding bench drives. */
export type ForwardingReadCarrier = 'telnyx' | 'bandwidth';

/** Numbers of `plan` on `carrier` whose routing at its fake forwards every call to `destination`. */
export function countForwardedAtFake(
  fakes: LocalCarriers['fakes'],
  plan: readonly PlanEntry[],
  carrier: ForwardingReadCarrier,
  destination: string,
): number {
  const isForwarded = forwardedReader(fakes, carrier, destination);
  return plan.filter((entry) => entry.carrier === carrier && isForwarded(entry.number)).length;
}

function forwardedReader(
  fakes: LocalCarriers['fakes'],
  carrier: ForwardingReadCarrier,
  destination: string,
): (number: string) => boolean {
  if (carrier === 'telnyx') {
    const fake = fakes.telnyx;
    if (!fake) throw new Error('no Telnyx fake: the config names no telnyx carrier');
    return (number) => {
      const forwarding = fake.routingOf(number)?.call_forwarding;
      return (
        forwarding?.call_forwarding_enabled === true &&
        forwarding.forwards_to === destination &&
        forwarding.forwarding_type === 'always'
      );
    };
  }
  const fake = fakes.bandwidth;
  if (!fake) throw new Error('no Bandwidth fake: the config names no bandwidth carrier');
  // Bandwidth keeps North American targets as 10 digits.
  const tenDigits = destination.replace(/^\+1/, '');
  return (number) => fake.routingOf(number)?.callForward === tenDigits;
}
