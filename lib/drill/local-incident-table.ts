import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INCIDENT_TABLE } from '../../lambdas/incident-table-design';

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => import('node:net').Server;

/** A real DynamoDB wire-protocol server on loopback, with the incident table created in it. */
export interface LocalIncidentTable {
  tableName: string;
  endpoint: string;
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

/** Starts dynalite (in memory) on a free port and creates a table with the incident table's keys. */
export async function startLocalIncidentTable(tableName = 'incidents'): Promise<LocalIncidentTable> {
  const server = await startIncidentTableServer(tableName);
  const connection = connectToIncidentTable(server.endpoint, tableName);
  return {
    ...connection,
    async stop() {
      await connection.stop();
      await server.stop();
    },
  };
}

/**
 * The server half alone: dynalite with the incident table, for a thread that only serves it (the
 * drill's far side); clients elsewhere connect with connectToIncidentTable.
 */
export async function startIncidentTableServer(
  tableName: string,
): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localClient(endpoint);
  try {
    await client.send(createIncidentTable(tableName));
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Clients of a local incident table served at `endpoint`; `stop` closes them, not the server. */
export function connectToIncidentTable(endpoint: string, tableName: string): LocalIncidentTable {
  const client = localClient(endpoint);
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    tableName,
    endpoint,
    client,
    documentClient,
    async stop() {
      client.destroy();
    },
  };
}

function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

function createIncidentTable(tableName: string): CreateTableCommand {
  const { partitionKey, sortKey, bySiteIndex } = INCIDENT_TABLE;
  return new CreateTableCommand({
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' },
      { AttributeName: sortKey, AttributeType: 'S' },
      { AttributeName: bySiteIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: bySiteIndex.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: bySiteIndex.indexName,
        KeySchema: [
          { AttributeName: bySiteIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: bySiteIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  });
}
