import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, type TablePropsV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

/** What every global table of a deployment is given, and what each table decides itself. */
export interface GlobalTableBasics {
  readonly tableName: string;
  /** Every watchdog region; the stack's own region holds the home replica, the rest get replicas. */
  readonly regions: readonly string[];
  readonly partitionKey: string;
  readonly sortKey: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The secure defaults both of our global tables share, in one place: string keys, on-demand,
 * AWS-managed encryption, point-in-time recovery and deletion protection on the table and on every
 * replica, retained with the stack. Consistency, TTL and indexes are each table's own.
 */
export function globalTableDefaults(scope: Construct, basics: GlobalTableBasics): TablePropsV2 {
  return {
    tableName: basics.tableName,
    partitionKey: { name: basics.partitionKey, type: AttributeType.STRING },
    sortKey: { name: basics.sortKey, type: AttributeType.STRING },
    billing: Billing.onDemand(),
    encryption: TableEncryptionV2.awsManagedKey(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    removalPolicy: basics.removalPolicy ?? RemovalPolicy.RETAIN,
    replicas: basics.regions
      .filter((region) => region !== Stack.of(scope).region)
      .map((region) => ({
        region,
        deletionProtection: true,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      })),
  };
}
