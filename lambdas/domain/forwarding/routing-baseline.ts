/**
 * The routing baseline: every number's routing read in the carrier's list pages. Ahead of an outage
 * (`takeRoutingBaseline`: arm, audit, the weekly practice, the daily read) it is stored; at the
 * outage's start one paged pass (`checkRoutingInPages`) checks it, so the forwarding writes start as
 * soon as a number's page is in, without a read of its own. A page that shows only part of a
 * number's routing confirms the stored baseline or not; what no page showed or confirmed is read on
 * its own, so a stale or missing baseline costs reads, never a wrong snapshot.
 */

import type { Carrier, CarrierCall, RoutingSnapshot } from '../../ports/carriers';
import type { Clock } from '../../ports/clock';
import type { BaselineEntry, RoutingBaseline } from '../../ports/routing-baseline';
import { type CallResult, callWithRetry, Deadline, describeFailure, type RetryPolicy } from './retry-policy';
import type { CarrierLane } from './token-bucket';
import { runPool } from './worker-pool';

/** What the paged pass found for one number. */
export type CheckedRouting =
  /** A page showed all of it: the routing now. */
  | { kind: 'read'; snapshot: RoutingSnapshot }
  /** A page showed part of it, and that part matches the baseline: the baseline's snapshot. */
  | { kind: 'confirmed'; snapshot: RoutingSnapshot }
  /**
   * No page showed it, or its page did not match the baseline: read it on its own. `partial` is
   * what its page showed, when one did (the carrier may complete it in fewer requests than a read).
   */
  | { kind: 'unchecked'; reason: string; partial?: RoutingSnapshot };

/** Input of checkRoutingInPages. */
export interface RoutingCheckInput {
  carrier: Carrier;
  numbers: readonly string[];
  baseline: RoutingBaseline;
  /** Sends one page request (paced and retried by the caller). */
  call: CarrierCall;
  /** Called once per number, as soon as its page is in (or, for unseen numbers, at the end). */
  onChecked: (number: string, checked: CheckedRouting) => void;
}

/** Why a number is read on its own, as the engine and the baseline report it. */
export const UNSEEN_IN_PAGES = 'no page of the carrier listed it';
export const CHANGED_SINCE_BASELINE = 'its page shows routing other than the stored baseline';
export const NO_BASELINE = 'its page shows part of its routing and no baseline holds the rest';

/**
 * One paged pass over `numbers`; every number gets exactly one onChecked call. Carriers without a
 * list of their numbers' routing leave every number unchecked without a request. A failure of the
 * whole pass leaves the numbers not yet checked unchecked: the engine reads them one by one.
 */
export async function checkRoutingInPages(input: RoutingCheckInput): Promise<{ pages: number }> {
  const { carrier, baseline, onChecked } = input;
  const pending = new Set(input.numbers);
  const settle = (number: string, checked: CheckedRouting) => {
    if (!pending.delete(number)) return;
    onChecked(number, checked);
  };
  let pages = 0;
  const pagesOf = carrier.routingPages;
  if (pagesOf && pending.size > 0) {
    const call: CarrierCall = (request) => {
      pages += 1;
      return input.call(request);
    };
    await pagesOf
      .read(input.numbers, call, (readings) => {
        for (const { snapshot, complete } of readings) {
          if (complete) {
            settle(snapshot.number, { kind: 'read', snapshot });
            continue;
          }
          const stored = baseline.get(snapshot.number)?.snapshot;
          if (!stored) settle(snapshot.number, { kind: 'unchecked', reason: NO_BASELINE, partial: snapshot });
          else if (pagesOf.confirms(snapshot, stored))
            settle(snapshot.number, { kind: 'confirmed', snapshot: stored });
          else
            settle(snapshot.number, { kind: 'unchecked', reason: CHANGED_SINCE_BASELINE, partial: snapshot });
        }
      })
      .catch(() => undefined);
  }
  for (const number of [...pending]) settle(number, { kind: 'unchecked', reason: UNSEEN_IN_PAGES });
  return { pages };
}

/** Input of takeRoutingBaseline. */
export interface TakeBaselineInput {
  carrier: Carrier;
  numbers: readonly string[];
  /** The stored baseline, which incomplete page readings confirm. */
  previous: RoutingBaseline;
  lane: CarrierLane;
  policy: RetryPolicy;
  clock: Clock;
}

/** A baseline as read, and what could not be read. */
export interface TakenBaseline {
  entries: BaselineEntry[];
  unread: { number: string; reason: string }[];
  /** Requests sent: pages, then single reads (retries included). */
  requests: number;
}

/**
 * Reads the routing of `numbers` at one carrier for the baseline: pages first, then one by one
 * what no page showed or confirmed (ahead of an outage those reads cost time, not calls' safety):
 * a number its page showed in part is completed (`completeReading`) where the carrier can, else read.
 */
export async function takeRoutingBaseline(input: TakeBaselineInput): Promise<TakenBaseline> {
  const { carrier, lane, policy, clock } = input;
  const deadline = new Deadline(clock, undefined, 0);
  const context = { policy, clock, deadline };
  const entries: BaselineEntry[] = [];
  const toRead: { number: string; partial?: RoutingSnapshot }[] = [];
  let requests = 0;
  /** `weight`: the HTTP requests one call sends (a Bandwidth read is two). */
  const retried = async <T>(request: () => Promise<T>, weight: number): Promise<CallResult<T>> => {
    const tally = { attempts: 0 };
    const result = await callWithRetry(lane, request, tally, context, weight);
    requests += tally.attempts * weight;
    return result;
  };
  /** Why each request `call` gave up on failed, so a completion that fails says so. */
  const reasons = new WeakMap<object, string>();
  const call: CarrierCall = async (request) => {
    const result = await retried(request, 1);
    if (!result.ok) {
      if (typeof result.error === 'object' && result.error !== null) reasons.set(result.error, result.reason);
      throw result.error;
    }
    return result.value;
  };
  await checkRoutingInPages({
    carrier,
    numbers: input.numbers,
    baseline: input.previous,
    call,
    onChecked: (number, checked) => {
      if (checked.kind === 'unchecked') toRead.push({ number, partial: checked.partial });
      else entries.push({ snapshot: checked.snapshot, readAt: clock.now() });
    },
  });
  const unread: TakenBaseline['unread'] = [];
  const perRead = carrier.requestsPerRead ?? 1;
  const completeReading = carrier.routingPages?.completeReading?.bind(carrier.routingPages);
  await runPool(toRead, lane.workers, async ({ number, partial }) => {
    let result: CallResult<RoutingSnapshot>;
    if (partial && completeReading) {
      // Each of its requests is paced, retried and counted on its own by `call`.
      result = await completeReading(partial, call).then(
        (snapshot) => ({ ok: true as const, value: snapshot }),
        (error: unknown) => ({
          ok: false as const,
          error,
          stopped: false,
          reason:
            (typeof error === 'object' && error !== null && reasons.get(error)) || describeFailure(error),
        }),
      );
    } else {
      result = await retried(() => carrier.readRouting(number), perRead);
    }
    if (result.ok) entries.push({ snapshot: result.value, readAt: clock.now() });
    else unread.push({ number, reason: result.reason });
  });
  return { entries, unread, requests };
}
