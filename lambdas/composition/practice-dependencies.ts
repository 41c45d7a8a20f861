import { LambdaClient } from '@aws-sdk/client-lambda';
import { createCarrierAccess } from '../adapters/carriers/carrier-access';
import { SecretsManagerCredentialSource } from '../adapters/carriers/credentials';
import { DynamoDbRoutingBaselineStore } from '../adapters/dynamodb/routing-baseline-store';
import { orchestratorDryRunCheck } from '../adapters/lambda/orchestrator-dry-run';
import { alertTopicCheck } from '../adapters/sns/topic-subscriptions';
import { readEnvironment } from '../contracts/environments/common-environment';
import { practiceEnvironmentSchema } from '../contracts/environments/practice-environment';
import { documentClient, secretsManagerClient, snsClient } from '../runtime/aws-clients';
import { createLambdaIncidentWork } from './lambda-incident-dependencies';

/**
 * The practice function's dependencies in Lambda, built once per cold start: the incident work, the
 * carriers one at a time with this region's credentials, the other watchdog regions' orchestrators
 * (for a dry run), this region's alert topic and the routing baseline on the incident table.
 */
export function createLambdaPracticeDependencies() {
  const environment = readEnvironment(practiceEnvironmentSchema);
  const work = createLambdaIncidentWork(environment);
  const credentials = new SecretsManagerCredentialSource({ client: secretsManagerClient });
  // Short timeouts: a region that does not answer within seconds is the finding.
  const requestHandler = { connectionTimeout: 3000, requestTimeout: 10_000 };
  const others = environment.WATCHDOG_REGIONS.filter((region) => region !== work.region);
  return {
    files: work.files,
    incidents: work.incidents,
    numbers: work.numbers,
    notifier: work.notifier,
    access: createCarrierAccess(work.files.config.carriers, credentials),
    orchestrators: others.map((region) =>
      orchestratorDryRunCheck(
        new LambdaClient({ region, maxAttempts: 2, requestHandler }),
        region,
        environment.ORCHESTRATOR_FUNCTION_NAME,
      ),
    ),
    alertTopics: [alertTopicCheck(work.region, snsClient, environment.ALERT_TOPIC_ARN)],
    baseline: new DynamoDbRoutingBaselineStore(documentClient, environment.TABLE_NAME),
    clock: work.clock,
    random: work.random,
    region: work.region,
    regions: environment.WATCHDOG_REGIONS,
  };
}
