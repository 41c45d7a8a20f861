import { DynamoDbSiteHealthStore } from '../adapters/dynamodb/site-health-store';
import { readEnvironment } from '../contracts/environments/common-environment';
import { failbackEnvironmentSchema } from '../contracts/environments/failback-environment';
import { documentClient } from '../runtime/aws-clients';
import { createIncidentMetrics } from '../runtime/incident-metrics';
import { createLambdaIncidentWork } from './lambda-incident-dependencies';

// Module scope: built once per execution environment (Powertools' pattern).
const metrics = createIncidentMetrics();

/**
 * The failback function's dependencies in Lambda, built once per cold start: the incident work, this
 * region's replica of the sites' quorum decisions, and its metrics.
 */
export function createLambdaFailbackDependencies() {
  const environment = readEnvironment(failbackEnvironmentSchema);
  return {
    ...createLambdaIncidentWork(environment),
    siteHealth: new DynamoDbSiteHealthStore(documentClient, environment.TABLE_NAME),
    metrics,
  };
}
