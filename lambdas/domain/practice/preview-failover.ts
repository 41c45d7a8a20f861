/**
 * A failover's dry run: what `failover` would do to each number of a site, read from the carriers
 * and nothing written. For every number: its routing now (from) and after (to), or why it would be
 * skipped; the problems a real run would meet (a destination the carrier cannot take, a number that
 * cannot be read); and the requests the real run would send, from the engine's own request plan
 * (request-plan.ts): the routing is read the way the engine reads it (the carriers' pages, checked
 * against the baseline, then one by one what no page settled), and those reads are counted.
 */

import type { PlanEntry } from '../../contracts/config/plan-entry';
import type { CarrierName } from '../../contracts/config/schema';
import type { CarrierDirectory, ForwardRequest, RoutingSnapshot } from '../../ports/carriers';
import type { Clock, Random } from '../../ports/clock';
import type { RoutingBaseline } from '../../ports/routing-baseline';
import { distinctEntries } from '../forwarding/forward-numbers';
import { forwardsAlwaysTo } from '../forwarding/forward-one';
import { describeRouting } from '../forwarding/pre-arm';
import { type EnginePath, planCarrierRequests } from '../forwarding/request-plan';
import {
  callWithRetry,
  Deadline,
  type RetryOptions,
  RetryPolicy,
  readRoutingWithRetry,
} from '../forwarding/retry-policy';
import { checkRoutingInPages } from '../forwarding/routing-baseline';
import { CarrierLanes, type CarrierLimitsByName, resolveCarrierLimits } from '../forwarding/token-bucket';
import { groupByCarrier, runPool, settleAll } from '../forwarding/worker-pool';
import type { RouteShare } from '../routes/route-estimate';

/** Input of previewFailover. */
export interface PreviewFailoverInput {
  /** The site's plan rows. */
  entries: PlanEntry[];
  /** Adapters of the carriers that could be opened. */
  carriers: CarrierDirectory;
  /** Why a carrier of the plan has no adapter (e.g. its credentials are missing), by carrier. */
  unavailable?: Partial<Record<CarrierName, string>>;
  /** Carriers the site forwards one request a number (`per-number` mode). */
  perNumberCarriers?: readonly CarrierName[];
  /** The site's routing baseline, which confirms what a carrier's pages show only in part. */
  baseline?: RoutingBaseline;
  /** What the site's routes carry, by carrier (from their last read-back). */
  routes?: Partial<Record<CarrierName, RouteShare>>;
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

/** The requests one carrier's share would send during the outage, and their time at its rate limit. */
export interface CarrierEstimate {
  carrier: CarrierName;
  /** How the numbers move: the route's `native` or `switch`, else the engine's `bulk` or `per-number`. */
  mode: 'native' | 'switch' | EnginePath;
  /** Numbers the failover would forward at this carrier. */
  numbers: number;
  /** Of them, those the route carries (no write of their own). */
  carriedByRoute: number;
  /** Requests of the engine's paged routing check, and numbers it would read one by one. */
  pages: number;
  singleReads: number;
  /** Bulk calls or single forwards the engine would send. */
  writeCalls: number;
  /** Every request: the route step's, then the engine's pages, reads, writes and polls. */
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
  const context = { policy, clock: input.clock, deadline: new Deadline(input.clock, input.deadlineMs, 0) };
  const previews = new Map<string, NumberPreview>();
  const costs = new Map<CarrierName, { pages: number; singleReads: Set<string> }>();
  let done = 0;
  const settle = (entry: PlanEntry, preview: NumberPreview) => {
    previews.set(entry.number, preview);
    done += 1;
    input.onProgress?.(done);
  };

  const previewCarrier = async (name: CarrierName, group: PlanEntry[]) => {
    const carrier = input.carriers[name];
    const cost = { pages: 0, singleReads: new Set<string>() };
    costs.set(name, cost);
    const lane = lanes.lane(name);
    const readable: PlanEntry[] = [];
    for (const entry of group) {
      const early = previewWithoutReading(entry, input);
      if (early) settle(entry, early);
      else readable.push(entry);
    }
    if (!carrier || readable.length === 0) return;
    const byNumber = new Map(readable.map((entry) => [entry.number, entry]));
    const toRead: PlanEntry[] = [];
    const page = await checkRoutingInPages({
      carrier,
      numbers: [...byNumber.keys()],
      baseline: input.baseline ?? new Map(),
      call: async (request) => {
        const result = await callWithRetry(lane, request, { attempts: 0 }, context);
        if (!result.ok) throw result.error;
        return result.value;
      },
      onChecked: (number, checked) => {
        const entry = byNumber.get(number) as PlanEntry;
        if (checked.kind === 'unchecked') toRead.push(entry);
        else settle(entry, previewOf(entry, checked.snapshot, input));
      },
    });
    cost.pages = page.pages;
    await runPool(toRead, lane.workers, async (entry) => {
      cost.singleReads.add(entry.number);
      const read = await readRoutingWithRetry(lane, carrier, entry.number, { attempts: 0 }, context);
      settle(
        entry,
        read.ok
          ? previewOf(entry, read.value, input)
          : {
              ...baseOf(entry),
              from: null,
              action: 'problem',
              reason: `could not read the current routing: ${read.reason}`,
            },
      );
    });
  };

  const groups = [...groupByCarrier(entries, (entry) => entry.carrier)];
  await settleAll(groups.map(([name, group]) => previewCarrier(name, group)));

  const numbers = entries.map((entry) => previews.get(entry.number) as NumberPreview);
  const byCarrier = estimateByCarrier(numbers, costs, input);
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

function baseOf(entry: PlanEntry) {
  return {
    number: entry.number,
    carrier: entry.carrier,
    ...(entry.label ? { label: entry.label } : {}),
    to: `forwarding every call to ${entry.forwardTo}`,
  };
}

/** The preview of a number that needs no reading: its carrier is missing or cannot forward every call. */
function previewWithoutReading(entry: PlanEntry, input: PreviewFailoverInput): NumberPreview | undefined {
  const carrier = input.carriers[entry.carrier];
  if (!carrier) {
    const why = input.unavailable?.[entry.carrier] ?? `carrier "${entry.carrier}" is not configured`;
    return { ...baseOf(entry), from: null, action: 'problem', reason: why };
  }
  if (!carrier.forwardModes.includes('always')) {
    return {
      ...baseOf(entry),
      from: null,
      action: 'skip',
      reason: `${entry.carrier} cannot forward every call (it offers ${carrier.forwardModes.join(', ') || 'no mode'})`,
    };
  }
  return undefined;
}

/** What the failover would do to a number whose routing now is `routing`. */
function previewOf(entry: PlanEntry, routing: RoutingSnapshot, input: PreviewFailoverInput): NumberPreview {
  const base = baseOf(entry);
  const from = describeRouting(routing);
  const invalid = input.validate?.(entry.carrier, {
    number: entry.number,
    destination: entry.forwardTo,
    mode: 'always',
  });
  if (invalid !== undefined) return { ...base, from, action: 'problem', reason: invalid };
  if (forwardsAlwaysTo(routing, entry.forwardTo)) {
    return { ...base, from, action: 'skip', reason: `already forwarded to ${entry.forwardTo}` };
  }
  const route = input.routes?.[entry.carrier];
  if (route?.carried.has(entry.number)) {
    return {
      ...base,
      from,
      action: 'forward',
      reason: `carried by the ${entry.carrier} route (${route.mode})`,
    };
  }
  if (routing.mode === 'always') {
    return {
      ...base,
      from,
      action: 'forward',
      reason: `already forwarding elsewhere: that setting would be saved as the one failback restores`,
    };
  }
  return { ...base, from, action: 'forward' };
}

/**
 * Per carrier: the route step's requests, then the engine's request plan for the numbers no route
 * carries, with the pages and single reads this dry run's own check needed.
 */
function estimateByCarrier(
  numbers: readonly NumberPreview[],
  costs: ReadonlyMap<CarrierName, { pages: number; singleReads: ReadonlySet<string> }>,
  input: PreviewFailoverInput,
): CarrierEstimate[] {
  const forwarded = new Map<CarrierName, NumberPreview[]>();
  for (const preview of numbers) {
    if (preview.action !== 'forward') continue;
    forwarded.set(preview.carrier, [...(forwarded.get(preview.carrier) ?? []), preview]);
  }
  return [...forwarded].map(([name, previews]) => {
    const carrier = input.carriers[name];
    const { rateLimitPerSecond } = resolveCarrierLimits(name, input.limits);
    const route = input.routes?.[name];
    const engine = previews.filter((preview) => !route?.carried.has(preview.number));
    const cost = costs.get(name);
    const plan =
      carrier && engine.length > 0
        ? planCarrierRequests({
            carrier,
            numbers: engine.length,
            pages: cost?.pages ?? 0,
            singleReads: engine.filter((preview) => cost?.singleReads.has(preview.number)).length,
            destinations: destinationCounts(engine, input.entries),
            perNumber: input.perNumberCarriers?.includes(name) ?? false,
            rateLimitPerSecond,
          })
        : undefined;
    const requests = (route?.requests ?? 0) + (plan?.requests ?? 0);
    return {
      carrier: name,
      mode: plan?.path ?? route?.mode ?? 'per-number',
      numbers: previews.length,
      carriedByRoute: previews.length - engine.length,
      pages: plan?.pages ?? 0,
      singleReads: plan?.singleReads ?? 0,
      writeCalls: plan?.writeCalls ?? 0,
      requests,
      rateLimitPerSecond,
      estimatedMs: Math.ceil((requests / rateLimitPerSecond) * 1000),
    };
  });
}

/** How many of `previews`' numbers go to each destination of the plan. */
function destinationCounts(previews: readonly NumberPreview[], entries: readonly PlanEntry[]): number[] {
  const destinationOf = new Map(entries.map((entry) => [entry.number, entry.forwardTo]));
  const counts = new Map<string, number>();
  for (const { number } of previews) {
    const destination = destinationOf.get(number) ?? '';
    counts.set(destination, (counts.get(destination) ?? 0) + 1);
  }
  return [...counts.values()];
}
