/**
 * `carrier-failover observations export --site ID --from T --to T > trace.csv`: the probe
 * observations every watchdog region stored in the observation table, as a trace `replay` reads (one
 * line per region's round, judged as the probe's decision judges it; lib/operator/replay/observation-rounds.ts),
 * sorted by time, test calls in the `calls` column. The table is read a day at a time, each day in the first region that answers,
 * so a month never sits in memory whole and a region failing midway costs only a retry elsewhere.
 */
import { DynamoDbObservationStore } from '../../../../lambdas/adapters/dynamodb/observation-store';
import { traceRowsFromObservations } from '../../replay/observation-rounds';
import { formatTraceRow, traceHeader } from '../../replay/trace-format';
import { formatTraceTime, parseTraceTime } from '../../replay/trace-time';
import { CliError } from '../support/cli-error';
import type { CommandHandler } from '../support/command-context';
import { ExitCode } from '../support/exit-codes';
import { formatTimestamp } from '../support/output';

const DAY_MS = 86_400_000;
/**
 * Always with the `calls` column, empty in rounds without test calls: whether the site had calls
 * when the rounds were probed is in the observations, not in today's config.
 */
const TRACE_LAYOUT = { calls: true };
/** How long the probes keep observations (the observation store's default TTL). */
const RETENTION_DAYS = 35;

export interface ObservationsExportArgs {
  site: string;
  /** ISO 8601 UTC or epoch ms. */
  from: string;
  /** ISO 8601 UTC or epoch ms; rounds starting before it are exported. */
  to: string;
}

/** Writes the trace CSV on stdout; a summary on stderr. */
export const runObservationsExport: CommandHandler<ObservationsExportArgs> = async (args, context) => {
  const { out } = context;
  if (context.globals.json) {
    throw new CliError(
      ExitCode.invalid,
      'observations export writes the trace as CSV on stdout, not JSON: leave out --json (replay --json reads the trace)',
    );
  }
  const problems: string[] = [];
  const from = parseTraceTime(args.from.trim());
  if ('problem' in from) problems.push(`--from: ${from.problem}, got ${JSON.stringify(args.from)}`);
  const to = parseTraceTime(args.to.trim());
  if ('problem' in to) problems.push(`--to: ${to.problem}, got ${JSON.stringify(args.to)}`);
  if ('ms' in from && 'ms' in to && to.ms <= from.ms) {
    problems.push(
      `--to: expected a time after --from (${formatTraceTime(from.ms)}), got ${JSON.stringify(args.to)}`,
    );
  }
  if (problems.length > 0 || !('ms' in from) || !('ms' in to)) {
    throw new CliError(ExitCode.invalid, 'invalid time range for the export:', { problems });
  }
  const site = context.site(args.site);
  const regions = context.config().watchdogRegions;
  if (from.ms < context.io.now() - RETENTION_DAYS * DAY_MS) {
    out.warn(
      `the probes keep observations ${RETENTION_DAYS} days: rounds before ${formatTimestamp(context.io.now() - RETENTION_DAYS * DAY_MS)} have expired`,
    );
  }
  const aws = await context.aws();
  // The header goes out with the first day read, so a table that cannot be reached leaves stdout empty.
  let headerWritten = false;
  const write = (text: string) => {
    if (!headerWritten) context.io.stdout.write(traceHeader(TRACE_LAYOUT));
    headerWritten = true;
    if (text !== '') context.io.stdout.write(text);
  };
  let rounds = 0;
  for (let dayStart = from.ms; dayStart < to.ms; dayStart += DAY_MS) {
    const dayEnd = Math.min(dayStart + DAY_MS, to.ms);
    const observations = await aws.dynamo(
      async ({ documentClient, observationTableName }) => {
        const store = new DynamoDbObservationStore({
          client: documentClient,
          tableName: observationTableName,
        });
        const perRegion = await Promise.all(
          regions.map((region) => store.list(site.id, region, dayStart, dayEnd)),
        );
        return perRegion.flat();
      },
      { table: 'observation' },
    );
    const rows = traceRowsFromObservations(observations);
    write(rows.map((row) => formatTraceRow(row, TRACE_LAYOUT)).join(''));
    rounds += rows.length;
  }
  const span = `${formatTimestamp(from.ms)} to ${formatTimestamp(to.ms)}`;
  if (rounds === 0) {
    out.warn(`no observations of ${site.id} from ${span} in any of ${regions.join(', ')}`);
  } else {
    out.info(
      `Exported ${rounds.toLocaleString('en-US')} rounds of ${site.id} from ${regions.join(', ')}, ${span}`,
    );
  }
  return ExitCode.ok;
};
