/**
 * A real-time Clock that can be told to skip to the end of the invocation. ProbeCycle.run only ends
 * at its deadline; once a benchmark run has seen the trip it has nothing more to wait for, so the
 * clock jumps just past that deadline and cuts every pending sleep short, and the cycles return at
 * their next check, as they would at the end of a real probe Lambda's minute.
 */
import type { Clock } from '../../lambdas/ports/clock';

/** Real time until `skipTo(deadline)`; from then on the deadline plus one millisecond, without waits. */
export class SkippableClock implements Clock {
  private skippedTo?: number;
  private readonly sleepers = new Set<() => void>();

  now(): number {
    const now = Date.now();
    return this.skippedTo === undefined ? now : Math.max(now, this.skippedTo + 1);
  }

  sleep(ms: number): Promise<void> {
    if (this.skippedTo !== undefined || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** Jumps past `deadlineMs` and wakes every sleeper. */
  skipTo(deadlineMs: number): void {
    this.skippedTo = deadlineMs;
    for (const wake of [...this.sleepers]) wake();
  }
}
