/**
 * The drill's picture: how many numbers were forwarded, and how many brought home, over the seconds
 * since the site was killed, as a standalone SVG. Written by hand, not with a charting library: none
 * is installed that renders SVG in Node without a browser, and two step lines with markers need
 * little more than arithmetic.
 */
import type { DrillResult } from './drill-result';

/** Event times of one series, in seconds since the kill; each event adds one to the series' count. */
export interface ChartSeries {
  /** Legend text and the `data-series` of its points. */
  name: string;
  color: string;
  times: readonly number[];
}

/** A moment of the drill drawn as a vertical line (detected, forwarding finished, ...). */
export interface ChartStep {
  name: string;
  /** Seconds since the kill. */
  at: number;
}

export interface NumbersChart {
  title: string;
  /** The y axis runs from 0 to this many numbers. */
  total: number;
  series: readonly ChartSeries[];
  steps: readonly ChartStep[];
}

export interface ChartOptions {
  /** @default 860 */
  width?: number;
  /**
   * Above this many events a series is drawn through evenly spaced events only (still exact counts
   * at each drawn point), so a drill of a million numbers stays a small file.
   * @default 2000
   */
  maxPointsPerSeries?: number;
}

const PLOT_HEIGHT = 300;
const MARGIN = { top: 72, right: 24, bottom: 72, left: 64 };
/** Step numbers closer than this (px) go on separate rows above the plot. */
const STEP_LABEL_GAP = 16;
const STEP_LINE_HEIGHT = 16;

/** The chart as an SVG document: a step line and a marker per event of each series, a line per step. */
export function renderNumbersChartSvg(chart: NumbersChart, options: ChartOptions = {}): string {
  const width = options.width ?? 860;
  const maxPoints = options.maxPointsPerSeries ?? 2000;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const stepsTop = MARGIN.top + PLOT_HEIGHT + MARGIN.bottom;
  const height = stepsTop + chart.steps.length * STEP_LINE_HEIGHT + 16;
  const lastSecond = Math.max(
    1,
    ...chart.steps.map((step) => step.at),
    ...chart.series.flatMap((s) => s.times),
  );
  const xTicks = niceTicks(lastSecond);
  const yTicks = niceTicks(Math.max(1, chart.total));
  const xMax = xTicks.at(-1)!;
  const yMax = yTicks.at(-1)!;
  const x = (seconds: number) => round(MARGIN.left + (Math.max(0, seconds) / xMax) * plotWidth);
  const y = (count: number) => round(MARGIN.top + PLOT_HEIGHT - (count / yMax) * PLOT_HEIGHT);
  const bottom = MARGIN.top + PLOT_HEIGHT;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`,
    '<g class="grid" stroke="#e5e5e5">',
    ...yTicks.map(
      (tick) => `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y(tick)}" y2="${y(tick)}"/>`,
    ),
    '</g>',
    '<g class="axes" stroke="#333333">',
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${bottom}" y2="${bottom}"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${bottom}"/>`,
    '</g>',
    '<g class="ticks" fill="#333333">',
    ...xTicks.map(
      (tick) => `<text x="${x(tick)}" y="${bottom + 16}" text-anchor="middle">${formatNumber(tick)}</text>`,
    ),
    ...yTicks.map(
      (tick) =>
        `<text x="${MARGIN.left - 8}" y="${y(tick) + 4}" text-anchor="end">${formatNumber(tick)}</text>`,
    ),
    '</g>',
    `<text x="${MARGIN.left}" y="${bottom + 38}">seconds since the site was killed</text>`,
    `<text x="16" y="${MARGIN.top + PLOT_HEIGHT / 2}" text-anchor="middle" transform="rotate(-90 16 ${MARGIN.top + PLOT_HEIGHT / 2})">numbers</text>`,
  ];

  const rowEnds: number[] = [];
  chart.steps.forEach((step, index) => {
    const at = x(step.at);
    const label = `${index + 1}`;
    // The first row (from the plot up) whose last label is far enough to the left.
    let row = rowEnds.findIndex((end) => at - end >= STEP_LABEL_GAP);
    if (row < 0) row = rowEnds.length < 3 ? rowEnds.length : rowEnds.indexOf(Math.min(...rowEnds));
    rowEnds[row] = at;
    parts.push(
      `<g class="step" data-step="${escapeXml(step.name)}" data-seconds="${round(step.at)}">`,
      `<title>${escapeXml(`${label}. ${step.name} at ${formatNumber(round(step.at))} s`)}</title>`,
      `<line x1="${at}" x2="${at}" y1="${MARGIN.top}" y2="${bottom}" stroke="#888888" stroke-dasharray="3 3"/>`,
      `<text x="${at}" y="${MARGIN.top - 4 - row * 11}" text-anchor="middle" fill="#555555" font-size="10">${label}</text>`,
      `<text x="${MARGIN.left}" y="${stepsTop + index * STEP_LINE_HEIGHT}" fill="#555555">${escapeXml(`${label}. ${formatNumber(round(step.at))} s: ${step.name}`)}</text>`,
      '</g>',
    );
  });

  chart.series.forEach((series, index) => {
    const points = cumulativePoints(series.times, maxPoints);
    const path = [`M ${x(0)} ${y(0)}`, ...points.map((point) => `H ${x(point.at)} V ${y(point.count)}`)];
    if (points.length > 0) path.push(`H ${x(xMax)}`);
    // Under the plot, right-aligned, level with the x axis title.
    const legendX = MARGIN.left + plotWidth - 130 * (chart.series.length - index);
    const legendY = bottom + 38;
    parts.push(
      `<g class="series" data-series="${escapeXml(series.name)}" data-events="${series.times.length}">`,
      `<path d="${path.join(' ')}" fill="none" stroke="${series.color}" stroke-width="2"/>`,
      ...points.map(
        (point) =>
          `<circle class="point" data-series="${escapeXml(series.name)}" data-seconds="${round(point.at)}" data-count="${point.count}" cx="${x(point.at)}" cy="${y(point.count)}" r="2.5" fill="${series.color}"/>`,
      ),
      `<rect x="${legendX}" y="${legendY - 9}" width="12" height="12" fill="${series.color}"/>`,
      `<text x="${legendX + 18}" y="${legendY + 1}">${escapeXml(`${series.name} (${series.times.length})`)}</text>`,
      '</g>',
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The drill's chart: numbers forwarded and restored over time, with the drill's steps. */
export function drillChartSvg(
  result: Pick<DrillResult, 'incidentId' | 'numbers' | 'steps' | 'numberTimes'>,
): string {
  const seconds = (ms: number | null) => (ms === null ? [] : [ms / 1000]);
  return renderNumbersChartSvg({
    title: `Drill ${result.incidentId}: numbers forwarded and restored`,
    total: result.numbers.total,
    series: [
      {
        name: 'forwarded',
        color: '#d9480f',
        times: result.numberTimes.flatMap((n) => seconds(n.forwardedAtMs)),
      },
      {
        name: 'restored',
        color: '#2b8a3e',
        times: result.numberTimes.flatMap((n) => seconds(n.restoredAtMs)),
      },
    ],
    steps: result.steps.map((step) => ({ name: step.name, at: step.atMs / 1000 })),
  });
}

/** The running count after each event (every event when few, evenly spaced ones when many). */
export function cumulativePoints(
  times: readonly number[],
  maxPoints: number,
): { at: number; count: number }[] {
  const sorted = [...times].sort((a, b) => a - b);
  const every = Math.max(1, Math.ceil(sorted.length / Math.max(1, maxPoints)));
  return sorted.flatMap((at, index) =>
    (index + 1) % every === 0 || index === sorted.length - 1 ? [{ at, count: index + 1 }] : [],
  );
}

/** Round tick values from 0 past `max`: steps of 1, 2 or 5 times a power of ten, about six of them. */
export function niceTicks(max: number): number[] {
  const rough = max / 6;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((factor) => factor * power >= rough) ?? 10) * power;
  const ticks: number[] = [];
  for (let tick = 0; tick < max + step; tick += step) ticks.push(round(tick));
  return ticks;
}

/** Text and attribute values as XML needs them. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
