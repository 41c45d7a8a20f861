import { createCarrierDirectory } from '../adapters/carriers/carrier-directory';
import { SecretsManagerCredentialSource } from '../adapters/carriers/credentials';
import { DynamoDbForwardingStateStore } from '../adapters/dynamodb/forwarding-state-store';
import { DynamoDbIncidentStore } from '../adapters/dynamodb/incident-store';
import { DynamoDbRouteReadBackStore } from '../adapters/dynamodb/route-read-back-store';
import { DynamoDbRoutingBaselineStore } from '../adapters/dynamodb/routing-baseline-store';
import { SnsNotifier } from '../adapters/sns/sns-notifier';
import type { Notifier } from '../ports/alerts';
import type { CarrierDirectory } from '../ports/carriers';
import type { Clock, Random } from '../ports/clock';
import type { ForwardingStateStore } from '../ports/forwarding-state';
import type { IncidentStore } from '../ports/incidents';
import type { RouteReadBackStore } from '../ports/route-read-backs';
import type { RoutingBaselineStore } from '../ports/routing-baseline';
import { documentClient, secretsManagerClient, snsClient } from '../runtime/aws-clients';
import { type DeploymentFiles, readDeploymentFiles } from '../runtime/deployment-files';
import { taskRoot } from '../runtime/lambda-entry';
import { systemClock } from '../runtime/system-clock';

/** What every function that works an incident at the carriers needs (orchestrator, failback, practice). */
export interface IncidentWork {
  files: DeploymentFiles;
  incidents: IncidentStore;
  numbers: ForwardingStateStore;
  /** The routes' last read-backs (`arm`, `audit`): which numbers each route carries. */
  readBacks: RouteReadBackStore;
  /**
   * The sites' routing baselines (read ahead in the carriers' pages): without them a failover
   * reads every number's routing first.
   */
  baselines?: RoutingBaselineStore;
  notifier: Notifier;
  /** Carrier adapters with credentials resolved (cached by the credential source). */
  carriers(): Promise<CarrierDirectory>;
  clock: Clock;
  random: Random;
  region: string;
}

/** The parts of the Lambda context these functions read. */
export interface InvocationContext {
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

/**
 * Wires those dependencies to AWS in Lambda, once per cold start: the deployment files beside the
 * code, the incident table's replica in this region, this region's topic, and carrier credentials
 * from Secrets Manager.
 */
export function createLambdaIncidentWork(environment: {
  TABLE_NAME: string;
  ALERT_TOPIC_ARN: string;
}): IncidentWork {
  const files = readDeploymentFiles(taskRoot());
  const credentialSource = new SecretsManagerCredentialSource({ client: secretsManagerClient });
  return {
    files,
    incidents: new DynamoDbIncidentStore(documentClient, environment.TABLE_NAME),
    numbers: new DynamoDbForwardingStateStore(documentClient, environment.TABLE_NAME),
    readBacks: new DynamoDbRouteReadBackStore(documentClient, environment.TABLE_NAME),
    baselines: new DynamoDbRoutingBaselineStore(documentClient, environment.TABLE_NAME),
    notifier: new SnsNotifier(snsClient, environment.ALERT_TOPIC_ARN),
    carriers: () => createCarrierDirectory(files.config.carriers, credentialSource),
    clock: systemClock,
    random: Math.random,
    region: process.env.AWS_REGION ?? 'unknown',
  };
}
