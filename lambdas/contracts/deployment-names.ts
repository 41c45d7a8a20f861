/**
 * The physical names the CLI looks up, derived from the deployment name exactly as the stacks
 * name them (lib/deploy/carrier-failover-app.ts `incidentTableName` / `observationTableName`,
 * lib/deploy/stacks/watchdog-stack.ts `orchestratorFunctionName` / `failbackFunctionName`). Repeated here
 * because importing those modules loads aws-cdk-lib, which alone takes longer than `config check` may;
 * test/cli/deployment-names.test.ts fails if the two ever differ.
 */
export const deploymentNames = {
  incidentTable: (deployment: string) => `${deployment}-incidents`,
  observationTable: (deployment: string) => `${deployment}-observations`,
  orchestratorFunction: (deployment: string) => `${deployment}-orchestrator`,
  failbackFunction: (deployment: string) => `${deployment}-failback`,
} as const;
