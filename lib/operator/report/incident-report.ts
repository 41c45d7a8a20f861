import { TIMELINE } from '../../../lambdas/domain/incidents/timeline';
import type { ModeShare } from '../../../lambdas/domain/routes/describe-modes';
import type { NumberState } from '../../../lambdas/ports/forwarding-state';
import type { Incident, TimelineEvent } from '../../../lambdas/ports/incidents';

/** One step of the report's timeline, with the time since the step before and since the outage began. */
export interface ReportStep {
  at: string;
  type: string;
  message: string;
  actor: string;
  sincePreviousMs: number;
  sinceOutageStartMs: number;
}

/** A bar or a milestone of the report's timeline chart (the Markdown draws them as a mermaid gantt). */
export interface ReportPhase {
  /** The chart's row group: `Site`, `Response` or `Failback`. */
  section: string;
  name: string;
  /** ISO times; a milestone starts and ends at once. */
  from: string;
  to: string;
  milestone: boolean;
  /** Drawn in the critical colour: the outage itself, failures, halts. */
  critical: boolean;
}

/** The post-incident report as data (the CLI's `--format json`). */
export interface IncidentReport {
  incidentId: string;
  siteId: string;
  kind: Incident['kind'];
  status: Incident['status'];
  failureKind: string;
  reason: string;
  regions: string[];
  outageStartedAt: string;
  reportedAt: string;
  resolvedAt: string | null;
  durations: {
    /** First failed probe to quorum reached. */
    detectionMs: number | null;
    /** Quorum reached to the last number forwarded. */
    forwardingMs: number | null;
    /** First failed probe to the last number forwarded: how long callers were without service. */
    callersWithoutServiceMs: number | null;
    /** First failed probe to resolved. */
    incidentMs: number | null;
  };
  numbers: {
    total: number;
    forwarded: number;
    restored: number;
    failed: { number: string; reason: string }[];
    restoreFailed: { number: string; reason: string }[];
    /** Which mode moved how many numbers at each carrier (native, switch, bulk, per-number). */
    byMode: ModeShare[];
  };
  causes: string[];
  actions: string[];
  timeline: ReportStep[];
  /** The outage as a picture: detection, alert, forwarding, recovery, each failback wave, resolution. */
  phases: ReportPhase[];
}

/** Steps that are actions someone or something took (the report's "Actions taken"). */
const ACTION_TYPES = new Set<string>([
  TIMELINE.forwardingStarted,
  TIMELINE.forwardingFinished,
  TIMELINE.routeCarried,
  TIMELINE.routeSwitching,
  TIMELINE.routeSwitchedBack,
  TIMELINE.failbackApproved,
  TIMELINE.failbackWaveFinished,
  TIMELINE.failbackHalted,
  TIMELINE.resolved,
  TIMELINE.note,
]);

/** Builds the report from an incident, its timeline and (optionally) its per-number states. */
export function buildIncidentReport(
  incident: Incident,
  events: TimelineEvent[],
  numbers: NumberState[] = [],
): IncidentReport {
  const sorted = [...events].sort((a, b) => a.at - b.at);
  const first = (type: string) => sorted.find((event) => event.type === type)?.at;
  const last = (type: string) => sorted.filter((event) => event.type === type).at(-1)?.at;
  const start = incident.outageStartedAt;
  const detected = first(TIMELINE.detected) ?? incident.openedAt;
  const forwarded = last(TIMELINE.forwardingFinished);
  const resolved = incident.resolvedAt ?? first(TIMELINE.resolved);
  const between = (from: number | undefined, to: number | undefined) =>
    from !== undefined && to !== undefined ? to - from : null;

  const timeline = sorted.map((event, index) => ({
    at: new Date(event.at).toISOString(),
    type: event.type,
    message: event.message,
    actor: describeActor(event.actor),
    sincePreviousMs: index === 0 ? 0 : event.at - sorted[index - 1].at,
    sinceOutageStartMs: event.at - start,
  }));
  const failedStates = numbers.filter((state) => state.status === 'failed');
  const restoreFailed = numbers.filter((state) => state.status === 'restore-failed');
  const lastForwarding = sorted.filter((event) => event.type === TIMELINE.forwardingFinished).at(-1);
  const failedFromLog = (lastForwarding?.details?.failed ?? []) as { number: string; reason: string }[];
  const byMode = (lastForwarding?.details?.byMode ?? []) as ModeShare[];

  return {
    incidentId: incident.id,
    siteId: incident.siteId,
    kind: incident.kind,
    status: incident.status,
    failureKind: incident.failureKind,
    reason: incident.reason,
    regions: incident.regions,
    outageStartedAt: new Date(start).toISOString(),
    reportedAt: new Date(detected).toISOString(),
    resolvedAt: resolved !== undefined ? new Date(resolved).toISOString() : null,
    durations: {
      detectionMs: between(start, detected),
      forwardingMs: between(detected, forwarded),
      callersWithoutServiceMs: between(start, forwarded),
      incidentMs: between(start, resolved),
    },
    numbers: {
      total: incident.numbers.total,
      forwarded: incident.numbers.forwarded,
      restored: incident.numbers.restored,
      failed:
        failedStates.length > 0
          ? failedStates.map((state) => ({ number: state.number, reason: state.lastError ?? 'unknown' }))
          : failedFromLog,
      restoreFailed: restoreFailed.map((state) => ({
        number: state.number,
        reason: state.lastError ?? 'unknown',
      })),
      byMode,
    },
    causes: sorted.filter((event) => event.type === TIMELINE.cause).map((event) => event.message),
    actions: sorted
      .filter((event) => ACTION_TYPES.has(event.type))
      .map((event) => `${formatTime(event.at)}: ${event.message} (${describeActor(event.actor)})`),
    timeline,
    phases: buildPhases(incident, sorted),
  };
}

/** The steps of the outage worth a picture, as bars (from one event to another) and milestones. */
function buildPhases(incident: Incident, sorted: readonly TimelineEvent[]): ReportPhase[] {
  const phases: ReportPhase[] = [];
  const iso = (at: number) => new Date(at).toISOString();
  const span = (section: string, name: string, from: number, to: number, critical = false) =>
    phases.push({ section, name, from: iso(from), to: iso(Math.max(from, to)), milestone: false, critical });
  const milestone = (section: string, name: string, at: number, critical = false) =>
    phases.push({ section, name, from: iso(at), to: iso(at), milestone: true, critical });
  const first = (type: string, after = Number.NEGATIVE_INFINITY) =>
    sorted.find((event) => event.type === type && event.at >= after);
  if (sorted.length === 0) return phases;
  const start = incident.outageStartedAt;
  const lastAt = sorted[sorted.length - 1].at;

  const recovered = first(TIMELINE.recovered);
  span('Site', recovered ? 'Site down until recovered' : 'Site down', start, recovered?.at ?? lastAt, true);

  const detected = first(TIMELINE.detected);
  if (detected) span('Response', 'Detection by quorum', start, detected.at);
  const alerted = first(TIMELINE.alertSent, detected?.at);
  if (alerted) milestone('Response', 'Alerted', alerted.at);
  const forwarding = first(TIMELINE.forwardingStarted);
  const forwarded = sorted.filter((event) => event.type === TIMELINE.forwardingFinished).at(-1);
  if (forwarding) span('Response', 'Forwarding', forwarding.at, forwarded?.at ?? lastAt);
  if (forwarded) {
    const { total, forwarded: count, failed } = incident.numbers;
    milestone('Response', `Forwarded ${count} of ${total}`, forwarded.at, failed > 0);
  }

  if (recovered) milestone('Failback', 'Recovered', recovered.at);
  const approved = first(TIMELINE.failbackApproved);
  if (approved) milestone('Failback', 'Failback approved', approved.at);
  const finishedWaves = sorted.filter((event) => event.type === TIMELINE.failbackWaveFinished);
  for (const [index, finished] of finishedWaves.entries()) {
    const wave = typeof finished.details?.wave === 'number' ? finished.details.wave : index + 1;
    const started = sorted.find(
      (event) =>
        event.type === TIMELINE.failbackWaveStarted &&
        event.details?.wave === wave &&
        event.at <= finished.at,
    );
    if (started) span('Failback', `Wave ${wave}`, started.at, finished.at);
    else milestone('Failback', `Wave ${wave} done`, finished.at);
  }
  for (const halted of sorted.filter((event) => event.type === TIMELINE.failbackHalted)) {
    milestone('Failback', 'Failback halted', halted.at, true);
  }
  const resolved = first(TIMELINE.resolved);
  if (resolved) milestone('Failback', 'Resolved', resolved.at);
  return phases;
}

/**
 * The phases as a mermaid gantt chart, fenced for GitHub. Times are written as UTC wall-clock
 * times (mermaid reads them as local ones and shows them as written), so the axis matches the
 * report's UTC table whatever the reader's time zone.
 */
export function renderTimelineChart(
  report: Pick<IncidentReport, 'siteId' | 'outageStartedAt' | 'phases'>,
): string[] {
  if (report.phases.length === 0) return [];
  const times = report.phases.flatMap((phase) => [Date.parse(phase.from), Date.parse(phase.to)]);
  const spanMs = Math.max(...times) - Math.min(...times);
  const lines = [
    '```mermaid',
    'gantt',
    `  title ${mermaidText(`${report.siteId} outage ${report.outageStartedAt.slice(0, 10)}, times in UTC`)}`,
    '  dateFormat YYYY-MM-DD HH:mm:ss.SSS',
    `  axisFormat ${spanMs <= 30 * 60_000 ? '%H:%M:%S' : '%H:%M'}`,
    '  todayMarker off',
  ];
  let section: string | undefined;
  for (const [index, phase] of report.phases.entries()) {
    if (phase.section !== section) {
      section = phase.section;
      lines.push(`  section ${mermaidText(section)}`);
    }
    const tags = [...(phase.critical ? ['crit'] : []), ...(phase.milestone ? ['milestone'] : [])];
    const end = phase.milestone ? '0s' : mermaidTime(phase.to);
    lines.push(
      `  ${mermaidText(phase.name)} :${[...tags, `p${index + 1}`, mermaidTime(phase.from), end].join(', ')}`,
    );
  }
  lines.push('```');
  return lines;
}

/** `2026-08-12 08:45:31.400`: the chart's dateFormat. */
function mermaidTime(iso: string): string {
  return iso.replace('T', ' ').replace(/Z$/, '');
}

/**
 * Text mermaid's gantt grammar takes as a task or section name: it ends a name at `:`, starts a
 * comment at `#` and `%%`, ends a statement at `;`, and some versions refuse parentheses.
 */
export function mermaidText(text: string): string {
  return text
    .replace(/[:;#%()[\]{}<>"`]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The report as Markdown, in the layout of the 8/12/2022 incident report. */
export function renderIncidentReportMarkdown(report: IncidentReport): string {
  const practice = report.kind === 'practice' ? 'Practice run: ' : '';
  const lines = [
    `# ${practice}${report.siteId} outage, ${report.outageStartedAt.slice(0, 10)}`,
    '',
    `Incident: \`${report.incidentId}\` (${report.status})`,
    '',
    `**Incident Reported:** ${formatTime(Date.parse(report.reportedAt))}`,
    '',
    `**Incident Resolved:** ${report.resolvedAt ? formatTime(Date.parse(report.resolvedAt)) : 'not yet'}`,
    '',
    '## Symptoms of Problem',
    '',
    `- ${report.reason}`,
    `- Seen from: ${report.regions.join(', ')}`,
    `- Failure kind: ${report.failureKind}`,
    '',
    '## Root Cause of Problem',
    '',
    ...(report.causes.length > 0
      ? report.causes.map((cause) => `- ${cause}`)
      : [
          `- Not recorded yet (add it with \`carrier-failover incidents note ${report.incidentId} --cause TEXT\`).`,
        ]),
    '',
    '## Timeline',
    '',
    ...renderTimelineChart(report),
    ...(report.phases.length > 0 ? [''] : []),
    '| time (UTC) | since outage start | since previous step | step | by |',
    '|---|---|---|---|---|',
    ...report.timeline.map(
      (step) =>
        `| ${step.at.slice(11, 23)} | ${formatDuration(step.sinceOutageStartMs)} | ${formatDuration(step.sincePreviousMs)} | ${escapeCell(step.message)} | ${step.actor} |`,
    ),
    '',
    '## Durations',
    '',
    `- First failed probe to detection: ${formatDuration(report.durations.detectionMs)}`,
    `- Detection to last number forwarded: ${formatDuration(report.durations.forwardingMs)}`,
    `- Callers without service (first failed probe to last number forwarded): ${formatDuration(report.durations.callersWithoutServiceMs)}`,
    `- Whole incident (first failed probe to resolved): ${formatDuration(report.durations.incidentMs)}`,
    '',
    '## Numbers',
    '',
    `- Forwarded: ${report.numbers.forwarded} of ${report.numbers.total}`,
    ...report.numbers.byMode.map((share) => `  - ${share.carrier}, ${share.mode}: ${share.numbers}`),
    `- Restored: ${report.numbers.restored} of ${report.numbers.total}`,
    `- Failed to forward: ${report.numbers.failed.length}`,
    ...report.numbers.failed.map((item) => `  - ${item.number}: ${item.reason}`),
    ...(report.numbers.restoreFailed.length > 0
      ? [
          `- Failed to restore: ${report.numbers.restoreFailed.length}`,
          ...report.numbers.restoreFailed.map((item) => `  - ${item.number}: ${item.reason}`),
        ]
      : []),
    '',
    '## Actions taken',
    '',
    ...(report.actions.length > 0 ? report.actions.map((action) => `- ${action}`) : ['- None recorded.']),
    '',
  ];
  return lines.join('\n');
}

/** `9:00:05 AM UTC, 11/1/2026`, as the seed report writes times. */
export function formatTime(epochMs: number): string {
  const date = new Date(epochMs);
  const hours = date.getUTCHours();
  const clock = `${hours % 12 === 0 ? 12 : hours % 12}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${hours < 12 ? 'AM' : 'PM'}`;
  return `${clock} UTC, ${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()}`;
}

/** `850 ms`, `42.1 s`, `3 min 05 s`, `9 h 15 min`. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return 'n/a';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)} min ${pad(totalSeconds % 60)} s`;
  const totalMinutes = Math.round(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)} h ${pad(totalMinutes % 60)} min`;
}

function describeActor(actor: TimelineEvent['actor']): string {
  return `${actor.type}${actor.name ? ` ${actor.name}` : ''} (${actor.region})`;
}

function pad(value: number): string {
  return value.toString().padStart(2, '0');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
