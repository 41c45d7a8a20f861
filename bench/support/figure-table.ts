/**
 * The table every group's section uses: each figure as the median of its runs, its spread, and
 * its ratio against a baseline measured in the same run, so a reader sees both the number and how
 * much the machinery under test adds over the plain way of doing the same thing.
 */
import { maximum, median, minimum, ratio } from './statistics';

/** One measured figure, a value per run. */
export interface Figure {
  label: string;
  /** Shown after the numbers, e.g. `numbers/s`. */
  unit?: string;
  values: readonly number[];
  /** The same figure for the baseline, measured in the same runs. */
  baseline?: { label: string; values: readonly number[] };
  /** Decimals shown. @default 1 */
  digits?: number;
}

/** Renders figures as a Markdown table: figure, median, min–max, runs, baseline median, ratio. */
export function renderFigureTable(figures: readonly Figure[]): string {
  const lines = [
    '| figure | median | min – max | runs | baseline (median) | ratio to baseline |',
    '|---|--:|--:|--:|---|--:|',
  ];
  for (const figure of figures) {
    const digits = figure.digits ?? 1;
    const unit = figure.unit ? ` ${figure.unit}` : '';
    const value = median(figure.values);
    const baselineValue = figure.baseline ? median(figure.baseline.values) : undefined;
    const versus = ratio(value, baselineValue);
    lines.push(
      `| ${figure.label} | ${formatNumber(value, digits)}${unit} | ${formatNumber(minimum(figure.values), digits)} – ${formatNumber(maximum(figure.values), digits)} | ${figure.values.length} | ${
        figure.baseline && baselineValue !== undefined
          ? `${figure.baseline.label}: ${formatNumber(baselineValue, digits)}${unit}`
          : '—'
      } | ${versus === undefined ? '—' : `${formatNumber(versus, 2)}×`} |`,
    );
  }
  return lines.join('\n');
}

/** A number with thousands separators and at most `digits` decimals. */
export function formatNumber(value: number, digits = 1): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}
