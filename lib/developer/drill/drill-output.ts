import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatDuration } from '../../operator/report/incident-report';
import { drillChartSvg } from './drill-chart';
import type { DrillResult } from './drill-result';

/** The files the drill leaves in its output folder. */
export const DRILL_OUTPUT_FILES = {
  /** The post-incident report, Markdown with the mermaid timeline. */
  report: 'report.md',
  /** Numbers forwarded and restored over the seconds since the kill. */
  chart: 'numbers-over-time.svg',
  /** The `--json` document. */
  result: 'drill.json',
} as const;

/**
 * The `--json` document: everything but the report's Markdown and the per-number times (a million
 * numbers would make it huge; the report and the chart in the output folder carry them).
 */
export function drillJson(result: DrillResult): Omit<DrillResult, 'reportMarkdown' | 'numberTimes'> {
  const { reportMarkdown: _markdown, numberTimes: _times, ...rest } = result;
  return rest;
}

/** The drill's story for a person: the timeline, the alerts, the counts, where the report went. */
export function renderDrillSummary(result: DrillResult, outDir: string): string {
  const width = Math.max(...result.steps.map((step) => step.name.length));
  const lines = [
    '',
    `Outage drill: incident ${result.incidentId}`,
    '',
    'Timeline (from the moment the site died)',
    ...result.steps.map((step, index) => {
      const since = index === 0 ? '' : `  (+${formatDuration(step.atMs - result.steps[index - 1].atMs)})`;
      return `  ${formatDuration(step.atMs).padStart(12)}  ${step.name.padEnd(width)}${since}`;
    }),
    '',
    `Detected after ${formatDuration(result.detectedAfterMs)}, first alert after ${formatDuration(result.alertedAfterMs)}, ` +
      `every number forwarded after ${formatDuration(result.forwardedAfterMs)} (8/12/2022: 9 h 15 min without calls).`,
    '',
    `Numbers: ${result.numbers.forwarded} of ${result.numbers.total} forwarded, ${result.numbers.failed} failed, ` +
      `${result.numbers.forwardedTwice} forwarded twice; failback restored ${result.failback.restored} in ` +
      `${result.failback.waves} waves, ${result.failback.failed} failed, ${result.failback.restoredTwice} restored twice.`,
    `Carrier requests: ${result.carrierRequests}, contract violations: ${result.contractViolations}.`,
    ...(result.failbackWaited
      ? [
          '',
          `Out of sync from ${formatDuration(result.failbackWaited.fromMs)} to ${formatDuration(result.failbackWaited.toMs)}: ` +
            `OPTIONS and HTTP answered, failback waited because ${result.failbackWaited.reason}; ` +
            `${result.failbackWaited.restoredWhileCallsFailed} numbers came home meanwhile.`,
        ]
      : []),
    '',
    "Callers reaching the backup, per carrier (from the fakes' call routing; requests from the death on):",
    ...result.byCarrier.map(
      (carrier) =>
        `  ${carrier.carrier.padEnd(10)} ${carrier.mode.padEnd(10)} ${String(carrier.numbers).padStart(6)} numbers  ` +
        `${String(carrier.requests).padStart(6)} requests  every call reaching the backup after ${formatDuration(carrier.forwardedAfterMs)}`,
    ),
    '',
    `Alerts sent (${result.alerts.length}):`,
    ...result.alerts.map(
      (alert) => `  ${formatDuration(alert.atMs).padStart(12)}  [${alert.kind}] ${alert.subject}`,
    ),
    '',
    `Post-incident report: ${join(outDir, DRILL_OUTPUT_FILES.report)}`,
    `Numbers over time: ${join(outDir, DRILL_OUTPUT_FILES.chart)}`,
    '',
  ];
  return lines.join('\n');
}

/**
 * Writes the report, the chart of numbers over time and the JSON result to the output folder;
 * returns the folder's absolute path.
 */
export function writeDrillOutput(result: DrillResult, outDir: string): string {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, DRILL_OUTPUT_FILES.report), result.reportMarkdown);
  writeFileSync(join(dir, DRILL_OUTPUT_FILES.chart), drillChartSvg(result));
  writeFileSync(join(dir, DRILL_OUTPUT_FILES.result), `${JSON.stringify(drillJson(result), null, 2)}\n`);
  return dir;
}

/** True when the drill proved what it should: every number forwarded once and brought home once. */
export function drillSucceeded(result: DrillResult): { ok: boolean; problems: string[] } {
  const problems: string[] = [];
  const { numbers, failback } = result;
  if (numbers.forwarded + numbers.failed !== numbers.total)
    problems.push(`${numbers.total - numbers.forwarded - numbers.failed} numbers were lost`);
  if (numbers.forwardedTwice > 0) problems.push(`${numbers.forwardedTwice} numbers were forwarded twice`);
  if (failback.restoredTwice > 0) problems.push(`${failback.restoredTwice} numbers were restored twice`);
  if (numbers.failed > 0) problems.push(`${numbers.failed} numbers could not be forwarded`);
  if (failback.restored !== numbers.forwarded)
    problems.push(`${numbers.forwarded - failback.restored} forwarded numbers were not restored`);
  if (result.contractViolations > 0)
    problems.push(`${result.contractViolations} carrier requests broke the carriers' API contracts`);
  for (const carrier of result.byCarrier) {
    if (!Number.isFinite(carrier.forwardedAfterMs))
      problems.push(`${carrier.carrier}: some numbers' calls never reached the backup`);
  }
  if (result.routingNotRestored && result.routingNotRestored.length > 0)
    problems.push(
      `${result.routingNotRestored.length} numbers are not routed as before the outage (${result.routingNotRestored.slice(0, 5).join(', ')})`,
    );
  const waited = result.failbackWaited;
  if (waited && waited.restoredWhileCallsFailed > 0)
    problems.push(`${waited.restoredWhileCallsFailed} numbers came home while the site's test calls failed`);
  if (waited?.failbackStartedWhileCallsFailed)
    problems.push("failback started while the site's test calls failed");
  return { ok: problems.length === 0, problems };
}
