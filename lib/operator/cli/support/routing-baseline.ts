/**
 * The routing baseline's part of `arm` and `audit`: every selected site's plan numbers read at their
 * carriers (in pages where the carrier has them) and kept in the incident table, so a failover's
 * check of them starts from what was read here. Each load and save goes through the region fallback.
 */
import { DynamoDbIncidentStore } from '../../../../lambdas/adapters/dynamodb/incident-store';
import { DynamoDbRoutingBaselineStore } from '../../../../lambdas/adapters/dynamodb/routing-baseline-store';
import {
  type BaselineRefreshSummary,
  refreshRoutingBaseline,
} from '../../../../lambdas/composition/routing-baseline-refresh';
import type { PlanEntry } from '../../../../lambdas/contracts/config/plan-entry';
import type { Config } from '../../../../lambdas/contracts/config/schema';
import { CarrierAuthError } from '../../../../lambdas/contracts/errors';
import type { RoutingBaselineStore } from '../../../../lambdas/ports/routing-baseline';
import { systemClock } from '../../../../lambdas/runtime/system-clock';
import type { CarrierSession } from './carrier-session';
import type { CommandContext } from './command-context';

/** One carrier of one site, as `--json` shows it under `baseline`. */
export type BaselineResult = Omit<BaselineRefreshSummary, 'freshSince'>;

/** What refreshing found, with what the command needs for its exit code. */
export interface BaselineReading {
  results: BaselineResult[];
  /** Carriers of a site whose reading could not be kept (their failover then reads first). */
  notKept: number;
}

/** Refreshes the baseline of the plan numbers `entries` (the command's sites) with the session's carriers. */
export async function refreshBaselineForCommand(
  config: Config,
  entries: readonly PlanEntry[],
  session: CarrierSession,
  context: CommandContext,
): Promise<BaselineReading> {
  const withCarrier = entries.filter((entry) => session.carriers[entry.carrier]);
  if (withCarrier.length === 0) return { results: [], notKept: 0 };
  context.out.info(`Taking the routing baseline of ${withCarrier.length} numbers...`);
  const summaries = await refreshRoutingBaseline({
    plan: withCarrier,
    carriers: config.carriers,
    open: async (carrier) => {
      const adapter = session.carriers[carrier];
      if (!adapter) throw new CarrierAuthError(carrier, 'has no credentials in the environment');
      return adapter;
    },
    store: storeThroughRegions(context),
    openIncidentOf: async (siteId) => {
      const aws = await context.aws();
      const active = await aws.dynamo(({ documentClient, tableName }) =>
        new DynamoDbIncidentStore(documentClient, tableName).getActive(siteId),
      );
      return active?.id;
    },
    clock: systemClock,
    random: Math.random,
  });
  const results = summaries.map(({ freshSince: _fresh, ...summary }) => summary);
  return { results, notKept: results.filter((result) => !result.stored && !result.skipped).length };
}

/** The baseline lines of the human output: one a carrier and site, and what to do when one failed. */
export function renderBaselineResults(results: readonly BaselineResult[]): string[] {
  const lines = results.map((result) => {
    if (result.skipped) {
      return `Routing baseline ${result.site} ${result.carrier}: not taken, ${result.skipped}`;
    }
    const head = `Routing baseline ${result.site} ${result.carrier}: ${result.read} of ${result.numbers} numbers read in ${result.requests} requests`;
    const first = result.unread[0];
    const unread = first ? `, ${result.unread.length} unread (first: ${first.number}: ${first.reason})` : '';
    const kept = result.stored ? ', kept' : `, NOT KEPT: ${result.error ?? 'not saved'}`;
    return `${head}${unread}${kept}`;
  });
  if (results.some((result) => !result.stored && !result.skipped)) {
    lines.push(
      'A failover reads the numbers whose baseline was not kept before it forwards them, which costs requests during the outage. Fix the cause and run this again.',
    );
  }
  return lines;
}

/** The baseline store in whichever region answers, for each load and each save. */
function storeThroughRegions(context: CommandContext): RoutingBaselineStore {
  const inRegion = async <T>(work: (store: RoutingBaselineStore) => Promise<T>): Promise<T> => {
    const aws = await context.aws();
    return aws.dynamo(({ documentClient, tableName }) =>
      work(new DynamoDbRoutingBaselineStore(documentClient, tableName)),
    );
  };
  return {
    load: (siteId) => inRegion((store) => store.load(siteId)),
    save: (siteId, carrier, takenAt, entries) =>
      inRegion((store) => store.save(siteId, carrier, takenAt, entries)),
  };
}
