import { readFileSync } from 'node:fs';
import { type App, Tags } from 'aws-cdk-lib';
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

/** The incident table's physical name: fixed, because every region's functions find their replica by it. */
export function incidentTableName(deployment: string): string {
  return `${deployment}-incidents`;
}

/**
 * The observation table's physical name: fixed for the same reason. A table of its own because
 * observations expire by TTL, which the (strongly consistent) incident table cannot have.
 */
export function observationTableName(deployment: string): string {
  return `${deployment}-observations`;
}

/** Adds every stack of a deployment to the app, all from its config. */
export function addCarrierFailoverStacks(app: App, deployment: Deployment): CarrierFailoverStacks {
  const { config } = deployment;
  const env = (region: string) => ({ account: config.account, region });
  const tableName = incidentTableName(config.deployment);
  const observationsTableName = observationTableName(config.deployment);
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
