/**
 * A failover's dry run: what `failover` would do to each number of a site, read from the carriers
 * and nothing written. For every number: its routing now (from) and after (to), or why it would be
 * skipped; the problems a real run would meet (a destination the carrier cannot take, a number that
 * cannot be read); and how long the real run would take at each carrier's rate limit.
 */

import type { PlanEntry } from '../../contracts/config/plan-entry';
import type { CarrierName } from '../../contracts/config/schema';
import type { CarrierDirectory, ForwardRequest } from '../../ports/carriers';
import type { Clock, Random } from '../../ports/clock';
import { DEFAULT_BULK_THRESHOLD, distinctEntries } from '../forwarding/forward-numbers';
import { forwardsAlwaysTo } from '../forwarding/forward-one';
import { describeRouting } from '../forwarding/pre-arm';
import { callWithRetry, Deadline, type RetryOptions, RetryPolicy } from '../forwarding/retry-policy';
import { CarrierLanes, type CarrierLimitsByName, resolveCarrierLimits } from '../forwarding/token-bucket';
import { runPerCarrier } from '../forwarding/worker-pool';

/** Input of previewFailover. */
export interface PreviewFailoverInput {
  /** The site's plan rows. */
  entries: PlanEntry[];
  /** Adapters of the carriers that could be opened. */
  carriers: CarrierDirectory;
  /** Why a carrier of the plan has no adapter (e.g. its credentials are missing), by carrier. */
  unavailable?: Partial<Record<CarrierName, string>>;
  /**
   * Most numbers one bulk call of each carrier takes, where the engine would use its bulk API.
   * @default each adapter's own `bulkLimit`
   */
  bulkLimits?: Partial<Record<CarrierName, number>>;
  /** Says why a carrier would refuse a forward before any request is sent, or undefined. */
  validate?: (carrier: CarrierName, request: ForwardRequest) => string | undefined;
  clock: Clock;
  random: Random;
  limits: CarrierLimitsByName;
  deadlineMs?: number;
  retry?: Partial<RetryOptions>;
  /** Called as each number's reading is done. */
  onProgress?: (done: number) => void;
}

/** What the failover would do to one number. */
export type PreviewAction = 'forward' | 'skip' | 'problem';

/** One number of the dry run. */
export interface NumberPreview {
  number: string;
  carrier: CarrierName;
  label?: string;
  /** The routing now, as read from the carrier; null when it could not be read. */
  from: string | null;
  /** The routing the failover would set. */
  to: string;
  action: PreviewAction;
  /** Why it is skipped, what the problem is, or a note on a forward. */
  reason?: string;
}

/** The time one carrier's share would take at its rate limit. */
export interface CarrierEstimate {
  carrier: CarrierName;
  /** Numbers the failover would forward at this carrier. */
  numbers: number;
  /** Reads and writes the engine would send (bulk calls count once). */
  requests: number;
  rateLimitPerSecond: number;
  estimatedMs: number;
}

/** The dry run's result. Every entry of the input is in `numbers`, in plan order. */
export interface FailoverPreview {
  numbers: NumberPreview[];
  toForward: number;
  skipped: number;
  /** One line per problem a real run would meet. */
  problems: string[];
  byCarrier: CarrierEstimate[];
  /** Carriers are worked in parallel: the slowest one's time. */
  estimatedMs: number;
}

/** Reads every number's routing (reads only, rate limited) and says what a failover would do. */
export async function previewFailover(input: PreviewFailoverInput): Promise<FailoverPreview> {
  const entries = distinctEntries(input.entries);
  const lanes = new CarrierLanes(input.limits, input.clock);
  const policy = new RetryPolicy(
    { retryBudget: Math.max(100, entries.length), ...input.retry },
    input.random,
  );
  const deadline = new Deadline(input.clock, input.deadlineMs, 0);
  const previews = new Map<string, NumberPreview>();
  let done = 0;

  const previewOne = async (entry: PlanEntry): Promise<NumberPreview> => {
    const to = `forwarding every call to ${entry.forwardTo}`;
    const base = {
      number: entry.number,
      carrier: entry.carrier,
      ...(entry.label ? { label: entry.label } : {}),
      to,
    };
    const carrier = input.carriers[entry.carrier];
    if (!carrier) {
      const why = input.unavailable?.[entry.carrier] ?? `carrier "${entry.carrier}" is not configured`;
      return { ...base, from: null, action: 'problem', reason: why };
    }
    if (!carrier.forwardModes.includes('always')) {
      return {
        ...base,
        from: null,
        action: 'skip',
        reason: `${entry.carrier} cannot forward every call (it offers ${carrier.forwardModes.join(', ') || 'no mode'})`,
      };
    }
    const invalid = input.validate?.(entry.carrier, {
      number: entry.number,
      destination: entry.forwardTo,
      mode: 'always',
    });
    const read = await callWithRetry(
      lanes.lane(entry.carrier),
      () => carrier.readRouting(entry.number),
      { attempts: 0 },
      { policy, clock: input.clock, deadline },
    );
    if (!read.ok) {
      return {
        ...base,
        from: null,
        action: 'problem',
        reason: `could not read the current routing: ${read.reason}`,
      };
    }
    const from = describeRouting(read.value);
    if (invalid !== undefined) return { ...base, from, action: 'problem', reason: invalid };
    if (forwardsAlwaysTo(read.value, entry.forwardTo)) {
      return { ...base, from, action: 'skip', reason: `already forwarded to ${entry.forwardTo}` };
    }
    if (read.value.mode === 'always') {
      return {
        ...base,
        from,
        action: 'forward',
        reason: `already forwarding elsewhere: that setting would be saved as the one failback restores`,
      };
    }
    return { ...base, from, action: 'forward' };
  };

  await runPerCarrier(
    entries,
    (entry) => entry.carrier,
    lanes,
    async (entry) => {
      previews.set(entry.number, await previewOne(entry));
      done += 1;
      input.onProgress?.(done);
    },
  );

  const numbers = entries.map((entry) => previews.get(entry.number) as NumberPreview);
  const byCarrier = estimateByCarrier(numbers, input);
  return {
    numbers,
    toForward: numbers.filter((preview) => preview.action === 'forward').length,
    skipped: numbers.filter((preview) => preview.action === 'skip').length,
    problems: numbers
      .filter((preview) => preview.action === 'problem')
      .map((preview) => `${preview.number} (${preview.carrier}): ${preview.reason}`),
    byCarrier,
    estimatedMs: Math.max(0, ...byCarrier.map((estimate) => estimate.estimatedMs)),
  };
}

/**
 * Per carrier: one read per number to save its routing, then one write per number, or one bulk call
 * per `bulkLimit` numbers where the engine would use the carrier's bulk API.
 */
function estimateByCarrier(
  numbers: readonly NumberPreview[],
  input: PreviewFailoverInput,
): CarrierEstimate[] {
  const counts = new Map<CarrierName, number>();
  for (const preview of numbers) {
    if (preview.action === 'forward') counts.set(preview.carrier, (counts.get(preview.carrier) ?? 0) + 1);
  }
  return [...counts].map(([carrier, count]) => {
    const { rateLimitPerSecond } = resolveCarrierLimits(carrier, input.limits);
    const bulkLimit = input.bulkLimits?.[carrier] ?? input.carriers[carrier]?.bulkLimit;
    const writes =
      bulkLimit !== undefined && count >= DEFAULT_BULK_THRESHOLD ? Math.ceil(count / bulkLimit) : count;
    const requests = count + writes;
    return {
      carrier,
      numbers: count,
      requests,
      rateLimitPerSecond,
      estimatedMs: Math.ceil((requests / rateLimitPerSecond) * 1000),
    };
  });
}
