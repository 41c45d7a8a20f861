import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConcurrentModificationError } from '../../contracts/errors';
import { INCIDENT_TABLE, SORT_KEY_PREFIX, tableKeys } from '../../contracts/incident-table-design';
import type { Incident, IncidentStore, OpenIncidentResult, TimelineEvent } from '../../ports/incidents';
import { sendMappingReplicationErrors, toReplicationError } from './replication-errors';

/** Orders this process's events that share a timestamp. */
let eventCounter = 0;

/** How often a joiner re-reads while the pointer it found is being replaced. */
const OPEN_ATTEMPTS = 5;

/**
 * The incident log on the incident table. Without transactions (conditional writes only; MRSC tables
 * have none), opening is two steps: (1) a conditional put of the site's ACTIVE pointer carrying the
 * whole new incident, which exactly one writer wins; (2) a conditional put of the incident item from
 * the pointer's copy, which the winner or any joiner may complete, so a crash or a failed write
 * between the steps loses nothing. Whoever writes the incident item reports it `created` (exactly
 * one caller does), so the opening is recorded once even when a joiner completed it.
 *
 * On the strongly consistent table, a replicated write conflict or an isolated replica surfaces as
 * ReplicatedWriteConflictError or ReplicaIsolatedError (see replication-errors.ts); both wrote nothing,
 * and the domain decides whether to retry, join or stop.
 */
export class DynamoDbIncidentStore implements IncidentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async openOrJoin(draft: Omit<Incident, 'version' | 'status'>): Promise<OpenIncidentResult> {
    const proposed: Incident = { ...draft, status: 'detected', version: 1 };
    for (let attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...tableKeys.activeIncident(draft.siteId), incidentId: draft.id, incident: proposed },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) {
          throw toReplicationError(
            error,
            `opening the incident of site ${draft.siteId} (its ACTIVE pointer)`,
          );
        }
        const pointer = await this.readPointer(draft.siteId);
        if (!pointer) continue; // resolved and cleared meanwhile: try to open again
        const { incident: existing, wrote } = await this.completeIncidentItem(pointer.incident);
        // `wrote`: its opener stopped between the two steps (crashed, or its replica was cut off),
        // and this caller made the incident exist, so it records the opening.
        if (existing.status !== 'resolved') return { incident: existing, created: wrote };
        await this.clearPointer(draft.siteId, existing.id); // stale pointer left by a crash after resolving
        continue;
      }
      const { incident: stored, wrote } = await this.completeIncidentItem(proposed);
      if (stored.status === 'resolved') {
        // This very outage was opened and resolved before: a late trip (a region back from its own
        // outage, an announcement retried) joins the record and never reopens it.
        await this.clearPointer(draft.siteId, draft.id);
        return { incident: stored, created: false };
      }
      // Not `wrote`: a joiner completed the item between our two steps and records the opening.
      return { incident: stored, created: wrote };
    }
    throw new ConcurrentModificationError(
      `could not open or join an incident for site ${draft.siteId} after ${OPEN_ATTEMPTS} attempts; try again`,
    );
  }

  async get(incidentId: string): Promise<Incident | undefined> {
    const { Item } = await sendMappingReplicationErrors(`reading incident ${incidentId}`, () =>
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: tableKeys.incident(incidentId),
          ConsistentRead: true,
        }),
      ),
    );
    return Item ? toIncident(Item) : undefined;
  }

  async getActive(siteId: string): Promise<Incident | undefined> {
    const pointer = await this.readPointer(siteId);
    if (!pointer) return undefined;
    const incident = (await this.get(pointer.incidentId)) ?? pointer.incident;
    return incident.status === 'resolved' ? undefined : incident;
  }

  async listBySite(siteId: string, limit = 50): Promise<Incident[]> {
    const { indexName, partitionKey } = INCIDENT_TABLE.bySiteIndex;
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': partitionKey },
        ExpressionAttributeValues: { ':pk': `SITE#${siteId}` },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.map(toIncident);
  }

  async update(
    incidentId: string,
    expectedVersion: number,
    changes: Partial<Omit<Incident, 'id' | 'siteId' | 'version'>>,
  ): Promise<Incident> {
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': expectedVersion, ':one': 1 };
    const sets = entries.map(([key, value], index) => {
      names[`#f${index}`] = key;
      values[`:v${index}`] = value;
      return `#f${index} = :v${index}`;
    });
    let updated: Incident;
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tableKeys.incident(incidentId),
          UpdateExpression: `SET ${[...sets, '#version = #version + :one'].join(', ')}`,
          ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      updated = toIncident(Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new ConcurrentModificationError(
          `incident ${incidentId} changed since version ${expectedVersion} (or does not exist); re-read it and retry`,
          { cause: error },
        );
      }
      throw toReplicationError(error, `updating incident ${incidentId}`);
    }
    if (updated.status === 'resolved') await this.clearPointer(updated.siteId, updated.id);
    return updated;
  }

  async appendEvent(event: TimelineEvent): Promise<void> {
    // Events of one process within the same millisecond keep their order; the random part keeps
    // writers in different processes from colliding.
    const sequence = `${String(eventCounter++).padStart(10, '0')}-${event.actor.region}-${randomUUID().slice(0, 8)}`;
    await sendMappingReplicationErrors(
      `recording a ${event.type} event of incident ${event.incidentId}`,
      () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...tableKeys.timelineEvent(event.incidentId, new Date(event.at).toISOString(), sequence),
              ...event,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
    );
  }

  async listEvents(incidentId: string): Promise<TimelineEvent[]> {
    const events: TimelineEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': tableKeys.incident(incidentId).pk,
            ':prefix': SORT_KEY_PREFIX.event,
          },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const { pk: _pk, sk: _sk, ...event } = item;
        events.push(event as TimelineEvent);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return events;
  }

  /**
   * Writes the incident item from the pointer's copy unless it exists; returns the stored item and
   * whether this call wrote it.
   */
  private async completeIncidentItem(incident: Incident): Promise<{ incident: Incident; wrote: boolean }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...tableKeys.incident(incident.id),
            ...tableKeys.incidentBySite(
              incident.siteId,
              new Date(incident.openedAt).toISOString(),
              incident.id,
            ),
            ...incident,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { incident, wrote: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        // The pointer stays without its item: the next open or join of the site completes it.
        throw toReplicationError(error, `opening incident ${incident.id} (its incident item)`);
      }
      // dynalite returns no item with the failure: read it.
      return { incident: (await this.get(incident.id)) ?? incident, wrote: false };
    }
  }

  private async readPointer(siteId: string): Promise<{ incidentId: string; incident: Incident } | undefined> {
    const { Item } = await sendMappingReplicationErrors(`reading the active incident of site ${siteId}`, () =>
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: tableKeys.activeIncident(siteId),
          ConsistentRead: true,
        }),
      ),
    );
    return Item ? { incidentId: Item.incidentId as string, incident: Item.incident as Incident } : undefined;
  }

  private async clearPointer(siteId: string, incidentId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: tableKeys.activeIncident(siteId),
          ConditionExpression: 'incidentId = :id',
          ExpressionAttributeValues: { ':id': incidentId },
        }),
      );
    } catch (error) {
      // Already cleared, or already pointing at a newer incident: both fine.
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw toReplicationError(error, `clearing the active incident pointer of site ${siteId}`);
      }
    }
  }
}

function toIncident(item: Record<string, unknown>): Incident {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...incident } = item;
  return incident as unknown as Incident;
}
