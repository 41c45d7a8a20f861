import type { Clock } from '../../../lambdas/ports/clock';

interface Timer {
  at: number;
  sequence: number;
  resolve: () => void;
}

/**
 * A virtual clock that runs as fast as the code under test: `sleep` registers a timer, and whenever
 * the process has nothing else ready to run (the next `setImmediate`), time jumps to the earliest
 * timer and wakes it. Sleeping therefore costs no real time, and time only moves by what sleepers
 * asked for, in order. Real I/O (dynalite) may be in flight while time moves; that is fine for
 * tests that assert invariants rather than exact timings.
 */
export class FakeClock implements Clock {
  private current: number;
  private readonly timers: Timer[] = [];
  private sequence = 0;
  private scheduled = false;

  constructor(startMs = Date.UTC(2025, 0, 1, 12, 0, 0)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number): Promise<void> {
    if (!(ms > 0)) return Promise.resolve();
    return new Promise((resolve) => {
      this.timers.push({ at: this.current + ms, sequence: this.sequence++, resolve });
      this.schedule();
    });
  }

  /** Moves time forward at once (e.g. past a claim's lease), waking any sleeper that is due. */
  advance(ms: number): void {
    this.current += ms;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.timers.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.fireNext());
  }

  private fireNext(): void {
    this.scheduled = false;
    this.timers.sort((a, b) => a.at - b.at || a.sequence - b.sequence);
    const next = this.timers.shift();
    if (!next) return;
    this.current = Math.max(this.current, next.at);
    next.resolve();
    this.schedule();
  }
}
