import { InvokeCommand } from '@aws-sdk/client-lambda';
import { readEnvironment } from '../contracts/environments/common-environment';
import { orchestratorEnvironmentSchema } from '../contracts/environments/orchestrator-environment';
import type { FailoverEvent } from '../contracts/events/orchestrator-event';
import { lambdaClient } from '../runtime/aws-clients';
import { createIncidentMetrics } from '../runtime/incident-metrics';
import { createLambdaIncidentWork } from './lambda-incident-dependencies';

// Module scope: built once per execution environment (Powertools' pattern).
const metrics = createIncidentMetrics();

/**
 * The orchestrator's dependencies in Lambda, built once per cold start: the incident work, its
 * metrics, and continuations as asynchronous invocations of itself (`functionName`).
 */
export function createLambdaOrchestratorDependencies(functionName: string) {
  return {
    ...createLambdaIncidentWork(readEnvironment(orchestratorEnvironmentSchema)),
    metrics,
    startContinuation: async (event: FailoverEvent): Promise<void> => {
      await lambdaClient.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: JSON.stringify(event),
        }),
      );
    },
  };
}
