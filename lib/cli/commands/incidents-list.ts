/** `carrier-failover incidents list [--site ID] [--limit N]`: the incident log, newest first. */
import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb/incident-store';
import type { Incident } from '../../../lambdas/ports';
import type { CommandHandler } from '../command-context';
import { ExitCode } from '../exit-codes';
import { formatTable, formatTimestamp } from '../output';

export interface IncidentsListArgs {
  /** Only this site's incidents. */
  site?: string;
  /** At most this many, newest first. */
  limit: number;
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
}

/** The `--json` result. */
export interface IncidentsListResult {
  region: string;
  incidents: IncidentSummary[];
}

/** Reads each site's incidents (the bySite index) and prints the newest `limit` of them all. */
export const runIncidentsList: CommandHandler<IncidentsListArgs> = async (args, context) => {
  const config = context.config();
  const siteIds =
    args.site !== undefined ? [context.site(args.site).id] : config.sites.map((site) => site.id);
  const aws = await context.aws();
  const result = await aws.dynamo(async ({ region, documentClient, tableName }) => {
    const store = new DynamoDbIncidentStore(documentClient, tableName);
    const perSite = await Promise.all(siteIds.map((siteId) => store.listBySite(siteId, args.limit)));
    const incidents = perSite
      .flat()
      .sort((a, b) => b.openedAt - a.openedAt || a.id.localeCompare(b.id))
      .slice(0, args.limit)
      .map(summarize);
    const list: IncidentsListResult = { region, incidents };
    return list;
  });
  context.out.result(result, ({ incidents }) =>
    incidents.length === 0
      ? `No incidents${args.site !== undefined ? ` for ${args.site}` : ''}.`
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
  };
}
