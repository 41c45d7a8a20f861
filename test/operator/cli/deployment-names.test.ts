import { deploymentNames } from '../../../lambdas/contracts/deployment-names';
import { incidentTableName, observationTableName } from '../../../lib/deploy/carrier-failover-app';
import { failbackFunctionName, orchestratorFunctionName } from '../../../lib/deploy/stacks/watchdog-stack';

describe('the names the CLI looks up', () => {
  it.each(['acme-voice', 'other-deployment'])(
    'are the names the stacks give %s’s tables and functions',
    (deployment) => {
      expect(deploymentNames.incidentTable(deployment)).toBe(incidentTableName(deployment));
      expect(deploymentNames.observationTable(deployment)).toBe(observationTableName(deployment));
      expect(deploymentNames.orchestratorFunction(deployment)).toBe(orchestratorFunctionName(deployment));
      expect(deploymentNames.failbackFunction(deployment)).toBe(failbackFunctionName(deployment));
    },
  );
});
