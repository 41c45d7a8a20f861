/**
 * Worker-thread entry: the far side of the drill and of the forwarding bench, i.e. the incident
 * table (dynalite) and the carrier fakes. In production both are other machines; on the handlers'
 * (or the engine's) event loop they would bill their CPU to the failover and, with thousands of
 * numbers, the drill or the bench would measure dynalite and the fakes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CallWatch } from './call-watch';
import type { FarSideAnswer, FarSideMessage, FarSideOptions, FarSideRequest } from './far-side-protocol';
import { countForwardedAtFake } from './forwarded-at-fake';
import { type LocalCarriers, startLocalCarriers } from './local-carriers';
import { startIncidentTableServer } from './local-incident-table';
import { changedSinceBaseline, type RoutingBaseline, takeRoutingBaseline } from './routing-baseline';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const options = workerData as FarSideOptions;
const port = parentPort;
if (!port) throw new Error('far-side-worker.ts runs only as a worker thread');

function post(message: FarSideMessage): void {
  port?.postMessage(message);
}

let watch: CallWatch | undefined;
let homeWatch: CallWatch | undefined;
let baseline: RoutingBaseline | undefined;

function answer(carriers: LocalCarriers, request: FarSideRequest): FarSideAnswer {
  switch (request.type) {
    case 'watch-calls': {
      watch?.stop();
      const entries = options.plan.filter((entry) => entry.siteId === request.siteId);
      const isUp = (target: string) => !request.down.some((down) => target.includes(down));
      const reachesLiveTarget = (entry: (typeof entries)[number]) =>
        carriers.routeCall(entry.number, entry.carrier, isUp).reached !== null;
      watch = new CallWatch(carriers, entries, reachesLiveTarget, request.diedAt);
      return watch.report();
    }
    case 'watch-home': {
      if (!baseline) throw new Error('far side: no routing baseline taken');
      const before = baseline;
      homeWatch?.stop();
      const entries = options.plan.filter((entry) => entry.siteId === request.siteId);
      const home = (entry: (typeof entries)[number]) =>
        carriers.routeCall(entry.number, entry.carrier, () => true).reached ===
        before.get(entry.number)?.reached;
      homeWatch = new CallWatch(carriers, entries, home, request.revivedAt);
      return homeWatch.report();
    }
    case 'calls-report': {
      const chosen = request.home ? homeWatch : watch;
      if (!chosen) throw new Error('far side: no call watch started');
      return chosen.report();
    }
    case 'routing-baseline':
      baseline = takeRoutingBaseline(carriers, options.plan);
      return options.plan.length;
    case 'routing-changed':
      if (!baseline) throw new Error('far side: no routing baseline taken');
      return changedSinceBaseline(carriers, options.plan, baseline);
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
      watch?.stop();
      homeWatch?.stop();
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
