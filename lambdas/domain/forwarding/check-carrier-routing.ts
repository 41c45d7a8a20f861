/**
 * A forwarding run's paged routing check at one carrier: the numbers to snapshot are read in the
 * carrier's list pages (routing-baseline.ts), each page paced by the carrier's lane and retried like
 * any read, and every finding handed to the carrier's work as it arrives. A carrier without such
 * pages may prepare for its numbers instead (Telnyx learns phone number ids a page at a time).
 */

import type { Carrier, CarrierCall } from '../../ports/carriers';
import type { RoutingBaseline } from '../../ports/routing-baseline';
import type { CheckedWork } from './checked-work';
import type { IncidentNumberRun } from './incident-number-run';
import { callWithRetry } from './retry-policy';
import { checkRoutingInPages } from './routing-baseline';
import { Semaphore } from './token-bucket';

/** Checks `numbers` at `carrier`, then releases the rows still waiting on the check. Never throws. */
export async function checkCarrierRouting(
  run: IncidentNumberRun,
  carrier: Carrier,
  numbers: readonly string[],
  baseline: RoutingBaseline,
  work: CheckedWork,
): Promise<void> {
  const lane = run.lanes.lane(carrier.name);
  // Once the run is stopping no further request starts.
  const stoppable: CarrierCall = (request) =>
    run.stopping ? Promise.reject(new Error('the run is stopping')) : lane.call(request);
  // Half the lane's slots at most: the pages feed the writes, which need the other half meanwhile.
  const pagesInFlight = new Semaphore(Math.max(1, Math.floor(lane.maxConcurrency / 2)));
  const retried: CarrierCall = async (request) => {
    if (run.stopping) throw new Error('the run is stopping');
    await pagesInFlight.acquire();
    const result = await callWithRetry(
      lane,
      request,
      { attempts: 0 },
      { policy: run.policy, clock: run.clock, deadline: run.deadline, stopping: () => run.stopRequested },
    ).finally(() => pagesInFlight.release());
    if (!result.ok) throw result.error;
    return result.value;
  };
  try {
    if (carrier.routingPages && numbers.length > 0) {
      await checkRoutingInPages({
        carrier,
        numbers,
        baseline,
        call: retried,
        onChecked: (number, checked) => work.offerCheck(number, checked),
      });
    } else if (carrier.prepareNumbers && numbers.length > 0) {
      // Best effort by contract: a failure only leaves the numbers to be looked up one by one.
      await carrier.prepareNumbers(numbers, stoppable).catch(() => undefined);
    }
  } finally {
    work.closeChecks();
  }
}
