import { systemClock } from '../../../lambdas/runtime/system-clock';

/** How far apart regions start their loops. */
const REGION_PACE_MS = 100;

/**
 * The drill's "schedules" (its stand-in for the functions' EventBridge rules): loops that call a
 * function again and again until stopped, and async work in flight (its asynchronous invokes).
 */
export class Loops {
  private running = true;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly errors: unknown[] = [];

  /** Calls `body` again and again, `pauseMs` apart, until stopped; its errors are kept, not thrown. */
  every(region: string, name: string, pauseMs: number, body: () => Promise<void>): void {
    const loop = (async () => {
      // Regions start a little apart, as real ones never tick in lockstep.
      await systemClock.sleep(REGION_PACE_MS * (region.length % 3));
      while (this.running) {
        try {
          await body();
        } catch (error) {
          this.errors.push(new Error(`${name}: ${(error as Error).message}`, { cause: error }));
        }
        if (pauseMs > 0) await systemClock.sleep(pauseMs);
      }
    })();
    this.track(loop);
  }

  /** Keeps `work` in flight until stop() (its error is kept). */
  track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    work.catch((error) => this.errors.push(error)).finally(() => this.pending.delete(work));
    return work;
  }

  /** Ends every loop and waits for the work in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.allSettled([...this.pending]);
  }

  /** The last `count` errors the loops and the work in flight met. */
  recentErrors(count: number): unknown[] {
    return this.errors.slice(-count);
  }
}
