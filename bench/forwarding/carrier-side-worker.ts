/**
 * Worker-thread entry: the far side of a forwarding benchmark, i.e. the carrier fake and dynalite.
 * In production both are other machines; run on the engine's own event loop they would bill their
 * CPU to the engine and the benchmark would measure the harness, not the engine.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BandwidthFake } from '../../lib/developer/carrier-fakes/bandwidth-fake';
import type { FakeCarrierServer } from '../../lib/developer/carrier-fakes/fake-carrier-server';
import { TelnyxFake } from '../../lib/developer/carrier-fakes/telnyx-fake';
import { startLocalIncidentTable } from '../../lib/developer/drill/local-incident-table';
import type {
  CarrierSideCommand,
  CarrierSideEvent,
  CarrierSideOptions,
  CarrierSideReport,
} from './carrier-side-protocol';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const options = workerData as CarrierSideOptions;
const port = parentPort;
if (!port) throw new Error('carrier-side-worker.ts runs only as a worker thread');

function post(event: CarrierSideEvent): void {
  port?.postMessage(event);
}

/** The fake, with a reader of "is this number forwarded to the destination" in its own terms. */
function startFake(): {
  fake: FakeCarrierServer;
  isForwarded: (number: string) => boolean;
  credentials: Record<string, string>;
} {
  const fakeOptions = {
    rateLimitPerSecond: options.rateLimitPerSecond,
    latencyMs: options.latencyMs,
    seed: options.seed,
  };
  if (options.carrier === 'telnyx') {
    const fake = new TelnyxFake(fakeOptions);
    fake.seedNumbers(options.numbers.map((phoneNumber) => ({ phoneNumber })));
    return {
      fake,
      credentials: { apiKey: fake.apiKey },
      isForwarded: (number) => {
        const forwarding = fake.routingOf(number)?.call_forwarding;
        return (
          forwarding?.call_forwarding_enabled === true &&
          forwarding.forwards_to === options.destination &&
          forwarding.forwarding_type === 'always'
        );
      },
    };
  }
  const fake = new BandwidthFake(fakeOptions);
  fake.seedNumbers(options.numbers.map((phoneNumber) => ({ phoneNumber })));
  const tenDigits = options.destination.replace(/^\+1/, '');
  return {
    fake,
    credentials: { accountId: fake.accountId, username: fake.username, password: fake.password },
    isForwarded: (number) => fake.routingOf(number)?.callForward === tenDigits,
  };
}

function reportOf(fake: FakeCarrierServer, isForwarded: (number: string) => boolean): CarrierSideReport {
  const byOperation: Record<string, number> = {};
  const writes = new Map<string, number>();
  let rateLimited = 0;
  for (const entry of fake.requests) {
    const operation = entry.operation ?? (entry.status === 429 ? 'rate-limited' : 'unmatched');
    byOperation[operation] = (byOperation[operation] ?? 0) + 1;
    if (entry.status === 429) rateLimited += 1;
    for (const number of entry.applied) writes.set(number, (writes.get(number) ?? 0) + 1);
  }
  return {
    requests: fake.requests.length,
    byOperation,
    rateLimited,
    violations: fake.violations.length,
    numbersWritten: writes.size,
    appliedTwice: [...writes.values()].filter((count) => count > 1).length,
    forwardedAtCarrier: options.numbers.filter(isForwarded).length,
  };
}

async function main(): Promise<void> {
  const table = await startLocalIncidentTable();
  const { fake, isForwarded, credentials } = startFake();
  await fake.start();
  port?.on('message', (command: CarrierSideCommand) => {
    if (command.type === 'report') {
      post({ type: 'report', report: reportOf(fake, isForwarded) });
      return;
    }
    void Promise.all([fake.stop(), table.stop()]).then(() => {
      post({ type: 'stopped' });
      port?.close();
    });
  });
  post({
    type: 'ready',
    endpoints: {
      tableEndpoint: table.endpoint,
      tableName: table.tableName,
      baseUrl: fake.baseUrl,
      credentials,
    },
  });
}

main().catch((error: unknown) =>
  post({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
);
