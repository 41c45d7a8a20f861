/**
 * Watches where callers of a site's numbers get through, from the carrier fakes' modelled routing:
 * from a moment on (the site's death, or its revival), polls every number whose calls have not yet
 * arrived where they should (a live target; or home, where they went before the outage), and notes
 * per carrier when the last one did and how many requests the carrier had received by then. This is
 * what the drill reports as `byCarrier`: when callers reached the backup, not when a write was
 * accepted.
 */
import type { CarrierName } from '../../../lambdas/contracts/config/config-constants';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import type { LocalCarriers } from './local-carriers';

/** One carrier's share of the watched numbers. */
export interface CarrierCallsReport {
  carrier: CarrierName;
  numbers: number;
  /** Numbers whose calls have arrived. */
  reaching: number;
  /** Ms from the start to when the last number's calls arrived; null while some have not. */
  reachedAfterMs: number | null;
  /** Requests the carrier received from the start to that moment (or to now, while some have not). */
  requests: number;
}

/** What the watch has seen so far. */
export interface CallsReport {
  byCarrier: CarrierCallsReport[];
  /** Per number: ms from the start to when its calls first arrived. */
  reachedAtMs: Record<string, number>;
}

/**
 * How often the watch asks the fakes (ms): every 25 ms for a small plan, less often for a large one
 * (one routing answer per number still not arrived, each poll), so the watch never takes the far
 * side's thread from the table and the fakes it measures: 10,000 numbers are asked every 200 ms.
 */
function pollIntervalMs(numbers: number): number {
  return Math.min(500, Math.max(25, Math.round(numbers / 50)));
}

/** Whether a number's calls have arrived where the watch wants them. */
export type CallsArrived = (entry: PlanEntry) => boolean;

/** Polls the fakes' routing for `entries` from `startedAt` (epoch ms) until every number's calls arrived. */
export class CallWatch {
  private readonly reachedAt = new Map<string, number>();
  private readonly requestsAtStart: Map<CarrierName, number>;
  private readonly requestsWhenReached = new Map<CarrierName, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly carriers: LocalCarriers,
    private readonly entries: readonly PlanEntry[],
    private readonly arrived: CallsArrived,
    private readonly startedAt: number,
  ) {
    this.requestsAtStart = new Map(this.carrierNames().map((carrier) => [carrier, this.requestsOf(carrier)]));
    this.poll();
    this.timer = setInterval(() => this.poll(), pollIntervalMs(entries.length));
  }

  /** Stops polling. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** The report so far. */
  report(): CallsReport {
    const byCarrier = this.carrierNames().map((carrier): CarrierCallsReport => {
      const numbers = this.entries.filter((entry) => entry.carrier === carrier);
      const reached = numbers.filter((entry) => this.reachedAt.has(entry.number));
      const done = reached.length === numbers.length;
      const last = Math.max(...reached.map((entry) => this.reachedAt.get(entry.number) as number), 0);
      const requestsThen = this.requestsWhenReached.get(carrier) ?? this.requestsOf(carrier);
      return {
        carrier,
        numbers: numbers.length,
        reaching: reached.length,
        reachedAfterMs: done ? last : null,
        requests: requestsThen - (this.requestsAtStart.get(carrier) ?? 0),
      };
    });
    return { byCarrier, reachedAtMs: Object.fromEntries(this.reachedAt) };
  }

  private poll(): void {
    const now = Date.now();
    for (const entry of this.entries) {
      if (this.reachedAt.has(entry.number)) continue;
      if (this.arrived(entry)) this.reachedAt.set(entry.number, Math.max(0, now - this.startedAt));
    }
    for (const carrier of this.carrierNames()) {
      if (this.requestsWhenReached.has(carrier)) continue;
      const all = this.entries
        .filter((entry) => entry.carrier === carrier)
        .every((entry) => this.reachedAt.has(entry.number));
      if (all) this.requestsWhenReached.set(carrier, this.requestsOf(carrier));
    }
    if (this.reachedAt.size === this.entries.length) clearInterval(this.timer);
  }

  private carrierNames(): CarrierName[] {
    return [...new Set(this.entries.map((entry) => entry.carrier))];
  }

  private requestsOf(carrier: CarrierName): number {
    return this.carriers.requestCountOf(carrier);
  }
}
