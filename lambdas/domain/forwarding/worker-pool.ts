/**
 * The worker pools the engines run their numbers on: a bounded pool over a list, the same per
 * carrier (each carrier's lane says how wide), and the wait for parallel tasks that stops the others
 * when one fails. Pacing itself (rate, requests in flight) is the lanes' job, in token-bucket.ts.
 */
import type { CarrierName } from '../../contracts/config/schema';
import type { CarrierLanes } from './token-bucket';

/**
 * Runs `worker` over `items`, `concurrency` at a time. Once a worker throws, no new item starts;
 * the first error is rethrown after every started worker has settled, so nothing keeps running in
 * the background of a failed run.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const runner = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next];
      next += 1;
      try {
        await worker(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const width = Math.max(1, Math.min(concurrency, items.length));
  await Promise.all(Array.from({ length: width }, runner));
  if (failure) {
    throw failure.error;
  }
}

/** Groups items by carrier, keeping their order within each group. */
export function groupByCarrier<T>(
  items: Iterable<T>,
  carrierOf: (item: T) => CarrierName,
): Map<CarrierName, T[]> {
  const groups = new Map<CarrierName, T[]>();
  for (const item of items) {
    const carrier = carrierOf(item);
    const group = groups.get(carrier);
    if (group) group.push(item);
    else groups.set(carrier, [item]);
  }
  return groups;
}

/**
 * Waits for every task, even after one fails (so nothing keeps writing in the background), calling
 * `onFirstFailure` at once so the others can stop early; then rethrows the first failure.
 */
export async function settleAll(
  tasks: Promise<unknown>[],
  onFirstFailure: () => void = () => {},
): Promise<void> {
  let failure: { error: unknown } | undefined;
  await Promise.all(
    tasks.map((task) =>
      task.catch((error: unknown) => {
        if (!failure) {
          failure = { error };
          onFirstFailure();
        }
      }),
    ),
  );
  if (failure) throw failure.error;
}

/**
 * Runs `worker` over `items`, every carrier in parallel, each carrier's items at most its lane's
 * `workers` at a time (the lane itself bounds rate and requests in flight).
 */
export function runPerCarrier<T>(
  items: Iterable<T>,
  carrierOf: (item: T) => CarrierName,
  lanes: CarrierLanes,
  worker: (item: T) => Promise<void>,
  onFirstFailure?: () => void,
): Promise<void> {
  const groups = [...groupByCarrier(items, carrierOf)];
  return settleAll(
    groups.map(([carrier, group]) => runPool(group, lanes.lane(carrier).workers, worker)),
    onFirstFailure,
  );
}
