/**
 * ForwardingStateStore on the incident table: one item per (incident, number) at
 * pk `INCIDENT#<id>`, sk `NUMBER#<E.164>`. Every change is a conditional write, so two runs (or two
 * regions) racing on a number cannot both win: creation is `attribute_not_exists(pk)`, every update
 * checks the optimistic `version`, and a saved snapshot can never be replaced.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { PlanEntry } from '../../contracts/config/plan-entry';
import { ConcurrentModificationError } from '../../contracts/errors';
import { SORT_KEY_PREFIX, tableKeys } from '../../contracts/incident-table-design';
import type {
  ClaimedNumberState,
  ForwardingStateStore,
  NumberState,
  NumberStateChanges,
} from '../../ports/forwarding-state';

/** Item `type` attribute, so a scan or export can tell item kinds apart. */
const ITEM_TYPE = 'number-state';
/** Attributes a caller may never change through update: the identity and the lock. */
const FROZEN_ATTRIBUTES = new Set(['pk', 'sk', 'type', 'incidentId', 'number', 'version']);

/** Options of DynamoDbForwardingStateStore. */
export interface DynamoDbForwardingStateStoreOptions {
  /** Time source for `updatedAt` of new rows. @default Date.now */
  now?: () => number;
  /** Conditional puts in flight at once in ensureNumbers. @default 16 */
  writeConcurrency?: number;
}

/** The per-number forwarding state in the DynamoDB incident table. */
export class DynamoDbForwardingStateStore implements ForwardingStateStore {
  private readonly now: () => number;
  private readonly writeConcurrency: number;

  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoDbForwardingStateStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.writeConcurrency = options.writeConcurrency ?? 16;
  }

  /**
   * Creates a pending row for each entry that has none. BatchWriteItem cannot be conditional, so
   * this is one conditional PutItem per number, a bounded number at a time; a row that already
   * exists (an earlier run, another region) fails the condition and is left as it is.
   */
  async ensureNumbers(incidentId: string, entries: PlanEntry[]): Promise<void> {
    const createdAt = this.now();
    let next = 0;
    const worker = async () => {
      while (next < entries.length) {
        const entry = entries[next];
        next += 1;
        const row: NumberState = {
          incidentId,
          number: entry.number,
          carrier: entry.carrier,
          siteId: entry.siteId,
          forwardTo: entry.forwardTo,
          status: 'pending',
          attempts: 0,
          appliedWrites: 0,
          updatedAt: createdAt,
          version: 0,
        };
        try {
          await this.documentClient.send(
            new PutCommand({
              TableName: this.tableName,
              Item: { ...tableKeys.numberState(incidentId, entry.number), type: ITEM_TYPE, ...row },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      }
    };
    const width = Math.max(1, Math.min(this.writeConcurrency, entries.length));
    await Promise.all(Array.from({ length: width }, worker));
  }

  /** Every number's row of the incident, read consistently, in number order. */
  async list(incidentId: string): Promise<ClaimedNumberState[]> {
    const rows: ClaimedNumberState[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documentClient.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': tableKeys.numberState(incidentId, '').pk,
            ':prefix': SORT_KEY_PREFIX.number,
          },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) rows.push(toNumberState(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return rows;
  }

  /** One number's row, read consistently. */
  async get(incidentId: string, number: string): Promise<ClaimedNumberState | undefined> {
    const { Item } = await this.documentClient.send(
      new GetCommand({
        TableName: this.tableName,
        Key: tableKeys.numberState(incidentId, number),
        ConsistentRead: true,
      }),
    );
    return Item ? toNumberState(Item) : undefined;
  }

  /**
   * Applies `changes` if the row's version is still `expectedVersion`, and bumps the version. A key
   * whose value is `undefined` removes the attribute. When `changes` carries a snapshot, the write
   * also requires that none is stored yet. Throws ConcurrentModificationError when a condition fails.
   */
  async update(
    incidentId: string,
    number: string,
    expectedVersion: number,
    changes: NumberStateChanges,
  ): Promise<ClaimedNumberState> {
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': expectedVersion, ':one': 1 };
    const sets = ['#version = #version + :one'];
    const removes: string[] = [];
    Object.entries(changes)
      .filter(([key]) => !FROZEN_ATTRIBUTES.has(key))
      .forEach(([key, value], index) => {
        names[`#a${index}`] = key;
        if (value === undefined) {
          removes.push(`#a${index}`);
        } else {
          values[`:v${index}`] = storable(value);
          sets.push(`#a${index} = :v${index}`);
        }
      });
    const conditions = ['attribute_exists(pk)', '#version = :expected'];
    if (changes.snapshot !== undefined) {
      names['#snapshot'] = 'snapshot';
      conditions.push('attribute_not_exists(#snapshot)');
    }
    try {
      const { Attributes } = await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tableKeys.numberState(incidentId, number),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toNumberState(Attributes ?? {});
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw await this.explainConflict(incidentId, number, expectedVersion, changes, error);
    }
  }

  /** Says which condition failed; the error carries no item (dynalite returns none), so read it. */
  private async explainConflict(
    incidentId: string,
    number: string,
    expectedVersion: number,
    changes: NumberStateChanges,
    cause: unknown,
  ): Promise<ConcurrentModificationError> {
    const current = await this.get(incidentId, number);
    const where = `${number} in incident ${incidentId}`;
    if (!current) {
      return new ConcurrentModificationError(
        `No forwarding state for ${where}: create it with ensureNumbers first`,
        { cause },
      );
    }
    if (current.version !== expectedVersion) {
      return new ConcurrentModificationError(
        `Forwarding state of ${where} changed meanwhile (version ${current.version}, expected ${expectedVersion}, status ${current.status}): re-read it and decide again`,
        { cause },
      );
    }
    return new ConcurrentModificationError(
      changes.snapshot !== undefined && current.snapshot !== undefined
        ? `A snapshot of ${where} is already saved and is never replaced: use the saved one`
        : `Forwarding state of ${where} did not meet the update's condition`,
      { cause },
    );
  }
}

/** Strips the table's own attributes from an item. */
function toNumberState(item: Record<string, unknown>): ClaimedNumberState {
  const { pk: _pk, sk: _sk, type: _type, ...state } = item;
  return state as unknown as ClaimedNumberState;
}

/** By name as well as class: a second copy of the SDK in node_modules would defeat instanceof. */
function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}

/**
 * Drops `undefined` inside objects (a carrier's settings may carry some), which the marshaller
 * rejects unless the client was built with removeUndefinedValues; values are JSON by contract.
 */
function storable(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? JSON.parse(JSON.stringify(value)) : value;
}
