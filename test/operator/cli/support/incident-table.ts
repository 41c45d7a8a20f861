/**
 * The deployment's incident table (and observation table) on dynalite, seeded through the real DynamoDB stores (the same
 * items the functions write), for CLI processes pointed at it with AWS_ENDPOINT_URL_DYNAMODB.
 */
import { DynamoDbForwardingStateStore } from '../../../../lambdas/adapters/dynamodb/forwarding-state-store';
import { DynamoDbIncidentStore } from '../../../../lambdas/adapters/dynamodb/incident-store';
import { DynamoDbSiteHealthStore } from '../../../../lambdas/adapters/dynamodb/site-health-store';
import type { PlanEntry } from '../../../../lambdas/contracts/config/plan-entry';
import { outageIncidentId } from '../../../../lambdas/domain/orchestration/run-failover';
import type { RegionHealth } from '../../../../lambdas/ports/detection';
import type { NumberStatus } from '../../../../lambdas/ports/forwarding-state';
import type { Incident, TimelineEvent } from '../../../../lambdas/ports/incidents';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../../../lib/developer/far-side/local-incident-table';

/** The example deployment's table name (`${deployment}-incidents`). */
export const EXAMPLE_TABLE_NAME = 'acme-voice-incidents';

/** The example deployment's observation table name (`${deployment}-observations`). */
export const EXAMPLE_OBSERVATION_TABLE_NAME = 'acme-voice-observations';

/** Starts dynalite with the example deployment's incident and observation tables. */
export function startExampleIncidentTable(): Promise<LocalIncidentTable> {
  return startLocalIncidentTable(EXAMPLE_TABLE_NAME, EXAMPLE_OBSERVATION_TABLE_NAME);
}

/**
 * Writes a whole incident (opened, then brought to its final state) and its timeline. The site must
 * have no open incident: write resolved ones before the open one.
 */
export async function writeIncident(
  table: LocalIncidentTable,
  incident: Incident,
  events: readonly TimelineEvent[],
): Promise<Incident> {
  const store = new DynamoDbIncidentStore(table.documentClient, table.tableName);
  const { version: _version, status, ...draft } = incident;
  const { incident: opened, created } = await store.openOrJoin(draft);
  if (!created)
    throw new Error(`${draft.siteId} already has open incident ${opened.id}: write ${incident.id} first`);
  const stored =
    status === 'detected'
      ? opened
      : await store.update(opened.id, opened.version, {
          status,
          numbers: incident.numbers,
          resolvedAt: incident.resolvedAt,
          recoveredAt: incident.recoveredAt,
        });
  for (const event of events) await store.appendEvent(event);
  return stored;
}

/** Opens an incident for `siteId` and gives each of `entries` the number state at the same index. */
export async function writeOpenIncident(
  table: LocalIncidentTable,
  options: {
    siteId: string;
    outageStartedAt: number;
    status: Incident['status'];
    entries: readonly PlanEntry[];
    numberStatuses: readonly NumberStatus[];
  },
): Promise<Incident> {
  const count = (status: NumberStatus) => options.numberStatuses.filter((s) => s === status).length;
  const incident = await writeIncident(
    table,
    {
      id: outageIncidentId(options.siteId, options.outageStartedAt),
      siteId: options.siteId,
      kind: 'outage',
      status: options.status,
      outageStartedAt: options.outageStartedAt,
      openedAt: options.outageStartedAt + 30_000,
      regions: ['us-east-1', 'us-east-2'],
      openedBy: { type: 'probe', region: 'us-east-1', name: 'acme-voice-probe' },
      failureKind: 'site-unreachable',
      reason: 'SIP OPTIONS timeout after 2000 ms',
      numbers: {
        total: options.entries.length,
        forwarded: count('forwarded'),
        failed: count('failed'),
        restored: count('restored'),
      },
      version: 1,
    },
    [],
  );
  const numbers = new DynamoDbForwardingStateStore(table.documentClient, table.tableName);
  await numbers.ensureNumbers(incident.id, [...options.entries]);
  for (const [index, entry] of options.entries.entries()) {
    const status = options.numberStatuses[index] ?? 'pending';
    if (status === 'pending') continue;
    await numbers.update(incident.id, entry.number, 0, {
      status,
      ...(status === 'failed' ? { lastError: 'telnyx: HTTP 422 number not on account' } : {}),
    });
  }
  return incident;
}

/** Stores one watchdog region's decision about a site, with that region's own latest round. */
export async function writeSiteHealth(
  table: LocalIncidentTable,
  options: { siteId: string; region: string; status: 'up' | 'down'; own: RegionHealth },
): Promise<void> {
  const store = new DynamoDbSiteHealthStore(table.documentClient, table.tableName);
  await store.put(
    options.siteId,
    options.region,
    {
      state: {
        siteId: options.siteId,
        status: options.status,
        processedUpTo: options.own.lastRoundAt + 1,
        regions: { [options.region]: options.own },
        outage: null,
        healthySince: null,
      },
      unannounced: [],
    },
    undefined,
  );
}
