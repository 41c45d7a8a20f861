/**
 * Per-carrier throttling: a token bucket for the request rate and a concurrency bound for the
 * requests in flight, combined in one lane per carrier so every engine (forward, restore, pre-arm,
 * audit) goes through the same limits. Time comes from the injected Clock, so a fake clock can prove
 * the limits without real waiting.
 */
import { type CarrierName, DEFAULT_RATE_LIMITS } from '../../contracts/config/config-constants';
import { ValidationError } from '../../contracts/errors';
import { runInRequestGate } from '../../contracts/request-gate';
import type { Clock } from '../../ports/clock';

/** How fast and how wide one carrier may be called. */
export interface CarrierLimits {
  /** Requests started per second, on average. */
  rateLimitPerSecond: number;
  /** Requests in flight at once. */
  maxConcurrency: number;
  /**
   * Requests that may start back to back after an idle spell.
   * @default max(1, floor(rateLimitPerSecond / 2)), see DEFAULT_BURST_SECONDS
   */
  burst?: number;
}

/** Limits by carrier as the config gives them: any field left out takes its default. */
export type CarrierLimitsByName = Partial<Record<CarrierName, Partial<CarrierLimits>>>;

/** Requests in flight to one carrier when the config does not say (the schema's default). */
export const DEFAULT_MAX_CONCURRENCY = 10;

/**
 * Seconds of requests a bucket holds by default. Half the carrier's own one-second bucket: our
 * requests reach the carrier 50-150 ms apart from when they left, so a second's worth of banked
 * tokens spent in a burst could meet a carrier bucket that the jitter has already emptied (429).
 * What is left over absorbs up to half a second of jitter. Costs nothing once the run is busy:
 * then the bucket is empty and paces requests at the rate.
 */
export const DEFAULT_BURST_SECONDS = 0.5;

/** Options of a TokenBucket. */
export interface TokenBucketOptions {
  ratePerSecond: number;
  /** @default max(1, floor(ratePerSecond × DEFAULT_BURST_SECONDS)) */
  burst?: number;
  clock: Clock;
}

/**
 * A token bucket: `burst` tokens at most, refilled at `ratePerSecond`. Over any window of W
 * milliseconds no more than `burst + ratePerSecond * W / 1000` takes complete.
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private refilledAt: number;
  /** Takers queue here so that waiting callers are served first come, first served. */
  private line: Promise<void> = Promise.resolve();

  constructor(options: TokenBucketOptions) {
    const burst = options.burst ?? Math.max(1, Math.floor(options.ratePerSecond * DEFAULT_BURST_SECONDS));
    const problems: string[] = [];
    if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond)) {
      problems.push(`\`ratePerSecond\` must be a positive number, got ${options.ratePerSecond}`);
    }
    if (!Number.isInteger(burst) || burst < 1) {
      problems.push(`\`burst\` must be an integer of at least 1, got ${burst}`);
    }
    if (problems.length > 0) {
      throw new ValidationError('Invalid token bucket options', problems);
    }
    this.ratePerSecond = options.ratePerSecond;
    this.burst = burst;
    this.clock = options.clock;
    this.tokens = burst;
    this.refilledAt = options.clock.now();
  }

  /** Resolves when the caller may start one request; waits through the clock when the bucket is empty. */
  take(): Promise<void> {
    const turn = this.line.then(() => this.acquire());
    this.line = turn.catch(() => undefined);
    return turn;
  }

  private async acquire(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      // Rounded up so one sleep is always enough, short of floating-point dust.
      await this.clock.sleep(Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond)));
    }
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsedMs = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.ratePerSecond) / 1000);
    this.refilledAt = now;
  }
}

/** Counts requests in flight and makes extra callers wait, first come first served. */
export class Semaphore {
  private inUse = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async acquire(): Promise<void> {
    if (this.inUse < this.size) {
      this.inUse += 1;
      return;
    }
    // The releasing caller hands its slot over directly, so inUse stays the same.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) {
      next();
    } else {
      this.inUse -= 1;
    }
  }
}

/** Numbers in the works per request slot (see CarrierLane.workers). */
export const WORKERS_PER_REQUEST_SLOT = 4;

/** One carrier's lane: every request to it goes through `call`, which bounds both rate and concurrency. */
export class CarrierLane {
  readonly carrier: CarrierName;
  readonly bucket: TokenBucket;
  readonly maxConcurrency: number;
  /**
   * Numbers worked on at once: more than the requests in flight, so that a number waiting on the
   * state table or sleeping in a backoff never leaves a request slot idle. The slots still bound the
   * requests in flight and the bucket their rate.
   */
  readonly workers: number;
  private readonly slots: Semaphore;

  constructor(carrier: CarrierName, limits: CarrierLimits, clock: Clock) {
    if (!Number.isInteger(limits.maxConcurrency) || limits.maxConcurrency < 1) {
      throw new ValidationError(`Invalid limits for carrier ${carrier}`, [
        `\`maxConcurrency\` must be an integer of at least 1, got ${limits.maxConcurrency}`,
      ]);
    }
    this.carrier = carrier;
    this.maxConcurrency = limits.maxConcurrency;
    this.workers = limits.maxConcurrency * WORKERS_PER_REQUEST_SLOT;
    this.bucket = new TokenBucket({ ratePerSecond: limits.rateLimitPerSecond, burst: limits.burst, clock });
    this.slots = new Semaphore(limits.maxConcurrency);
  }

  /**
   * Runs one carrier call once a concurrency slot and a rate token are both free. The slot is taken
   * first so a request holding a token never waits behind others (tokens are not wasted). A call
   * that sends more than one HTTP request takes a token for each further one (see
   * contracts/request-gate.ts), so the carrier never sees more than the rate, whatever the adapter
   * does inside the call.
   */
  async call<T>(request: () => Promise<T>): Promise<T> {
    await this.slots.acquire();
    try {
      await this.bucket.take();
      return await runInRequestGate(() => this.bucket.take(), request);
    } finally {
      this.slots.release();
    }
  }
}

/** The lanes of one run, built on first use from the configured limits and the documented defaults. */
export class CarrierLanes {
  private readonly lanes = new Map<CarrierName, CarrierLane>();

  constructor(
    private readonly limits: CarrierLimitsByName,
    private readonly clock: Clock,
  ) {}

  /** The lane of `carrier`, shared by every caller of this run. */
  lane(carrier: CarrierName): CarrierLane {
    let lane = this.lanes.get(carrier);
    if (!lane) {
      lane = new CarrierLane(carrier, resolveCarrierLimits(carrier, this.limits), this.clock);
      this.lanes.set(carrier, lane);
    }
    return lane;
  }
}

/** Fills in what the config left out: the carrier's documented rate and the schema's concurrency default. */
export function resolveCarrierLimits(carrier: CarrierName, limits: CarrierLimitsByName): CarrierLimits {
  const given = limits[carrier] ?? {};
  return {
    rateLimitPerSecond: given.rateLimitPerSecond ?? DEFAULT_RATE_LIMITS[carrier],
    maxConcurrency: given.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
    burst: given.burst,
  };
}
