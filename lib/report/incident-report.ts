import { TIMELINE } from '../../lambdas/domain/incidents/timeline';
import type { Incident, NumberState, TimelineEvent } from '../../lambdas/ports';

/** One step of the report's timeline, with the time since the step before and since the outage began. */
export interface ReportStep {
  at: string;
  type: string;
  message: string;
  actor: string;
  sincePreviousMs: number;
  sinceOutageStartMs: number;
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
  };
  causes: string[];
  actions: string[];
  timeline: ReportStep[];
}

/** Steps that are actions someone or something took (the report's "Actions taken"). */
const ACTION_TYPES = new Set<string>([
  TIMELINE.forwardingStarted,
  TIMELINE.forwardingFinished,
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
  const failedFromLog = (sorted.filter((event) => event.type === TIMELINE.forwardingFinished).at(-1)?.details
    ?.failed ?? []) as { number: string; reason: string }[];

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
    },
    causes: sorted.filter((event) => event.type === TIMELINE.cause).map((event) => event.message),
    actions: sorted
      .filter((event) => ACTION_TYPES.has(event.type))
      .map((event) => `${formatTime(event.at)}: ${event.message} (${describeActor(event.actor)})`),
    timeline,
  };
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
