/**
 * `carrier-failover status`: each site's health as each watchdog region decided it (the site-health
 * items the probes keep), and each site's open incident with its numbers, read from the incident
 * table in the first region that answers.
 */
import { DynamoDbForwardingStateStore } from '../../../lambdas/adapters/dynamodb/forwarding-state-store';
import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb/incident-store';
import { DynamoDbSiteHealthStore } from '../../../lambdas/adapters/dynamodb/site-health-store';
import type { Incident, NumberState, NumberStatus } from '../../../lambdas/ports';
import type { CommandHandler } from '../command-context';
import { ExitCode } from '../exit-codes';
import { formatAge, formatTable, formatTimestamp } from '../output';

export type StatusArgs = Record<string, never>;

/** One watchdog region's view of a site. */
export interface RegionStatus {
  region: string;
  /** The region's quorum decision, or `unknown` when it has stored none. */
  decision: 'up' | 'down' | 'unknown';
  /** Whether the region's own latest probe round passed; null when it has none. */
  lastRoundOk: boolean | null;
  /** ISO time of that round's start. */
  lastRoundAt: string | null;
  ageSeconds: number | null;
  consecutiveFailures: number | null;
  reason: string | null;
}

/** Numbers of an incident by where they stand now. */
export interface NumberCounts {
  total: number;
  pending: number;
  forwarded: number;
  failed: number;
  restored: number;
  restoreFailed: number;
}

/** A site's open incident. */
export interface IncidentStatus {
  id: string;
  status: Incident['status'];
  openedAt: string;
  openedBy: string;
  reason: string;
  numbers: NumberCounts;
}

/** The `--json` result. */
export interface StatusResult {
  deployment: string;
  region: string;
  at: string;
  sites: { siteId: string; role: string; regions: RegionStatus[]; incident: IncidentStatus | null }[];
}

/** Prints every site's health per region and its open incident; exit 0 whatever their state. */
export const runStatus: CommandHandler<StatusArgs> = async (_args, context) => {
  const config = context.config();
  const aws = await context.aws();
  const now = context.io.now();
  const result = await aws.dynamo(async ({ region, documentClient, tableName }) => {
    const health = new DynamoDbSiteHealthStore(documentClient, tableName);
    const incidents = new DynamoDbIncidentStore(documentClient, tableName);
    const numbers = new DynamoDbForwardingStateStore(documentClient, tableName);
    const sites = await Promise.all(
      config.sites.map(async (site) => {
        const regions = await Promise.all(
          config.watchdogRegions.map(async (watchdog): Promise<RegionStatus> => {
            const stored = await health.get(site.id, watchdog);
            const own = stored?.state.regions[watchdog];
            return {
              region: watchdog,
              decision: stored?.state.status ?? 'unknown',
              lastRoundOk: own ? own.lastRoundOk : null,
              lastRoundAt: own ? new Date(own.lastRoundAt).toISOString() : null,
              ageSeconds: own ? Math.max(0, Math.round((now - own.lastRoundAt) / 1000)) : null,
              consecutiveFailures: own ? own.consecutiveFailures : null,
              reason: own?.lastReason ?? null,
            };
          }),
        );
        const active = await incidents.getActive(site.id);
        const incident: IncidentStatus | null = active
          ? {
              id: active.id,
              status: active.status,
              openedAt: new Date(active.openedAt).toISOString(),
              openedBy: describeActor(active.openedBy),
              reason: active.reason,
              numbers: countNumbers(active, await numbers.list(active.id)),
            }
          : null;
        return { siteId: site.id, role: site.role, regions, incident };
      }),
    );
    const status: StatusResult = {
      deployment: config.deployment,
      region,
      at: new Date(now).toISOString(),
      sites,
    };
    return status;
  });
  context.out.result(result, renderStatus);
  return ExitCode.ok;
};

/** Counts the per-number states; before any exist (just detected) the incident's own counts. */
function countNumbers(incident: Incident, states: NumberState[]): NumberCounts {
  if (states.length === 0) {
    const { total, forwarded, failed, restored } = incident.numbers;
    return {
      total,
      pending: Math.max(0, total - forwarded - failed),
      forwarded,
      failed,
      restored,
      restoreFailed: 0,
    };
  }
  const count = (...statuses: NumberStatus[]) =>
    states.filter((state) => statuses.includes(state.status)).length;
  return {
    total: Math.max(incident.numbers.total, states.length),
    pending: count('pending', 'snapshotted'),
    // Calls of these numbers go to the backup destination right now.
    forwarded: count('forwarded', 'restoring', 'restore-failed'),
    failed: count('failed'),
    restored: count('restored'),
    restoreFailed: count('restore-failed'),
  };
}

function describeActor(actor: Incident['openedBy']): string {
  return `${actor.type}${actor.name ? ` ${actor.name}` : ''} in ${actor.region}`;
}

function renderStatus(status: StatusResult): string {
  const health = formatTable(
    ['SITE', 'REGION', 'DECISION', 'LAST ROUND', 'AGE', 'REASON'],
    status.sites.flatMap((site) =>
      site.regions.map((region) => [
        site.role === 'primary' ? site.siteId : `${site.siteId} (standby)`,
        region.region,
        region.decision === 'unknown' ? 'no data' : region.decision.toUpperCase(),
        region.lastRoundOk === null
          ? '-'
          : region.lastRoundOk
            ? 'ok'
            : `failed x${region.consecutiveFailures ?? 1}`,
        region.ageSeconds === null ? '-' : formatAge(region.ageSeconds * 1000),
        region.reason ?? '',
      ]),
    ),
  );
  const open = status.sites.filter((site) => site.incident !== null);
  const incidents =
    open.length === 0
      ? 'No open incidents.'
      : formatTable(
          ['SITE', 'INCIDENT', 'STATUS', 'OPENED', 'FORWARDED', 'FAILED', 'RESTORED', 'PENDING'],
          open.map(({ siteId, incident }) => {
            const current = incident as IncidentStatus;
            const { numbers } = current;
            return [
              siteId,
              current.id,
              current.status,
              formatTimestamp(Date.parse(current.openedAt)),
              `${numbers.forwarded}/${numbers.total}`,
              String(numbers.failed),
              String(numbers.restored),
              String(numbers.pending),
            ];
          }),
        );
  return [
    `${status.deployment} at ${formatTimestamp(Date.parse(status.at))} (read in ${status.region})`,
    '',
    health,
    '',
    incidents,
  ].join('\n');
}
