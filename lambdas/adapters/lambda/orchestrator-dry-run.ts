/**
 * Asks an orchestrator whether it could be invoked, without running it: Lambda's InvocationType
 * `DryRun` checks that the function exists and that the caller may invoke it, and answers 204.
 * The practice run uses it on the other regions' orchestrators, the CLI on every region's.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { CarrierFailoverError } from '../../contracts/errors';
import type { OrchestratorCheck } from '../../ports/practice';

/** A dry run did not answer 204. Retryable: a region may be back later. */
export class OrchestratorDryRunError extends CarrierFailoverError {
  readonly functionName: string;
  readonly region: string;

  constructor(region: string, functionName: string, message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: true });
    this.name = 'OrchestratorDryRunError';
    this.functionName = functionName;
    this.region = region;
  }
}

/** Invokes `functionName` with InvocationType DryRun; resolves on 204, throws OrchestratorDryRunError otherwise. */
export async function dryRunInvoke(
  client: LambdaClient,
  region: string,
  functionName: string,
): Promise<void> {
  let statusCode: number | undefined;
  try {
    statusCode = (
      await client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'DryRun' }))
    ).StatusCode;
  } catch (error) {
    throw new OrchestratorDryRunError(region, functionName, describeInvokeError(error, functionName), {
      cause: error,
    });
  }
  if (statusCode !== 204) {
    throw new OrchestratorDryRunError(
      region,
      functionName,
      `answered status ${statusCode ?? 'none'} to a dry run instead of 204`,
    );
  }
}

/** The practice check of one region's orchestrator. */
export function orchestratorDryRunCheck(
  client: LambdaClient,
  region: string,
  functionName: string,
): OrchestratorCheck {
  return { region, functionName, dryRun: () => dryRunInvoke(client, region, functionName) };
}

function describeInvokeError(error: unknown, functionName: string): string {
  const { name = 'Error', message = '' } = (error ?? {}) as { name?: string; message?: string };
  if (name === 'ResourceNotFoundException')
    return `${functionName} does not exist (${name}); deploy the region`;
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return `not allowed to invoke ${functionName} (${name}); grant lambda:InvokeFunction on it`;
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  return `${name}${typeof code === 'string' && code !== name ? ` ${code}` : ''}${message ? `: ${message.split('\n')[0]}` : ''}`;
}
