/**
 * The functions' AWS SDK clients, built once per execution environment at module scope and reused by
 * every invocation (Powertools' pattern). Default settings throughout: the function's region and
 * role, the SDK's retries. Each is marked pure, so a bundle that uses none of a client leaves its
 * package out (the failback function never invokes a Lambda, the probe never publishes).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The tables' document client; attributes left undefined are dropped rather than rejected. */
export const documentClient = /* @__PURE__ */ DynamoDBDocumentClient.from(
  /* @__PURE__ */ new DynamoDBClient({}),
  { marshallOptions: { removeUndefinedValues: true } },
);

/** Invokes this region's functions (the probe its orchestrator, the orchestrator itself). */
export const lambdaClient = /* @__PURE__ */ new LambdaClient({});

/** Publishes to this region's alert topic. */
export const snsClient = /* @__PURE__ */ new SNSClient({});

/** Reads the carrier credentials of this region's secrets. */
export const secretsManagerClient = /* @__PURE__ */ new SecretsManagerClient({});
