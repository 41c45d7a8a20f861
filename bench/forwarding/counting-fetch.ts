/**
 * A fetch that watches the adapter's traffic from the client side: when requests were sent, how
 * many were in flight on average (the lane's concurrency slots are only busy while one is), and
 * how the carrier answered. Time-weighted in-flight is what tells a concurrency limit (slots full)
 * from a rate limit (slots idle while the token bucket makes callers wait).
 */

/** What a CountingFetch saw. */
export interface TrafficStats {
  requests: number;
  /** Answers by HTTP status; network failures count under 0. */
  byStatus: Record<number, number>;
  /** performance.now() of the first request sent and of the last answer. */
  firstSentAt?: number;
  lastAnsweredAt?: number;
  /** Mean requests in flight over [firstSentAt, lastAnsweredAt]. */
  meanInFlight: number;
  maxInFlight: number;
}

/** Wraps the global fetch and counts. */
export class CountingFetch {
  private requests = 0;
  private readonly byStatus: Record<number, number> = {};
  private inFlight = 0;
  private maxInFlight = 0;
  private area = 0;
  private changedAt?: number;
  private firstSentAt?: number;
  private lastAnsweredAt?: number;

  /** The fetch to hand to adapters. */
  readonly fetch: typeof fetch = async (input, init) => {
    this.change(+1);
    this.requests += 1;
    let status = 0;
    try {
      const response = await globalThis.fetch(input, init);
      status = response.status;
      return response;
    } finally {
      this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
      this.change(-1);
      this.lastAnsweredAt = performance.now();
    }
  };

  /** What was seen so far. */
  stats(): TrafficStats {
    const span =
      this.firstSentAt === undefined || this.lastAnsweredAt === undefined
        ? 0
        : this.lastAnsweredAt - this.firstSentAt;
    return {
      requests: this.requests,
      byStatus: { ...this.byStatus },
      firstSentAt: this.firstSentAt,
      lastAnsweredAt: this.lastAnsweredAt,
      meanInFlight: span > 0 ? this.area / span : 0,
      maxInFlight: this.maxInFlight,
    };
  }

  private change(delta: number): void {
    const now = performance.now();
    if (this.changedAt !== undefined) this.area += this.inFlight * (now - this.changedAt);
    this.firstSentAt ??= now;
    this.changedAt = now;
    this.inFlight += delta;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
  }
}
