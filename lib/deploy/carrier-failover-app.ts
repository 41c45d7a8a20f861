import { readFileSync } from 'node:fs';
import { type App, Tags } from 'aws-cdk-lib';
import { deploymentNames } from '../../lambdas/contracts/deployment-names';
import type { Deployment } from '../config/load-config';
import { DeploymentFilesDirectory } from './constructs/watchdog-function';
import { DnsStack } from './stacks/dns-stack';
import { IncidentLogStack } from './stacks/incident-log-stack';
import { WatchdogStack } from './stacks/watchdog-stack';

/** The stacks of one deployment. */
export interface CarrierFailoverStacks {
  incidentLog: IncidentLogStack;
  watchdogs: WatchdogStack[];
  dns?: DnsStack;
}

/** Stack names carry the deployment name, so two deployments can live in one account. */
export const stackNames = {
  incidentLog: (deployment: string) => `${deployment}-incident-log`,
  watchdog: (deployment: string, region: string) => `${deployment}-watchdog-${region}`,
  dns: (deployment: string) => `${deployment}-dns`,
};

/** Adds every stack of a deployment to the app, all from its config. */
export function addCarrierFailoverStacks(app: App, deployment: Deployment): CarrierFailoverStacks {
  const { config } = deployment;
  const env = (region: string) => ({ account: config.account, region });
  const tableName = deploymentNames.incidentTable(config.deployment);
  const observationsTableName = deploymentNames.observationTable(config.deployment);
  const deploymentFiles = new DeploymentFilesDirectory(config, readFileSync(deployment.planPath, 'utf8'));

  const incidentLog = new IncidentLogStack(app, stackNames.incidentLog(config.deployment), {
    env: env(config.homeRegion),
    description: `carrier-failover ${config.deployment}: incident log (global table)`,
    tableName,
    observationTableName: observationsTableName,
    regions: config.watchdogRegions,
  });
  const watchdogs = config.watchdogRegions.map((region) => {
    const stack = new WatchdogStack(app, stackNames.watchdog(config.deployment, region), {
      env: env(region),
      description: `carrier-failover ${config.deployment}: watchdog in ${region}`,
      config,
      tableName,
      observationTableName: observationsTableName,
      deploymentFiles,
    });
    // The replicas in this region must exist before this region's functions use them.
    stack.addStackDependency(incidentLog);
    return stack;
  });
  const dnsConfig = config.dns;
  const dns = dnsConfig
    ? new DnsStack(app, stackNames.dns(config.deployment), {
        env: env(config.homeRegion),
        description: `carrier-failover ${config.deployment}: Route 53 health checks and failover records`,
        config: { ...config, dns: dnsConfig },
      })
    : undefined;
  // The site health checks watch the watchdog stacks' alarms, which must exist first.
  for (const watchdog of watchdogs) dns?.addStackDependency(watchdog);
  Tags.of(app).add('carrier-failover:deployment', config.deployment);
  return { incidentLog, watchdogs, dns };
}
