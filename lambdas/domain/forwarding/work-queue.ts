/**
 * A queue that workers drain while a producer is still filling it: the forwarding engine starts on
 * the first numbers whose state rows exist while the rest are still being created.
 */

/** Items handed out first in, first out, as they arrive, until the producer closes the queue. */
export class WorkQueue<T> {
  private items: T[] = [];
  private head = 0;
  private readonly waiting: Array<(item: T | undefined) => void> = [];
  private closed = false;

  /** Adds an item; a worker waiting for one gets it at once. Ignored once closed. */
  push(item: T): void {
    if (this.closed) return;
    const waiter = this.waiting.shift();
    if (waiter) waiter(item);
    else this.items.push(item);
  }

  /** No more items will come: workers finish what is queued, then stop. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter(undefined);
  }

  /** The next item, waiting for one if need be; undefined once the queue is closed and empty. */
  take(): Promise<T | undefined> {
    if (this.head < this.items.length) {
      const item = this.items[this.head];
      this.head += 1;
      // Drop the taken prefix now and then, so a long run does not keep every item alive.
      if (this.head >= 1024 && this.head * 2 >= this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve(item);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

/**
 * Runs `worker` over the queue's items, `concurrency` at a time, until the queue is closed and
 * empty. Once a worker throws, no new item starts; the first error is rethrown after every started
 * worker has settled (the producer must still close the queue, which releases idle workers).
 */
export async function drainQueue<T>(
  queue: WorkQueue<T>,
  concurrency: number,
  worker: (item: T) => Promise<void>,
): Promise<void> {
  let failure: { error: unknown } | undefined;
  const runner = async (): Promise<void> => {
    while (failure === undefined) {
      const item = await queue.take();
      if (item === undefined || failure !== undefined) return;
      try {
        await worker(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, runner));
  if (failure) throw failure.error;
}
