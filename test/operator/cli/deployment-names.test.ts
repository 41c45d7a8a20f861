import { deploymentNames } from '../../../lambdas/contracts/deployment-names';
import { exampleConfigObject, writeDeploymentFiles } from '../../support/config-files';
import { buildApp, templateOf } from '../../support/example-app';

/** The physical names the CLI and the drill look up are the ones the synthesized templates give. */
describe('the names the CLI looks up', () => {
  const deployment = 'other-deployment';
  const config = exampleConfigObject();
  config.deployment = deployment;
  const { stacks } = buildApp(writeDeploymentFiles(config));
  const names = {
    incidentTable: deploymentNames.incidentTable(deployment),
    observationTable: deploymentNames.observationTable(deployment),
    orchestratorFunction: deploymentNames.orchestratorFunction(deployment),
    failbackFunction: deploymentNames.failbackFunction(deployment),
  };

  it('are the names of the global tables', () => {
    const tables = Object.values(templateOf(stacks.incidentLog).findResources('AWS::DynamoDB::GlobalTable'));
    expect(tables.map((table) => table.Properties.TableName).sort()).toEqual(
      [names.incidentTable, names.observationTable].sort(),
    );
  });

  it.each(stacks.watchdogs.map((stack) => [stack.region, stack] as const))(
    'are the names the %s watchdog gives its fixed-name functions and passes in their environments',
    (_region, stack) => {
      const functions = Object.values(templateOf(stack).findResources('AWS::Lambda::Function')).map(
        (resource) => resource.Properties,
      );
      const fixedNames = functions.flatMap((fn) => (fn.FunctionName === undefined ? [] : [fn.FunctionName]));
      expect(fixedNames.sort()).toEqual([names.failbackFunction, names.orchestratorFunction].sort());

      const variables = functions.map((fn) => fn.Environment?.Variables ?? {});
      expect(variables.map((vars) => vars.TABLE_NAME)).toEqual(variables.map(() => names.incidentTable));
      for (const vars of variables) {
        if ('OBSERVATION_TABLE_NAME' in vars)
          expect(vars.OBSERVATION_TABLE_NAME).toBe(names.observationTable);
        if ('ORCHESTRATOR_FUNCTION_NAME' in vars) {
          expect(vars.ORCHESTRATOR_FUNCTION_NAME).toBe(names.orchestratorFunction);
        }
      }
    },
  );
});
