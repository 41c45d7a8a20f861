/**
 * Refreshing the routing baseline of one site or of every site: each carrier's plan numbers of the
 * site read (in the carrier's pages where it has them) at the config's rate limits, all carriers in
 * parallel, and each carrier's reading saved as soon as it is in. Used by `carrier-failover arm` and
 * `audit`, the weekly practice and the daily read.
 */
import { CARRIER_NAMES, type CarrierName } from '../contracts/config/config-constants';
import type { PlanEntry } from '../contracts/config/plan-entry';
import type { CarriersConfig } from '../contracts/config/schema';
import { CarrierError } from '../contracts/errors';
import { type RetryOptions, RetryPolicy } from '../domain/forwarding/retry-policy';
import { type TakenBaseline, takeRoutingBaseline } from '../domain/forwarding/routing-baseline';
import { CarrierLane, resolveCarrierLimits } from '../domain/forwarding/token-bucket';
import type { Carrier } from '../ports/carriers';
import type { Clock, Random } from '../ports/clock';
import type { BaselineEntry, RoutingBaseline, RoutingBaselineStore } from '../ports/routing-baseline';
import { carrierLimitsFromConfig } from './forward-run';

/** The daily read leaves a site's carrier alone while its newest reading is younger than this. */
export const BASELINE_FRESH_FOR_MS = 20 * 60 * 60 * 1000;

/** Why a number was not read when the run's time was up. */
export const OUT_OF_TIME = "not read: the run's time was up";

/** Input of refreshRoutingBaseline. */
export interface RoutingBaselineRefreshInput {
  plan: readonly PlanEntry[];
  /** The config's carriers: their rate limits and concurrency. */
  carriers: CarriersConfig;
  /** Only this site; every site of the plan when left out. */
  siteId?: string;
  /** The adapter of one carrier; a rejection is reported as that carrier's problem, its numbers unread. */
  open(carrier: CarrierName): Promise<Carrier>;
  store: RoutingBaselineStore;
  clock: Clock;
  random: Random;
  retry?: Partial<RetryOptions>;
  /**
   * Leaves out a site's carrier whose newest stored reading is younger than this (the daily read).
   * @default every carrier is read
   */
  skipFresherThanMs?: number;
  /** Epoch ms (by `clock`) after which no request is sent: what is read by then is saved. */
  deadlineMs?: number;
  /**
   * The site's open incident, if any: a site with one is left alone, since its numbers may be
   * forwarded and a baseline is the routing to come home to. @default no site is left alone
   */
  openIncidentOf?(siteId: string): Promise<string | undefined>;
}

/** One carrier's refresh at one site. */
export interface BaselineRefreshSummary {
  site: string;
  carrier: CarrierName;
  /** The site's plan numbers at this carrier. */
  numbers: number;
  /** Numbers read now (a page or a read of their own). */
  read: number;
  /** Numbers not read now, with why; the stored baseline keeps their earlier reading, if any. */
  unread: { number: string; reason: string }[];
  /** Requests sent to the carrier. */
  requests: number;
  /** Whether the reading was saved (false when skipped as fresh or when the save failed). */
  stored: boolean;
  /** Set when the carrier could not be opened or read, or the reading could not be saved. */
  error?: string;
  /** Why nothing was read (a baseline fresh enough, an open incident); `stored` is then false. */
  skipped?: string;
  /** Set when the stored baseline was fresh enough: its newest reading, epoch ms. */
  freshSince?: number;
}

/**
 * Refreshes the baseline of the selected sites, one site after another and the carriers of each
 * in parallel (each carrier has its own lane, shared by every site). Never throws for a carrier,
 * a load, a read or a save: each carrier's summary says what happened, and every number is either
 * read or unread with its reason (unless the carrier was left alone as fresh).
 */
export async function refreshRoutingBaseline(
  input: RoutingBaselineRefreshInput,
): Promise<BaselineRefreshSummary[]> {
  const sites = [...new Set(input.plan.map((entry) => entry.siteId))].filter(
    (site) => input.siteId === undefined || site === input.siteId,
  );
  const limits = carrierLimitsFromConfig(input.carriers);
  const lanes = new Map<CarrierName, DeadlineLane>();
  const laneOf = (carrier: CarrierName) => {
    let lane = lanes.get(carrier);
    if (!lane) {
      lane = new DeadlineLane(carrier, resolveCarrierLimits(carrier, limits), input.clock, input.deadlineMs);
      lanes.set(carrier, lane);
    }
    return lane;
  };
  const opened = new Map<CarrierName, Promise<Carrier>>();
  const open = (carrier: CarrierName) => {
    let adapter = opened.get(carrier);
    if (!adapter) {
      adapter = input.open(carrier);
      adapter.catch(() => undefined);
      opened.set(carrier, adapter);
    }
    return adapter;
  };
  const summaries: BaselineRefreshSummary[] = [];
  for (const site of sites) {
    const byCarrier = CARRIER_NAMES.map((carrier) => ({
      carrier,
      numbers: [
        ...new Set(
          input.plan
            .filter((entry) => entry.siteId === site && entry.carrier === carrier)
            .map((entry) => entry.number),
        ),
      ],
    })).filter(({ numbers }) => numbers.length > 0);
    if (byCarrier.length === 0) continue;
    const start = await startSite(input, site);
    if (!('previous' in start)) {
      for (const { carrier, numbers } of byCarrier) {
        const counts = { site, carrier, numbers: numbers.length, read: 0, requests: 0, stored: false };
        if ('skipped' in start) summaries.push({ ...counts, unread: [], skipped: start.skipped });
        else {
          const unread = numbers.map((number) => ({ number, reason: start.error }));
          summaries.push({ ...counts, unread, error: start.error });
        }
      }
      continue;
    }
    const { previous } = start;
    summaries.push(
      ...(await Promise.all(
        byCarrier.map(({ carrier, numbers }) =>
          refreshCarrier({ input, site, carrier, numbers, previous, lane: laneOf(carrier), open }),
        ),
      )),
    );
  }
  return summaries;
}

interface CarrierRefresh {
  input: RoutingBaselineRefreshInput;
  site: string;
  carrier: CarrierName;
  numbers: string[];
  previous: RoutingBaseline;
  lane: DeadlineLane;
  open: (carrier: CarrierName) => Promise<Carrier>;
}

async function refreshCarrier(refresh: CarrierRefresh): Promise<BaselineRefreshSummary> {
  const { input, site, carrier, numbers, previous, lane } = refresh;
  const summary = { site, carrier, numbers: numbers.length };
  const freshSince = newestReading(previous, carrier, numbers);
  const now = input.clock.now();
  if (input.skipFresherThanMs !== undefined && freshSince !== undefined) {
    if (now - freshSince < input.skipFresherThanMs) {
      const hours = Math.floor((now - freshSince) / 3_600_000);
      const skipped = `its baseline is fresh (newest reading ${hours} h old)`;
      return { ...summary, read: 0, unread: [], requests: 0, stored: false, skipped, freshSince };
    }
  }
  let adapter: Carrier;
  try {
    adapter = await refresh.open(carrier);
  } catch (error) {
    const reason = messageOf(error);
    const unread = numbers.map((number) => ({ number, reason }));
    return { ...summary, read: 0, unread, requests: 0, stored: false, error: reason };
  }
  const refusedBefore = lane.refused;
  let taken: TakenBaseline;
  try {
    taken = await takeRoutingBaseline({
      carrier: adapter,
      numbers,
      previous,
      lane,
      // As the engine sizes it: a budget that grows with the numbers, so a flaky carrier costs
      // retries, not a baseline of 100,000 numbers cut off at the default 1,000.
      policy: new RetryPolicy(
        { retryBudget: Math.max(100, 2 * numbers.length), ...input.retry },
        input.random,
      ),
      clock: input.clock,
    });
  } catch (error) {
    const reason = `the routing could not be read: ${messageOf(error)}`;
    const unread = numbers.map((number) => ({ number, reason }));
    return { ...summary, read: 0, unread, requests: 0, stored: false, error: reason };
  }
  // Calls the lane refused after the deadline never reached the carrier.
  const refused = (lane.refused - refusedBefore) * (adapter.requestsPerRead ?? 1);
  const requests = Math.max(0, taken.requests - refused);
  // A number not read now keeps its earlier reading: the outage-time check confirms or re-reads it.
  const readNow = new Set(taken.entries.map((entry) => entry.snapshot.number));
  const kept = taken.unread.flatMap(({ number }) => {
    const earlier = previous.get(number);
    return earlier && earlier.snapshot.carrier === carrier && !readNow.has(number) ? [earlier] : [];
  });
  const entries: BaselineEntry[] = [...taken.entries, ...kept];
  const result = { ...summary, read: taken.entries.length, unread: taken.unread, requests };
  try {
    await input.store.save(site, carrier, now, entries);
    return { ...result, stored: true };
  } catch (error) {
    return { ...result, stored: false, error: `the baseline could not be saved: ${messageOf(error)}` };
  }
}

/**
 * The site's stored baseline; or why the site is left alone (an open incident); or why it cannot be
 * read at all: without the stored baseline no page could be confirmed, and its save would fail alike.
 */
async function startSite(
  input: RoutingBaselineRefreshInput,
  site: string,
): Promise<{ previous: RoutingBaseline } | { skipped: string } | { error: string }> {
  try {
    const id = await input.openIncidentOf?.(site);
    if (id !== undefined) return { skipped: `incident ${id} is open; its numbers may be forwarded` };
  } catch (error) {
    return { error: `its open incident could not be looked up: ${messageOf(error)}` };
  }
  try {
    return { previous: await input.store.load(site) };
  } catch (error) {
    return { error: `the stored baseline could not be read: ${messageOf(error)}` };
  }
}

/** The newest reading the stored baseline holds of these numbers at this carrier. */
function newestReading(baseline: RoutingBaseline, carrier: CarrierName, numbers: readonly string[]) {
  let newest: number | undefined;
  for (const number of numbers) {
    const entry = baseline.get(number);
    if (entry?.snapshot.carrier === carrier && (newest === undefined || entry.readAt > newest)) {
      newest = entry.readAt;
    }
  }
  return newest;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A carrier lane that sends nothing once the run's deadline has passed: each call then fails at
 * once, not retryable, without waiting for a rate token, so the reading ends with what it has.
 */
class DeadlineLane extends CarrierLane {
  /** Calls refused since the deadline. */
  refused = 0;

  constructor(
    carrier: CarrierName,
    limits: ConstructorParameters<typeof CarrierLane>[1],
    private readonly clock: Clock,
    private readonly deadlineMs: number | undefined,
  ) {
    super(carrier, limits, clock);
  }

  override async call<T>(request: () => Promise<T>): Promise<T> {
    if (this.deadlineMs !== undefined && this.clock.now() >= this.deadlineMs) {
      this.refused += 1;
      throw new CarrierError(this.carrier, OUT_OF_TIME, { retryable: false, safeToRepeat: true });
    }
    return super.call(request);
  }
}
