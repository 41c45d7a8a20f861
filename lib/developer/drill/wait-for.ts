/** The drill's one way of waiting: poll until something holds, or give up saying what it waited for. */
import { systemClock } from '../../../lambdas/runtime/system-clock';

/** Polls `probe` every 100 ms until it returns a value, or fails naming what it waited for. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = systemClock.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (systemClock.now() > deadline)
      throw new Error(`drill: gave up waiting for ${what} after ${Math.round(timeoutMs / 1000)} s`);
    await systemClock.sleep(100);
  }
}
