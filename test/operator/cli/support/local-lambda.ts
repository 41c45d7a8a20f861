/**
 * A tiny local emulation of the Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`)
 * for CLI processes pointed at it with AWS_ENDPOINT_URL_LAMBDA. It records every invocation (the
 * function, the InvocationType header, the JSON payload, the signed region) and answers 202 to
 * `Event` invokes, 204 to `DryRun` invokes and, to `RequestResponse`, whatever the test's responder
 * returns. GetFunctionConfiguration (`GET .../functions/{name}/configuration`) answers the
 * environment set with `setEnvironment`. Requests signed for a region in `unreachableRegions` get
 * their connection dropped, as a region that does not answer.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One recorded invoke. */
export interface RecordedInvocation {
  functionName: string;
  invocationType: string;
  /** The region in the request's SigV4 credential scope. */
  region: string;
  payload: unknown;
}

/** A synchronous invoke's answer: the function's result, or its error (X-Amz-Function-Error). */
export type LambdaAnswer =
  | { result: unknown }
  | { functionError: { errorType: string; errorMessage: string } };

export interface LocalLambda {
  endpoint: string;
  invocations: RecordedInvocation[];
  /** Sets the answer to RequestResponse invokes. */
  respondWith(responder: (invocation: RecordedInvocation) => LambdaAnswer): void;
  /** The environment variables GetFunctionConfiguration returns for `functionName` in `region`. */
  setEnvironment(functionName: string, region: string, variables: Record<string, string>): void;
  /** Regions whose requests get no answer (the connection is dropped). */
  unreachableRegions: Set<string>;
  stop(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const CONFIGURATION_PATH = /^\/2015-03-31\/functions\/([^/]+)\/configuration$/;

/** Starts the emulator on a free loopback port. */
export async function startLocalLambda(): Promise<LocalLambda> {
  const invocations: RecordedInvocation[] = [];
  let responder: (invocation: RecordedInvocation) => LambdaAnswer = () => ({ result: null });
  const environments = new Map<string, Record<string, string>>();
  const unreachableRegions = new Set<string>();
  const server: Server = createServer(async (request, response) => {
    const path = (request.url ?? '').split('?')[0];
    const signedRegion =
      /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(request.headers.authorization))?.[1] ?? '';
    if (unreachableRegions.has(signedRegion)) {
      request.socket.destroy();
      return;
    }
    const configuration = CONFIGURATION_PATH.exec(path);
    if (request.method === 'GET' && configuration) {
      const functionName = decodeURIComponent(configuration[1]);
      const variables = environments.get(`${functionName}@${signedRegion}`);
      if (!variables) {
        response.writeHead(404, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'ResourceNotFoundException',
        });
        response.end(JSON.stringify({ Type: 'User', message: `Function not found: ${functionName}` }));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'local-request' });
      response.end(JSON.stringify({ FunctionName: functionName, Environment: { Variables: variables } }));
      return;
    }
    const match = INVOKE_PATH.exec(path);
    if (request.method !== 'POST' || !match) {
      response.writeHead(404, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'ResourceNotFoundException',
      });
      response.end(
        JSON.stringify({ Type: 'User', message: `no route for ${request.method} ${request.url}` }),
      );
      return;
    }
    const body = await readBody(request);
    const invocation: RecordedInvocation = {
      functionName: decodeURIComponent(match[1]),
      invocationType: String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse'),
      region: signedRegion,
      payload: body === '' ? undefined : JSON.parse(body),
    };
    invocations.push(invocation);
    if (invocation.invocationType === 'DryRun') {
      response.writeHead(204, { 'x-amzn-requestid': 'local-request' });
      response.end();
      return;
    }
    if (invocation.invocationType === 'Event') {
      response.writeHead(202, { 'content-type': 'application/json', 'x-amzn-requestid': 'local-request' });
      response.end();
      return;
    }
    const answer = responder(invocation);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-amzn-requestid': 'local-request',
      'x-amz-executed-version': '$LATEST',
    };
    if ('functionError' in answer) headers['x-amz-function-error'] = 'Unhandled';
    response.writeHead(200, headers);
    response.end(JSON.stringify('functionError' in answer ? answer.functionError : answer.result));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    invocations,
    respondWith: (next) => {
      responder = next;
    },
    setEnvironment: (functionName, region, variables) => {
      environments.set(`${functionName}@${region}`, variables);
    },
    unreachableRegions,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
