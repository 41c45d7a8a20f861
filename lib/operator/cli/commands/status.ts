/**
 * `carrier-failover status`: each site's health as each watchdog region decided it (the site-health
 * items the probes keep), and each site's open incident with its numbers, read from the incident
 * table in the first region that answers. With `--watch`, read again every `--interval` seconds
 * until Ctrl-C (or `--count` reads): redrawn in place on a terminal, printed one after the other
 * otherwise (one JSON document per line with `--json`).
 */
import { DynamoDbForwardingStateStore } from '../../../../lambdas/adapters/dynamodb/forwarding-state-store';
import { DynamoDbIncidentStore } from '../../../../lambdas/adapters/dynamodb/incident-store';
import { DynamoDbSiteHealthStore } from '../../../../lambdas/adapters/dynamodb/site-health-store';
import type { NumberState, NumberStatus } from '../../../../lambdas/ports/forwarding-state';
import type { Incident } from '../../../../lambdas/ports/incidents';
import { CliError } from '../support/cli-error';
import type { CommandContext, CommandHandler } from '../support/command-context';
import { ExitCode } from '../support/exit-codes';
import { formatAge, formatTable, formatTimestamp } from '../support/output';

/** Seconds between two reads of `status --watch` unless `--interval` says otherwise. */
export const DEFAULT_WATCH_INTERVAL_SECONDS = 5;

export interface StatusArgs {
  /** `--watch`: read and print again every `intervalSeconds` until Ctrl-C. */
  watch?: boolean;
  /** `--interval SECONDS`, with --watch. @default DEFAULT_WATCH_INTERVAL_SECONDS */
  intervalSeconds?: number;
  /** `--count N`, with --watch: stop after N reads (scripts and tests). @default until Ctrl-C */
  count?: number;
}

/** Clears a terminal and puts the cursor top left (ANSI: cursor home, erase display). */
const CLEAR_SCREEN = '\u001b[H\u001b[2J';

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
export const runStatus: CommandHandler<StatusArgs> = async (args, context) => {
  if (!args.watch) {
    const stray = [args.intervalSeconds !== undefined && '--interval', args.count !== undefined && '--count'];
    const flags = stray.filter((flag): flag is string => typeof flag === 'string');
    if (flags.length > 0) {
      throw new CliError(
        ExitCode.invalid,
        `${flags.join(' and ')} ${flags.length === 1 ? 'works' : 'work'} only with --watch: status --watch ${flags.map((flag) => `${flag} N`).join(' ')}`,
      );
    }
    context.out.result(await readStatus(context), renderStatus);
    return ExitCode.ok;
  }
  return watchStatus(args, context);
};

/**
 * Reads and prints the status again and again. The first read fails like a plain `status`; a later
 * read that finds no region answering is reported and retried at the next tick, since a watcher
 * is most useful exactly while regions come and go.
 */
async function watchStatus(args: StatusArgs, context: CommandContext): Promise<number> {
  const intervalMs = (args.intervalSeconds ?? DEFAULT_WATCH_INTERVAL_SECONDS) * 1000;
  const { io, globals } = context;
  const terminal = !globals.json && (io.stdout as { isTTY?: boolean }).isTTY === true;
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  process.once('SIGINT', onInterrupt);
  try {
    for (let read = 1; args.count === undefined || read <= args.count; read++) {
      let status: StatusResult | undefined;
      try {
        status = await readStatus(context);
      } catch (error) {
        if (read === 1 || !(error instanceof CliError) || error.exitCode !== ExitCode.unreachable)
          throw error;
        context.out.warn(`${error.message}; trying again in ${intervalMs / 1000} s`);
      }
      if (status && globals.json) io.stdout.write(`${JSON.stringify(status)}\n`);
      else if (status && terminal) {
        const footer = `Every ${intervalMs / 1000} s${args.count === undefined ? '' : `, read ${read} of ${args.count}`}; Ctrl-C to stop.`;
        io.stdout.write(`${CLEAR_SCREEN}${renderStatus(status)}\n\n${footer}\n`);
      } else if (status) io.stdout.write(`${read === 1 ? '' : '\n'}${renderStatus(status)}\n`);
      if (read === args.count || stop.signal.aborted) break;
      await pause(intervalMs, stop.signal);
      if (stop.signal.aborted) break;
    }
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
  return ExitCode.ok;
}

/** Waits `ms`, or less when `signal` aborts (Ctrl-C). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** One read of every site's health per region and its open incident. */
async function readStatus(context: CommandContext): Promise<StatusResult> {
  const config = context.config();
  const aws = await context.aws();
  const now = context.io.now();
  return aws.dynamo(async ({ region, documentClient, tableName }) => {
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
}

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
