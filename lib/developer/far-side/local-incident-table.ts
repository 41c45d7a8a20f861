import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INCIDENT_TABLE, OBSERVATION_TABLE } from '../../../lambdas/contracts/incident-table-design';

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => import('node:net').Server;

/**
 * A real DynamoDB wire-protocol server on loopback, with the deployment's two tables created in it:
 * the incident table and the observation table, with the keys the deployed ones have.
 */
export interface LocalIncidentTable {
  /** The incident table (incidents, events, number states, SITE# pointers and health). */
  tableName: string;
  /** The observation table (OBS# items); dynalite keeps `expiresAt` but deletes nothing. */
  observationTableName: string;
  endpoint: string;
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

/**
 * Starts dynalite (in memory) on a free port and creates a table with the incident table's keys and
 * one with the observation table's.
 */
export async function startLocalIncidentTable(
  tableName = 'incidents',
  observationTableName = 'observations',
): Promise<LocalIncidentTable> {
  const server = await startIncidentTableServer(tableName, observationTableName);
  const connection = connectToIncidentTable(server.endpoint, tableName, observationTableName);
  return {
    ...connection,
    async stop() {
      await connection.stop();
      await server.stop();
    },
  };
}

/**
 * The server half alone: dynalite with the incident and observation tables, for a thread that only
 * serves them (the drill's far side); clients elsewhere connect with connectToIncidentTable.
 */
export async function startIncidentTableServer(
  tableName: string,
  observationTableName: string,
): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localClient(endpoint);
  try {
    await client.send(createIncidentTable(tableName));
    await client.send(createObservationTable(observationTableName));
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Clients of the local tables served at `endpoint`; `stop` closes them, not the server. */
export function connectToIncidentTable(
  endpoint: string,
  tableName: string,
  observationTableName: string,
): LocalIncidentTable {
  const client = localClient(endpoint);
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    tableName,
    observationTableName,
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

/** The observation table as deployed, minus the TTL: dynalite does not expire items. */
function createObservationTable(tableName: string): CreateTableCommand {
  const { partitionKey, sortKey } = OBSERVATION_TABLE;
  return new CreateTableCommand({
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' },
      { AttributeName: sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
  });
}
