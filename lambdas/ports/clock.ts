/** Time and randomness, injected so tests and replays control them. */

/** Time, injected so tests and replays control it. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Waits `ms` milliseconds (a fake clock advances instead). */
  sleep(ms: number): Promise<void>;
}

/** Randomness, injected so jitter and simulations are repeatable. Returns a float in [0, 1). */
export type Random = () => number;
