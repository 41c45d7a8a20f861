import { incidentTableName, observationTableName } from '../../lib/carrier-failover-app';
import { deploymentNames } from '../../lib/cli/deployment-names';
import { failbackFunctionName, orchestratorFunctionName } from '../../lib/stacks/watchdog-stack';

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
