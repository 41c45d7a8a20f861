/**
 * A sweep worker thread (started by parallel-sweep.ts): replays its share of the grid and reports
 * a tick per setting, then the settings it kept.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type SweepShare, type SweepWorkerMessage, sweepShare } from './parallel-sweep';

if (parentPort !== null) {
  const port = parentPort;
  const entries = sweepShare(workerData as SweepShare, () =>
    port.postMessage({ type: 'progress' } satisfies SweepWorkerMessage),
  );
  port.postMessage({ type: 'done', entries } satisfies SweepWorkerMessage);
}
