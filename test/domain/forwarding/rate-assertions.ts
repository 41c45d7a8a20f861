/**
 * Fails unless the calls started at `starts` respect a token bucket of `ratePerSecond` with `burst`:
 * for every pair of starts, the calls between them (both included) are at most
 * `burst + ratePerSecond × elapsed`.
 */
export function expectWithinRate(starts: number[], ratePerSecond: number, burst: number): void {
  const sorted = [...starts].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i += 1) {
    for (let j = i; j < sorted.length; j += 1) {
      const calls = j - i + 1;
      const allowed = burst + (ratePerSecond * (sorted[j] - sorted[i])) / 1000;
      if (calls > allowed + 1e-9) {
        throw new Error(
          `${calls} calls started in [${sorted[i]}, ${sorted[j]}] (${sorted[j] - sorted[i]} ms); at most ${allowed} allowed`,
        );
      }
    }
  }
}
