/**
 * Starts a TypeScript file in a worker thread. tsx's loader hooks do not follow the drill or the
 * bench into worker threads, so the worker first registers tsx's CommonJS hook and then requires
 * the file.
 */
import { Worker } from 'node:worker_threads';

/** Starts `file` (an absolute .ts path) in a worker thread with `workerData`. */
export function startTsWorker(file: string, workerData: unknown): Worker {
  const source = `require(${JSON.stringify(require.resolve('tsx/cjs'))});\nrequire(${JSON.stringify(file)});`;
  return new Worker(source, { eval: true, workerData });
}
