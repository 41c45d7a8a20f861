/**
 * A virtual clock for runs that would take an hour of real waiting: `sleep` registers a timer, and
 * a driver moves `now` to the earliest timer only when the process is idle, that is no tracked real
 * I/O is in flight (dynalite calls) and a few `setImmediate` turns passed with nothing new (no
 * sleep registered, no I/O started or ended). Time therefore moves only by what sleepers asked for,
 * in order, and never while real work that would take time is still running. Everything timed must
 * go through `sleep` or `track`: a real `setTimeout` elsewhere would not hold time back.
 */
import type { Clock } from '../../lambdas/ports/clock';

interface Timer {
  at: number;
  sequence: number;
  wake: () => void;
}

/** Quiet `setImmediate` turns that make the process idle: microtask chains and stream reads settle within them. */
const IDLE_TURNS = 3;

/** The virtual clock and its driver; see the module comment. */
export class VirtualClock implements Clock {
  private current: number;
  private readonly timers: Timer[] = [];
  private sequence = 0;
  /** Bumped by every sleep, I/O start and end, and timer fired: "something new happened". */
  private activity = 0;
  private inFlight = 0;
  private ioSettled: (() => void) | undefined;
  private driving: Promise<void> | undefined;
  private stopping = false;
  /** Timers fired so far (how much virtual scheduling a run took). */
  fired = 0;

  constructor(startMs: number) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number): Promise<void> {
    this.activity++;
    if (!(ms > 0)) return Promise.resolve();
    return new Promise((wake) => this.push({ at: this.current + ms, sequence: this.sequence++, wake }));
  }

  /** Holds time still until `work` (real I/O) settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight++;
    this.activity++;
    const settle = () => {
      this.inFlight--;
      this.activity++;
      if (this.inFlight === 0) this.ioSettled?.();
    };
    work.then(settle, settle);
    return work;
  }

  /** Starts advancing time whenever the process is idle; stop() ends it. */
  start(): void {
    this.stopping = false;
    this.driving ??= this.drive();
  }

  /** Stops the driver; sleepers still waiting stay asleep. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.driving;
    this.driving = undefined;
  }

  private async drive(): Promise<void> {
    while (!this.stopping) {
      if (this.inFlight > 0) {
        await new Promise<void>((resolve) => {
          this.ioSettled = resolve;
        });
        this.ioSettled = undefined;
        continue;
      }
      const seen = this.activity;
      for (let turn = 0; turn < IDLE_TURNS; turn++) await nextTurn();
      if (this.activity !== seen || this.inFlight > 0) continue;
      const next = this.timers[0];
      if (!next) {
        // Nothing scheduled and nothing running: wait for someone to sleep or track again.
        await nextTurn();
        continue;
      }
      this.current = Math.max(this.current, next.at);
      // Every timer due at this instant wakes together, in the order they were set.
      while (this.timers.length > 0 && this.timers[0].at <= this.current) {
        this.pop().wake();
        this.fired++;
      }
      this.activity++;
    }
  }

  /** Binary min-heap on (at, sequence). */
  private push(timer: Timer): void {
    const heap = this.timers;
    heap.push(timer);
    for (let index = heap.length - 1; index > 0; ) {
      const parent = (index - 1) >> 1;
      if (!earlier(heap[index], heap[parent])) break;
      [heap[index], heap[parent]] = [heap[parent], heap[index]];
      index = parent;
    }
  }

  private pop(): Timer {
    const heap = this.timers;
    const top = heap[0];
    const last = heap.pop() as Timer;
    if (heap.length > 0) {
      heap[0] = last;
      for (let index = 0; ; ) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && earlier(heap[left], heap[smallest])) smallest = left;
        if (right < heap.length && earlier(heap[right], heap[smallest])) smallest = right;
        if (smallest === index) break;
        [heap[index], heap[smallest]] = [heap[smallest], heap[index]];
        index = smallest;
      }
    }
    return top;
  }
}

function earlier(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.sequence < b.sequence);
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
