/**
 * The few statistics the benchmarks report. Medians, not means: one run disturbed by the machine
 * (a GC pause, another process) should not move the figure people compare over time.
 */

/** The middle value (mean of the two middle ones for an even count). Throws on an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The smallest value. Throws on an empty list. */
export function minimum(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('minimum of no values');
  return Math.min(...values);
}

/** The largest value. Throws on an empty list. */
export function maximum(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('maximum of no values');
  return Math.max(...values);
}

/** The arithmetic mean. Throws on an empty list. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('mean of no values');
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** `value / baseline`, or undefined when the baseline is zero or missing (no ratio is better than Infinity). */
export function ratio(value: number, baseline: number | undefined): number | undefined {
  return baseline === undefined || baseline === 0 ? undefined : value / baseline;
}

/** Median, minimum and maximum of the runs of one figure. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Summarises the runs of one figure. */
export function spreadOf(values: readonly number[]): Spread {
  return { median: median(values), min: minimum(values), max: maximum(values), runs: values.length };
}

/** Rounds for reports: enough digits to compare, no float dust in JSON. */
export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
