/**
 * `carrier-failover incidents list [--site ID] [--limit N] [--practice | --no-practice]`: the
 * incident log, newest first. Practice runs (kind `practice`, under the pseudo-site `practice`)
 * are listed with the real incidents, marked, with the durations each canary's steps took;
 * `--practice` lists only them, `--no-practice` leaves them out.
 */
import { DynamoDbIncidentStore } from '../../../../lambdas/adapters/dynamodb/incident-store';
import { PRACTICE_SITE_ID } from '../../../../lambdas/domain/practice/practice-schedule';
import { formatDurations } from '../../../../lambdas/domain/practice/run-practice';
import type { Incident, PracticeRecord } from '../../../../lambdas/ports/incidents';
import type { CommandHandler } from '../support/command-context';
import { ExitCode } from '../support/exit-codes';
import { formatTable, formatTimestamp } from '../support/output';

export interface IncidentsListArgs {
  /** Only this site's incidents (`practice` for the practice runs). */
  site?: string;
  /** At most this many, newest first. */
  limit: number;
  /** true: only practice runs; false: no practice runs; undefined: both. */
  practice?: boolean;
}

/** One incident in the `--json` result. */
export interface IncidentSummary {
  id: string;
  siteId: string;
  kind: Incident['kind'];
  status: Incident['status'];
  openedAt: string;
  resolvedAt: string | null;
  openedBy: Incident['openedBy'];
  failureKind: string;
  reason: string;
  numbers: Incident['numbers'];
  /** A practice run's measured durations, checks and problems; null for an outage. */
  practice: PracticeRecord | null;
}

/** The `--json` result. */
export interface IncidentsListResult {
  region: string;
  incidents: IncidentSummary[];
}

/** Reads each site's incidents (the bySite index) and prints the newest `limit` of them all. */
export const runIncidentsList: CommandHandler<IncidentsListArgs> = async (args, context) => {
  const config = context.config();
  const realSites = config.sites.map((site) => site.id);
  const siteIds =
    args.site === PRACTICE_SITE_ID
      ? [PRACTICE_SITE_ID]
      : args.site !== undefined
        ? [context.site(args.site).id]
        : [
            ...(args.practice === true ? [] : realSites),
            ...(args.practice === false ? [] : [PRACTICE_SITE_ID]),
          ];
  const wanted = (incident: Incident) =>
    args.practice === undefined || (incident.kind === 'practice') === args.practice;
  const aws = await context.aws();
  const result = await aws.dynamo(async ({ region, documentClient, tableName }) => {
    const store = new DynamoDbIncidentStore(documentClient, tableName);
    const perSite = await Promise.all(siteIds.map((siteId) => store.listBySite(siteId, args.limit)));
    const incidents = perSite
      .flat()
      .filter(wanted)
      .sort((a, b) => b.openedAt - a.openedAt || a.id.localeCompare(b.id))
      .slice(0, args.limit)
      .map(summarize);
    const list: IncidentsListResult = { region, incidents };
    return list;
  });
  const what = args.practice === true ? 'practice runs' : 'incidents';
  context.out.result(result, ({ incidents }) =>
    incidents.length === 0
      ? `No ${what}${args.site !== undefined ? ` for ${args.site}` : ''}.`
      : [
          formatTable(
            ['INCIDENT', 'SITE', 'STATUS', 'OPENED', 'RESOLVED', 'BY', 'FORWARDED', 'FAILED', 'RESTORED'],
            incidents.map((incident) => [
              incident.kind === 'practice' ? `${incident.id} (practice)` : incident.id,
              incident.siteId,
              incident.status,
              formatTimestamp(Date.parse(incident.openedAt)),
              incident.resolvedAt ? formatTimestamp(Date.parse(incident.resolvedAt)) : '-',
              `${incident.openedBy.type}${incident.openedBy.name ? ` ${incident.openedBy.name}` : ''}`,
              `${incident.numbers.forwarded}/${incident.numbers.total}`,
              String(incident.numbers.failed),
              String(incident.numbers.restored),
            ]),
          ),
          ...renderPracticeRuns(incidents),
          '',
          `Report of one: ${context.commandLine('incidents show ID')}`,
        ].join('\n'),
  );
  return ExitCode.ok;
};

function summarize(incident: Incident): IncidentSummary {
  return {
    id: incident.id,
    siteId: incident.siteId,
    kind: incident.kind,
    status: incident.status,
    openedAt: new Date(incident.openedAt).toISOString(),
    resolvedAt: incident.resolvedAt !== undefined ? new Date(incident.resolvedAt).toISOString() : null,
    openedBy: incident.openedBy,
    failureKind: incident.failureKind,
    reason: incident.reason,
    numbers: incident.numbers,
    practice: incident.practice ?? null,
  };
}

/** Below the table, each practice run's verdict and what each canary's steps took. */
function renderPracticeRuns(incidents: readonly IncidentSummary[]): string[] {
  const runs = incidents.filter((incident) => incident.kind === 'practice');
  if (runs.length === 0) return [];
  return [
    '',
    'Practice runs (measured):',
    ...runs.flatMap((run) => {
      const record = run.practice;
      if (!record) return [`  ${run.id}  ${run.status === 'resolved' ? 'no record' : 'running'}`];
      const verdict = record.passed ? 'passed' : `FAILED: ${record.problems[0] ?? 'see the report'}`;
      return [
        `  ${run.id}  ${verdict}  (${(record.durationMs / 1000).toFixed(1)} s)`,
        ...record.canaries.map(
          (canary) =>
            `    ${canary.carrier} ${canary.number}: ${canary.passed ? 'ok' : 'FAILED'}, ${formatDurations(canary.durationsMs)}`,
        ),
      ];
    }),
  ];
}
