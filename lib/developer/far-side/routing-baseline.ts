/**
 * The routing of a plan's numbers at the carrier fakes, taken before an outage, to prove after
 * failback that every setting is back as it was and every call goes where it went before.
 */
import { isDeepStrictEqual } from 'node:util';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import type { LocalCarriers } from './local-carriers';

/** Everything answers: where calls go when nothing is down. */
const everythingUp = () => true;

/** Each number's settings and where its calls go when everything answers. */
export type RoutingBaseline = Map<string, { settings: unknown; reached: string | null }>;

/** Takes the baseline of `entries`. */
export function takeRoutingBaseline(carriers: LocalCarriers, entries: readonly PlanEntry[]): RoutingBaseline {
  return new Map(
    entries.map((entry) => [
      entry.number,
      {
        settings: carriers.routingOf(entry.number, entry.carrier),
        reached: carriers.routeCall(entry.number, entry.carrier, everythingUp).reached,
      },
    ]),
  );
}

/** Numbers whose settings, or whose calls' destination, differ from the baseline now. */
export function changedSinceBaseline(
  carriers: LocalCarriers,
  entries: readonly PlanEntry[],
  baseline: RoutingBaseline,
): string[] {
  return entries
    .filter((entry) => {
      const before = baseline.get(entry.number);
      const reached = carriers.routeCall(entry.number, entry.carrier, everythingUp).reached;
      return (
        !before ||
        before.reached !== reached ||
        !isDeepStrictEqual(before.settings, carriers.routingOf(entry.number, entry.carrier))
      );
    })
    .map((entry) => entry.number);
}
