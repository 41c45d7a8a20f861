import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  dryRunInvoke,
  OrchestratorDryRunError,
  orchestratorDryRunCheck,
} from '../../../lambdas/adapters/lambda/orchestrator-dry-run';

describe('orchestrator dry run', () => {
  it('invokes with InvocationType DryRun and no payload, and accepts 204', async () => {
    const client = new LambdaClient({ region: 'us-west-2' });
    const lambda = mockClient(client);
    lambda.on(InvokeCommand).resolves({ StatusCode: 204 });

    await orchestratorDryRunCheck(client, 'us-west-2', 'acme-voice-orchestrator').dryRun();

    expect(lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'acme-voice-orchestrator', InvocationType: 'DryRun' },
    ]);
  });

  it.each([
    [
      Object.assign(new Error('Function not found'), { name: 'ResourceNotFoundException' }),
      'acme-voice-orchestrator does not exist (ResourceNotFoundException); deploy the region',
    ],
    [
      Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }),
      'not allowed to invoke acme-voice-orchestrator (AccessDeniedException); grant lambda:InvokeFunction on it',
    ],
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { name: 'Error', code: 'ECONNREFUSED' }),
      'Error ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1',
    ],
  ])('turns %p into a reason that says what to do', async (error, message) => {
    const client = new LambdaClient({ region: 'us-west-2' });
    mockClient(client).on(InvokeCommand).rejects(error);

    const attempt = dryRunInvoke(client, 'us-west-2', 'acme-voice-orchestrator');

    await expect(attempt).rejects.toThrow(OrchestratorDryRunError);
    await expect(dryRunInvoke(client, 'us-west-2', 'acme-voice-orchestrator')).rejects.toThrow(message);
  });

  it('refuses an answer other than 204', async () => {
    const client = new LambdaClient({ region: 'us-west-2' });
    mockClient(client).on(InvokeCommand).resolves({ StatusCode: 200 });

    await expect(dryRunInvoke(client, 'us-west-2', 'acme-voice-orchestrator')).rejects.toThrow(
      'answered status 200 to a dry run instead of 204',
    );
  });
});
