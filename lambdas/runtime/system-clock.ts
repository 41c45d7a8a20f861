import { setTimeout as delay } from 'node:timers/promises';
import type { Clock } from '../ports/clock';

/** The real clock, for Lambda, the CLI and the drill. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms: number) => delay(Math.max(0, ms)).then(() => undefined),
};
