import { drainQueue, WorkQueue } from '../../../lambdas/domain/forwarding/work-queue';

/** Lets every promise callback that is ready run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('drainQueue', () => {
  it('works through items pushed while the workers already run, in order, until the queue is closed', async () => {
    // Arrange
    const queue = new WorkQueue<number>();
    const done: number[] = [];
    queue.push(1);

    // Act
    const draining = drainQueue(queue, 2, async (item) => {
      done.push(item);
    });
    await settle();
    queue.push(2);
    queue.push(3);
    await settle();
    const finishedBeforeClose = await Promise.race([draining.then(() => true), settle().then(() => false)]);
    queue.close();
    await draining;

    // Assert
    expect(done).toEqual([1, 2, 3]);
    expect(finishedBeforeClose).toBe(false);
  });

  it('keeps at most `concurrency` items in the works', async () => {
    const queue = new WorkQueue<number>();
    for (let item = 0; item < 20; item++) queue.push(item);
    queue.close();
    let inWorks = 0;
    let most = 0;

    await drainQueue(queue, 3, async () => {
      inWorks += 1;
      most = Math.max(most, inWorks);
      await settle();
      inWorks -= 1;
    });

    expect(most).toBe(3);
  });

  it('starts no new item once a worker failed, and rethrows that failure', async () => {
    // Arrange
    const queue = new WorkQueue<number>();
    for (let item = 0; item < 10; item++) queue.push(item);
    queue.close();
    const started: number[] = [];

    // Act
    const draining = drainQueue(queue, 1, async (item) => {
      started.push(item);
      if (item === 2) throw new Error('worker broke');
    });

    // Assert
    await expect(draining).rejects.toThrow('worker broke');
    expect(started).toEqual([0, 1, 2]);
  });

  it('ignores items pushed after close', async () => {
    const queue = new WorkQueue<number>();
    queue.push(1);
    queue.close();
    queue.push(2);
    const done: number[] = [];

    await drainQueue(queue, 1, async (item) => {
      done.push(item);
    });

    expect(done).toEqual([1]);
  });
});
