/**
 * Faults dynalite cannot produce (MRSC's replicated write conflicts, an isolated replica), injected
 * into a real SDK client: a middleware on its stack answers the chosen calls with the SDK's own
 * exception before they are sent, and lets every other call through to dynalite.
 */
import {
  type DynamoDBClient,
  InternalServerError,
  ReplicatedWriteConflictException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  connectToIncidentTable,
  type LocalIncidentTable,
} from '../../lib/developer/far-side/local-incident-table';

/** A low-level command as the middleware sees it: its name and its (marshalled) input. */
export interface DynamoDbCall {
  commandName: string;
  input: Record<string, unknown>;
}

/** Which calls fail and with what; `fail` returns undefined to let a call through. */
export type FaultRule = (call: DynamoDbCall) => Error | undefined;

/** A document client on `table`'s server whose calls go through `rule` first; `calls` records every one. */
export function faultyDocumentClient(
  table: LocalIncidentTable,
  rule: FaultRule,
): {
  documentClient: DynamoDBDocumentClient;
  client: DynamoDBClient;
  calls: DynamoDbCall[];
  stop(): Promise<void>;
} {
  const connection = connectToIncidentTable(table.endpoint, table.tableName, table.observationTableName);
  const calls: DynamoDbCall[] = [];
  connection.client.middlewareStack.add(
    (next, context) => async (args) => {
      const call = { commandName: context.commandName ?? '', input: args.input as Record<string, unknown> };
      calls.push(call);
      const error = rule(call);
      if (error) throw error;
      return next(args);
    },
    { step: 'initialize', name: 'injectDynamoDbFaults' },
  );
  return {
    documentClient: DynamoDBDocumentClient.from(connection.client, {
      marshallOptions: { removeUndefinedValues: true },
    }),
    client: connection.client,
    calls,
    stop: connection.stop,
  };
}

/** The partition key of a PutItem/GetItem/... call, marshalled or not (the document client's may be either). */
export function partitionKeyOf(call: DynamoDbCall): string | undefined {
  return attributeOf(call, 'pk');
}

/** A string key attribute (`pk`, `sk`) of the call's Item or Key, marshalled or not. */
export function attributeOf(call: DynamoDbCall, name: string): string | undefined {
  const item = (call.input.Item ?? call.input.Key) as Record<string, unknown> | undefined;
  const value = item?.[name];
  if (typeof value === 'string') return value;
  return (value as { S?: string } | undefined)?.S;
}

/** What DynamoDB answers a write of an item another region is modifying (MRSC). */
export function replicatedWriteConflict(): ReplicatedWriteConflictException {
  return new ReplicatedWriteConflictException({
    message:
      'The request was rejected because one or more items in the request are being modified by a request in another Region.',
    $metadata: { httpStatusCode: 400 },
  });
}

/** A server fault as DynamoDB answers it when the replica cannot reach a quorum (no code is documented). */
export function isolatedReplicaError(): InternalServerError {
  return new InternalServerError({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } });
}
