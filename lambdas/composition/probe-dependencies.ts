import { DynamoDbObservationStore } from '../adapters/dynamodb/observation-store';
import { DynamoDbSiteHealthStore } from '../adapters/dynamodb/site-health-store';
import { OrchestratorInvoker } from '../adapters/lambda/orchestrator-invoker';
import { SecretsManagerCallCredentials } from '../adapters/probes/call-credentials';
import { configuredProbe } from '../adapters/probes/control-probe';
import { readEnvironment } from '../contracts/environments/common-environment';
import { probeEnvironmentSchema } from '../contracts/environments/probe-environment';
import { documentClient, lambdaClient, secretsManagerClient } from '../runtime/aws-clients';
import { readDeploymentConfig } from '../runtime/deployment-files';
import { taskRoot } from '../runtime/lambda-entry';
import { logger } from '../runtime/powertools';
import { createProbeMetrics } from '../runtime/probe-metrics';
import { systemClock } from '../runtime/system-clock';
import type { ProbeInvocationDependencies } from './probe-invocation';

// Module scope: built once per execution environment and reused by every invocation (Powertools' pattern).
const metrics = createProbeMetrics();

/**
 * The probe's dependencies in Lambda, built once per cold start: the environment (checked against
 * AWS_REGION), the deployment's config beside the code (not the plan, so the bundle leaves out its
 * parser), both tables' replicas in this region, and this region's orchestrator, invoked as
 * `functionName`'s trip.
 */
export function createLambdaProbeDependencies(
  functionName: string,
): ProbeInvocationDependencies & { windowSeconds: number } {
  const env = readEnvironment(probeEnvironmentSchema);
  const region = process.env.AWS_REGION;
  if (!region || !env.WATCHDOG_REGIONS.includes(region)) {
    throw new Error(
      `function environment is not as deployed: AWS_REGION ${region ?? '(unset)'} is not one of WATCHDOG_REGIONS (${env.WATCHDOG_REGIONS.join(', ')})`,
    );
  }
  const config = readDeploymentConfig(taskRoot());
  return {
    deployment: env.DEPLOYMENT_NAME,
    sites: config.sites,
    settings: config.detection,
    region,
    regions: env.WATCHDOG_REGIONS,
    clock: systemClock,
    probeSite: configuredProbe(config.detection, {
      credentials: new SecretsManagerCallCredentials(secretsManagerClient),
    }),
    observations: new DynamoDbObservationStore({
      client: documentClient,
      tableName: env.OBSERVATION_TABLE_NAME,
      retentionDays: env.OBSERVATION_RETENTION_DAYS,
    }),
    siteHealth: new DynamoDbSiteHealthStore(documentClient, env.TABLE_NAME),
    tripNotifier: new OrchestratorInvoker({
      client: lambdaClient,
      functionName: env.ORCHESTRATOR_FUNCTION_NAME,
      region,
      triggerName: functionName,
    }),
    metrics,
    logger,
    windowSeconds: env.PROBE_WINDOW_SECONDS,
  };
}
