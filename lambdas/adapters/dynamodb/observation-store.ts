/**
 * Probe observations on the observation table (not the incident table: observations expire by TTL,
 * which a strongly consistent global table does not support): one item per (site, region, probe
 * start, endpoint), under `OBS#<site>#<region>` with a time-ordered sort key, so "this region's
 * rounds of this site between two times" is one Query. Every region writes its own partition and
 * reads all of them; other regions' partitions arrive by asynchronous replication.
 */
import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { CarrierFailoverError } from '../../contracts/errors';
import { OBSERVATION_TABLE, sortableTime, tableKeys } from '../../contracts/incident-table-design';
import type { Observation, ObservationStore } from '../../ports/detection';

/** BatchWriteItem takes at most 25 requests. */
const BATCH_SIZE = 25;
/** Retries of throttled (unprocessed) batch items before giving up. */
const MAX_UNPROCESSED_RETRIES = 5;
const SECONDS_PER_DAY = 86_400;

/** Where and how long observations are kept. */
export interface DynamoDbObservationStoreOptions {
  client: DynamoDBDocumentClient;
  /** The observation table (`<deployment>-observations`), not the incident table. */
  tableName: string;
  /**
   * Days an observation lives before DynamoDB's TTL deletes it, counted from the probe time. Long
   * enough for a month's replay and a post-incident report.
   * @default 35
   */
  retentionDays?: number;
  /** Waits between retries of unprocessed items (inject a fake in tests). @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** Items per Query page; only tests need to lower it. @default DynamoDB's 1 MB pages */
  queryPageSize?: number;
}

/** DynamoDB kept rejecting part of a batch (throttling); worth retrying later. */
export class ObservationWriteError extends CarrierFailoverError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: true });
    this.name = 'ObservationWriteError';
  }
}

/** The ObservationStore port on the observation table. */
export class DynamoDbObservationStore implements ObservationStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly retentionSeconds: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly queryPageSize?: number;

  constructor(options: DynamoDbObservationStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.retentionSeconds = (options.retentionDays ?? 35) * SECONDS_PER_DAY;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.queryPageSize = options.queryPageSize;
  }

  /**
   * Writes the observations in batches of 25, retrying items DynamoDB leaves unprocessed. Two
   * observations with the same key (an endpoint listed twice) are written once, the last winning,
   * because BatchWriteItem rejects a batch with duplicate keys.
   */
  async record(observations: Observation[]): Promise<void> {
    const items = new Map<string, Record<string, unknown>>();
    for (const observation of observations) {
      const item = this.toItem(observation);
      items.set(`${item.pk}\u0000${item.sk}`, item);
    }
    const requests = [...items.values()].map((Item) => ({ PutRequest: { Item } }));
    for (let start = 0; start < requests.length; start += BATCH_SIZE) {
      await this.writeBatch(requests.slice(start, start + BATCH_SIZE));
    }
  }

  /** Observations of one site from one region with `fromMs <= at < toMs`, oldest first. */
  async list(siteId: string, region: string, fromMs: number, toMs: number): Promise<Observation[]> {
    if (toMs <= fromMs) return [];
    const observations: Observation[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          // Sort keys are `<15-digit ms>#<endpoint>`: the bare 15-digit prefix sorts before every
          // key of that millisecond, so BETWEEN from AND to selects exactly [from, to).
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          ExpressionAttributeNames: {
            '#pk': OBSERVATION_TABLE.partitionKey,
            '#sk': OBSERVATION_TABLE.sortKey,
          },
          ExpressionAttributeValues: {
            ':pk': tableKeys.observationPartition(siteId, region),
            ':from': sortableTime(Math.max(0, fromMs)),
            ':to': sortableTime(toMs),
          },
          // Strongly consistent in this region: everything written here, and everything replicated
          // here so far. Other regions' writes still arrive asynchronously (the table is MREC); the
          // decision's settle window waits for them.
          ConsistentRead: true,
          Limit: this.queryPageSize,
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) observations.push(toObservation(item));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return observations;
  }

  private async writeBatch(
    requests: Array<{ PutRequest: { Item: Record<string, unknown> } }>,
  ): Promise<void> {
    let pending = requests;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > MAX_UNPROCESSED_RETRIES) {
        throw new ObservationWriteError(
          `DynamoDB left ${pending.length} observation writes unprocessed after ${MAX_UNPROCESSED_RETRIES} retries (table ${this.tableName}); the table is throttling, try again later`,
        );
      }
      if (attempt > 0) await this.sleep(50 * 2 ** attempt);
      const output: BatchWriteCommandOutput = await this.client.send(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
      );
      pending = (output.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
    }
  }

  private toItem(observation: Observation): Record<string, unknown> {
    return {
      ...tableKeys.observation(observation.siteId, observation.region, observation.at, observation.endpoint),
      type: 'observation',
      siteId: observation.siteId,
      region: observation.region,
      at: observation.at,
      ok: observation.ok,
      endpoint: observation.endpoint,
      ...(observation.latencyMs !== undefined ? { latencyMs: observation.latencyMs } : {}),
      ...(observation.reason !== undefined ? { reason: observation.reason } : {}),
      // TTL counts from the probe time, not the write time, so a replayed write expires on schedule.
      [OBSERVATION_TABLE.timeToLiveAttribute]: Math.floor(observation.at / 1000) + this.retentionSeconds,
    };
  }
}

function toObservation(item: Record<string, unknown>): Observation {
  return {
    siteId: item.siteId as string,
    region: item.region as string,
    at: item.at as number,
    ok: item.ok as boolean,
    endpoint: item.endpoint as string,
    ...(item.latencyMs !== undefined ? { latencyMs: item.latencyMs as number } : {}),
    ...(item.reason !== undefined ? { reason: item.reason as string } : {}),
  };
}
