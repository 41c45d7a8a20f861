/**
 * The physical names derived from the deployment name, defined once: the stacks name the tables
 * and functions with them (lib/deploy/carrier-failover-app.ts, lib/deploy/stacks/watchdog-stack.ts),
 * and the CLI and the drill look them up with them. A contract, not CDK code, because importing the
 * stacks loads aws-cdk-lib, which alone takes longer than `config check` may.
 * test/operator/cli/deployment-names.test.ts checks the synthesized templates use exactly these.
 */
export const deploymentNames = {
  /** The incident table: fixed, because every region's functions find their replica by it. */
  incidentTable: (deployment: string) => `${deployment}-incidents`,
  /**
   * The observation table: fixed for the same reason. A table of its own because observations
   * expire by TTL, which the (strongly consistent) incident table cannot have.
   */
  observationTable: (deployment: string) => `${deployment}-observations`,
  /**
   * The orchestrator in every region: fixed, because the operator CLI, the probe and practice, and
   * the function itself (to continue a long run) must find it.
   */
  orchestratorFunction: (deployment: string) => `${deployment}-orchestrator`,
  /** The failback function in every region: fixed, because the operator CLI sends approvals to it. */
  failbackFunction: (deployment: string) => `${deployment}-failback`,
} as const;
