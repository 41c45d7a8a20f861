// The helper moved next to the drill, its other user; the bench keeps importing it from here.
export { startTsWorker } from '../../lib/developer/far-side/start-ts-worker';
