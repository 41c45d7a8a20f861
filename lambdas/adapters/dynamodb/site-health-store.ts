/**
 * Each region's decision state of each site on the incident table (`SITE#<site>` / `HEALTH#<region>`),
 * written with an optimistic lock on `version` so two overlapping probe runs of one region cannot
 * both advance a site (the loser re-reads and decides again).
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentModificationError } from '../../contracts/errors';
import { INCIDENT_TABLE, tableKeys } from '../../contracts/incident-table-design';
import type {
  PendingAnnouncement,
  SiteHealthState,
  SiteHealthStore,
  StoredSiteHealth,
} from '../../ports/detection';
import { sendMappingReplicationErrors, toReplicationError } from './replication-errors';

/** The SiteHealthStore port on the incident table. */
export class DynamoDbSiteHealthStore implements SiteHealthStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** A consistent read: the optimistic write that follows must see the latest version. */
  async get(siteId: string, region: string): Promise<StoredSiteHealth | undefined> {
    // Strongly consistent: on an isolated MRSC replica this fails too (ReplicaIsolatedError).
    const { Item } = await sendMappingReplicationErrors(
      `reading the site health of ${siteId} in ${region}`,
      () =>
        this.client.send(
          new GetCommand({
            TableName: this.tableName,
            Key: tableKeys.siteHealth(siteId, region),
            ConsistentRead: true,
          }),
        ),
    );
    if (!Item) return undefined;
    return {
      state: Item.state as SiteHealthState,
      unannounced: (Item.unannounced ?? []) as PendingAnnouncement[],
      version: Item.version as number,
    };
  }

  async put(
    siteId: string,
    region: string,
    record: Omit<StoredSiteHealth, 'version'>,
    expectedVersion: number | undefined,
  ): Promise<number> {
    const version = (expectedVersion ?? 0) + 1;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...tableKeys.siteHealth(siteId, region),
            type: 'site-health',
            siteId,
            region,
            // Top-level copies for people and the CLI reading the table; the decision reads `state`.
            status: record.state.status,
            ...(record.state.outage ? { outageKey: record.state.outage.idempotencyKey } : {}),
            // JSON round trip: the state is plain data, and this drops undefined optional fields the
            // marshaller would otherwise reject.
            state: JSON.parse(JSON.stringify(record.state)),
            unannounced: JSON.parse(JSON.stringify(record.unannounced)),
            version,
          },
          ConditionExpression:
            expectedVersion === undefined ? 'attribute_not_exists(#pk)' : '#version = :expectedVersion',
          ExpressionAttributeNames:
            expectedVersion === undefined
              ? { '#pk': INCIDENT_TABLE.partitionKey }
              : { '#version': 'version' },
          ExpressionAttributeValues:
            expectedVersion === undefined ? undefined : { ':expectedVersion': expectedVersion },
        }),
      );
    } catch (error) {
      if ((error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException') {
        throw new ConcurrentModificationError(
          `site health of ${siteId} in ${region} changed since version ${expectedVersion ?? 'none'} was read; read it again and decide again`,
          { cause: error },
        );
      }
      throw toReplicationError(error, `writing the site health of ${siteId} in ${region}`);
    }
    return version;
  }
}
