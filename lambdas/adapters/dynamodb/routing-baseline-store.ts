/**
 * The routing baseline on the incident table, under each site's partition (`SITE#<site>`, within the
 * functions' existing grants): per carrier one pointer item (`BASELINE#<carrier>`) naming the current
 * generation, and that generation's chunk items (`BASELINECHUNK#<carrier>#<generation>#<index>`),
 * each well under DynamoDB's 400 KB item limit, so 100,000 numbers fit.
 *
 * A save writes every chunk of a new generation first, then moves the pointer with one conditional
 * write (only over an older `takenAt`), then deletes the older generations' chunks. A reader follows
 * only the pointer and checks that it found every chunk the pointer counts; a generation deleted
 * under it sends it back to the pointer. So a reader sees one whole generation, never a mix, and
 * no transaction is needed (dynalite has no TransactWriteItems; the conditional write is enough).
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { CarrierName } from '../../contracts/config/config-constants';
import { ConcurrentModificationError } from '../../contracts/errors';
import {
  baselineChunkPrefix,
  SORT_KEY_PREFIX,
  sortableTime,
  tableKeys,
} from '../../contracts/incident-table-design';
import type { BaselineEntry, RoutingBaseline, RoutingBaselineStore } from '../../ports/routing-baseline';
import { sendMappingReplicationErrors } from './replication-errors';
import { packBaselineChunks, unpackBaselineChunk } from './routing-baseline-chunks';

/** Item `type` attributes, so a scan or export can tell item kinds apart. */
const POINTER_TYPE = 'routing-baseline';
const CHUNK_TYPE = 'routing-baseline-chunk';

/** Options of DynamoDbRoutingBaselineStore. */
export interface DynamoDbRoutingBaselineStoreOptions {
  /**
   * Most bytes of one chunk item as DynamoDB counts them (names and values). DynamoDB's limit is
   * 400 KB; the margin keeps each write small enough to retry cheaply.
   * @default 300000
   */
  maxItemBytes?: number;
  /** Chunk writes (and deletes) in flight at once. @default 4 */
  writeConcurrency?: number;
  /** Times a load goes back to the pointer when a newer save deleted the generation it was reading. @default 5 */
  loadAttempts?: number;
}

/** The pointer item's attributes besides the keys. */
interface BaselinePointer {
  carrier: CarrierName;
  takenAt: number;
  generation: string;
  chunks: number;
  entries: number;
}

/** The RoutingBaselineStore port on the incident table. */
export class DynamoDbRoutingBaselineStore implements RoutingBaselineStore {
  private readonly maxItemBytes: number;
  private readonly writeConcurrency: number;
  private readonly loadAttempts: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoDbRoutingBaselineStoreOptions = {},
  ) {
    this.maxItemBytes = options.maxItemBytes ?? 300_000;
    this.writeConcurrency = options.writeConcurrency ?? 4;
    this.loadAttempts = options.loadAttempts ?? 5;
  }

  async save(
    siteId: string,
    carrier: CarrierName,
    takenAt: number,
    entries: readonly BaselineEntry[],
  ): Promise<void> {
    const what = `saving the ${carrier} routing baseline of ${siteId}`;
    // Whole milliseconds: the pointer and the generations then order the same way.
    const at = Math.trunc(takenAt);
    // The time first, so generations sort by when they were taken; the rest keeps two apart.
    const generation = `${sortableTime(at)}-${randomUUID()}`;
    const chunkItem = (index: number, count: number, payload: Uint8Array) => ({
      ...tableKeys.baselineChunk(siteId, carrier, generation, index),
      type: CHUNK_TYPE,
      generation,
      index,
      count,
      entries: payload,
    });
    // Measured with the largest index and count a chunk can carry.
    const payloads = packBaselineChunks(entries, this.maxItemBytes, (payload) =>
      chunkItem(99_999, 99_999, payload),
    );
    const written: number[] = [];
    try {
      await this.inParallel(payloads.length, async (index) => {
        await this.send(what, () =>
          this.client.send(
            new PutCommand({
              TableName: this.tableName,
              Item: chunkItem(index, payloads.length, payloads[index]),
              ConditionExpression: 'attribute_not_exists(sk)',
            }),
          ),
        );
        written.push(index);
      });
    } catch (error) {
      await this.deleteChunks(siteId, carrier, generation, written);
      throw error;
    }
    const pointer: BaselinePointer = {
      carrier,
      takenAt: at,
      generation,
      chunks: payloads.length,
      entries: entries.length,
    };
    const moved = await this.movePointer(siteId, pointer, what);
    if (!moved) {
      // A baseline taken later is stored: this one is dropped whole.
      await this.deleteChunks(siteId, carrier, generation, written);
      return;
    }
    await this.deleteOlderGenerations(siteId, carrier, generation);
  }

  async load(siteId: string): Promise<RoutingBaseline> {
    const baseline = new Map<string, BaselineEntry>();
    for (const pointer of await this.pointers(siteId)) {
      for (const entry of await this.generationOf(siteId, pointer))
        baseline.set(entry.snapshot.number, entry);
    }
    return baseline;
  }

  /** Moves the carrier's pointer to `pointer` unless a baseline taken as late or later is stored. */
  private async movePointer(siteId: string, pointer: BaselinePointer, what: string): Promise<boolean> {
    try {
      await this.send(what, () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...tableKeys.baselinePointer(siteId, pointer.carrier), type: POINTER_TYPE, ...pointer },
            ConditionExpression: 'attribute_not_exists(sk) OR takenAt < :takenAt',
            ExpressionAttributeValues: { ':takenAt': pointer.takenAt },
          }),
        ),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  private async pointers(siteId: string): Promise<BaselinePointer[]> {
    const items = await this.query(`reading the routing baseline pointers of ${siteId}`, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': tableKeys.sitePartition(siteId),
        ':prefix': SORT_KEY_PREFIX.baselinePointer,
      },
    });
    return items.map((item) => item as unknown as BaselinePointer);
  }

  /**
   * The entries of the generation `pointer` names. When a newer save deleted some of its chunks
   * meanwhile, reads the carrier's pointer again and follows it instead.
   */
  private async generationOf(siteId: string, first: BaselinePointer): Promise<BaselineEntry[]> {
    const carrier = first.carrier;
    let pointer: BaselinePointer | undefined = first;
    for (let attempt = 0; attempt < this.loadAttempts && pointer; attempt++) {
      const generation: string = pointer.generation;
      const items = await this.query(`reading the ${carrier} routing baseline of ${siteId}`, {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': tableKeys.sitePartition(siteId),
          ':prefix': baselineChunkPrefix(carrier, generation),
        },
      });
      const indexes = new Set(items.map((item) => item.index as number));
      const whole = items.length === pointer.chunks && indexes.size === pointer.chunks;
      if (whole) {
        const ordered = [...items].sort((a, b) => (a.index as number) - (b.index as number));
        return ordered.flatMap((item) => unpackBaselineChunk(item.entries as Uint8Array));
      }
      pointer = (await this.pointers(siteId)).find((candidate) => candidate.carrier === carrier);
    }
    if (!pointer) return [];
    throw new ConcurrentModificationError(
      `reading the ${carrier} routing baseline of ${siteId}: newer baselines replaced it ${this.loadAttempts} times while it was being read; read it again`,
    );
  }

  /** Deletes the carrier's chunks of every generation older than `current` (leftovers included). */
  private async deleteOlderGenerations(siteId: string, carrier: CarrierName, current: string): Promise<void> {
    try {
      const prefix = baselineChunkPrefix(carrier);
      const items = await this.query(`listing old ${carrier} routing baseline chunks of ${siteId}`, {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': tableKeys.sitePartition(siteId), ':prefix': prefix },
        ProjectionExpression: 'sk',
      });
      // Newer generations belong to a save still in progress (or one that won): never touched here.
      const older = items
        .map((item) => item.sk as string)
        .filter((sk) => sk.slice(prefix.length).split('#')[0] < current);
      await this.deleteKeys(siteId, older);
    } catch {
      // Best effort: a reader follows the pointer only, and the next save deletes what is left.
    }
  }

  /** Deletes the given chunks of one generation; best effort, as above. */
  private async deleteChunks(
    siteId: string,
    carrier: CarrierName,
    generation: string,
    indexes: readonly number[],
  ): Promise<void> {
    const keys = indexes.map((index) => tableKeys.baselineChunk(siteId, carrier, generation, index).sk);
    await this.deleteKeys(siteId, keys).catch(() => undefined);
  }

  private async deleteKeys(siteId: string, sortKeys: readonly string[]): Promise<void> {
    await this.inParallel(sortKeys.length, (index) =>
      this.send(`deleting an old routing baseline chunk of ${siteId}`, () =>
        this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { pk: tableKeys.sitePartition(siteId), sk: sortKeys[index] },
          }),
        ),
      ).then(() => undefined),
    );
  }

  /** Every item of a strongly consistent query, page after page (a page holds at most 1 MB). */
  private async query(
    what: string,
    input: Omit<QueryCommandInput, 'TableName' | 'ConsistentRead' | 'ExclusiveStartKey'>,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.send(what, () =>
        this.client.send(
          new QueryCommand({
            ...input,
            TableName: this.tableName,
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private send<T>(what: string, send: () => Promise<T>): Promise<T> {
    return sendMappingReplicationErrors(what, send);
  }

  /** Runs `work(0..count-1)`, at most `writeConcurrency` at once; rejects with the first failure. */
  private async inParallel(count: number, work: (index: number) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const index = next;
        next += 1;
        await work(index);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.writeConcurrency, count) }, worker));
  }
}
