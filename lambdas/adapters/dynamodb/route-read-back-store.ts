/**
 * The last read-back of each site's route at each carrier, on the incident table
 * (`SITE#<site>` / `ROUTE#<carrier>`): written by `arm` and `audit`, read by a failover to know which
 * numbers the route carries without asking the carrier during the outage.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CarrierName } from '../../contracts/config/config-constants';
import { tableKeys } from '../../contracts/incident-table-design';
import type { RouteReadBackStore, StoredRouteReadBack } from '../../ports/route-read-backs';
import { sendMappingReplicationErrors } from './replication-errors';

/** The RouteReadBackStore port on the incident table. */
export class DynamoDbRouteReadBackStore implements RouteReadBackStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(siteId: string, carrier: CarrierName): Promise<StoredRouteReadBack | undefined> {
    const { Item } = await sendMappingReplicationErrors(
      `reading the ${carrier} route read-back of ${siteId}`,
      () =>
        this.client.send(
          new GetCommand({
            TableName: this.tableName,
            Key: tableKeys.routeReadBack(siteId, carrier),
            ConsistentRead: true,
          }),
        ),
    );
    return Item ? (Item.readBack as StoredRouteReadBack) : undefined;
  }

  /** A later read replaces an earlier one: the newest is what the carrier says now. */
  async put(readBack: StoredRouteReadBack): Promise<void> {
    await sendMappingReplicationErrors(
      `writing the ${readBack.carrier} route read-back of ${readBack.siteId}`,
      () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...tableKeys.routeReadBack(readBack.siteId, readBack.carrier),
              type: 'route-read-back',
              // JSON round trip drops undefined optional fields the marshaller would reject.
              readBack: JSON.parse(JSON.stringify(readBack)),
            },
          }),
        ),
    );
  }
}
