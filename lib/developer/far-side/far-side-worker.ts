/**
 * Worker-thread entry: the far side of the drill and of the forwarding bench, i.e. the incident
 * table (dynalite) and the carrier fakes. In production both are other machines; on the handlers'
 * (or the engine's) event loop they would bill their CPU to the failover and, with thousands of
 * numbers, the drill or the bench would measure dynalite and the fakes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FarSideAnswer, FarSideMessage, FarSideOptions, FarSideRequest } from './far-side-protocol';
import { countForwardedAtFake } from './forwarded-at-fake';
import { type LocalCarriers, startLocalCarriers } from './local-carriers';
import { startIncidentTableServer } from './local-incident-table';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const options = workerData as FarSideOptions;
const port = parentPort;
if (!port) throw new Error('far-side-worker.ts runs only as a worker thread');

function post(message: FarSideMessage): void {
  port?.postMessage(message);
}

function answer(carriers: LocalCarriers, request: FarSideRequest): FarSideAnswer {
  switch (request.type) {
    case 'progress':
      return { numbersChanged: carriers.numbersChanged(), byCarrier: carriers.numbersChangedByCarrier() };
    case 'tally':
      return {
        writeCounts: carriers.writeCounts(),
        requests: carriers.requestCount(),
        rateLimited: carriers.rateLimitedCount(),
        requestsByOperation: carriers.requestCountByOperation(),
        violations: carriers.violations().length,
      };
    case 'writes-of':
      return Object.fromEntries(request.numbers.map((number) => [number, carriers.writesOf(number)]));
    case 'forwarded-at-fake':
      return countForwardedAtFake(carriers.fakes, options.plan, request.carrier, request.destination);
    default:
      throw new Error(`far side: no answer to "${request.type}"`);
  }
}

async function main(): Promise<void> {
  const table = await startIncidentTableServer(options.tableName, options.observationTableName);
  const carriers = await startLocalCarriers(options.config, options.plan, options.fakes);
  port?.on('message', (request: FarSideRequest) => {
    if (request.type === 'stop') {
      void Promise.all([carriers.stop(), table.stop()]).then(() => {
        post({ type: 'answer', id: request.id, value: null });
        port?.close();
      });
      return;
    }
    try {
      post({ type: 'answer', id: request.id, value: answer(carriers, request) });
    } catch (error) {
      post({ type: 'error', id: request.id, message: (error as Error).message });
    }
  });
  post({
    type: 'ready',
    endpoints: {
      tableEndpoint: table.endpoint,
      carriers: carriers.carriers,
      credentialEnvironment: carriers.credentialEnvironment,
    },
  });
}

main().catch((error: unknown) =>
  post({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
);
