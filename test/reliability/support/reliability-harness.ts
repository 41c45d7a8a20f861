/**
 * What the reliability tests share: the real orchestrator and failback handlers wired to dynalite,
 * the spec-checking carrier fakes of every configured carrier, a recording notifier, and a site
 * health store the test controls. Each test builds its own harness, so no state crosses tests.
 */
import { isDeepStrictEqual } from 'node:util';
import { createCarrierDirectory } from '../../../lambdas/adapters/carriers/carrier-directory';
import { DynamoDbForwardingStateStore } from '../../../lambdas/adapters/dynamodb/forwarding-state-store';
import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb/incident-store';
import { DynamoDbRouteReadBackStore } from '../../../lambdas/adapters/dynamodb/route-read-back-store';
import { RecordingNotifier } from '../../../lambdas/adapters/local/recording-notifier';
import { seededRandom } from '../../../lambdas/adapters/local/seeded-random';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import type { Config } from '../../../lambdas/contracts/config/schema';
import type { FailoverEvent } from '../../../lambdas/contracts/events/orchestrator-event';
import type { FailbackHandlerDependencies } from '../../../lambdas/handlers/failback';
import type { OrchestratorDependencies } from '../../../lambdas/handlers/orchestrator';
import type { CarrierDirectory } from '../../../lambdas/ports/carriers';
import type { Clock } from '../../../lambdas/ports/clock';
import type { SiteHealthState, SiteHealthStore, StoredSiteHealth } from '../../../lambdas/ports/detection';
import type { DeploymentFiles } from '../../../lambdas/runtime/deployment-files';
import type { FakeCarrierOptions } from '../../../lib/developer/carrier-fakes/fake-carrier-server';
import { type LocalCarriers, startLocalCarriers } from '../../../lib/developer/far-side/local-carriers';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../../lib/developer/far-side/local-incident-table';

/** Options of {@link startHarness}. */
export interface HarnessOptions {
  config: Config;
  plan: PlanEntry[];
  clock: Clock;
  /** Faults and latency of every carrier fake. @default none */
  fakes?: FakeCarrierOptions;
  /** Per-call timeout of the adapters; keep it under the fakes' `slowMs`. @default 5000 */
  carrierTimeoutMs?: number;
  /** Failback settings to use instead of the config's. */
  failback?: Partial<Config['failback']>;
  /** Wraps the carrier directory (e.g. to pause or fail a call). @default as built */
  wrapCarriers?: (directory: CarrierDirectory) => CarrierDirectory;
}

/** The running parts, and the handlers' dependencies for any region. */
export interface Harness {
  table: LocalIncidentTable;
  carriers: LocalCarriers;
  notifier: RecordingNotifier;
  incidents: DynamoDbIncidentStore;
  numbers: DynamoDbForwardingStateStore;
  files: DeploymentFiles;
  /** What the test says the probes decided; every region reads the same. */
  siteHealth: ControlledSiteHealth;
  /** The routing every plan number had at its carrier before anything ran. */
  preOutage: Map<string, unknown>;
  /** The number's routing at its carrier now, in the fake's own shape. */
  routingOf(number: string): unknown;
  /** Plan numbers whose routing is not the pre-outage one. */
  numbersAway(): string[];
  orchestrator(region: string, continuations?: FailoverEvent[]): OrchestratorDependencies;
  failback(region: string): FailbackHandlerDependencies;
  stop(): Promise<void>;
}

/** Starts dynalite and the carrier fakes, seeded with the plan's numbers. */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const table = await startLocalIncidentTable();
  const carriers = await startLocalCarriers(options.config, options.plan, options.fakes);
  const carrierOf = new Map(options.plan.map((entry) => [entry.number, entry.carrier]));
  const routingOf = (number: string): unknown => {
    const fake = carriers.fakes[carrierOf.get(number)!];
    return fake?.routingOf(number);
  };
  const preOutage = new Map(options.plan.map((entry) => [entry.number, routingOf(entry.number)]));
  // Loopback fakes answer fast: lift the production rate limits so a test takes moments.
  const fastCarriers = Object.fromEntries(
    Object.entries(carriers.carriers).map(([name, carrier]) => [
      name,
      { ...carrier, rateLimitPerSecond: 500 },
    ]),
  ) as Config['carriers'];
  const files: DeploymentFiles = {
    config: {
      ...options.config,
      carriers: fastCarriers,
      failback: { ...options.config.failback, ...options.failback },
    },
    plan: options.plan,
  };
  const notifier = new RecordingNotifier(options.clock);
  const incidents = new DynamoDbIncidentStore(table.documentClient, table.tableName);
  const numbers = new DynamoDbForwardingStateStore(table.documentClient, table.tableName, {
    now: () => options.clock.now(),
  });
  const siteHealth = new ControlledSiteHealth(options.clock, options.config.watchdogRegions);
  const wrap = options.wrapCarriers ?? ((directory) => directory);
  const common = (region: string) => ({
    files,
    incidents,
    numbers,
    readBacks: new DynamoDbRouteReadBackStore(table.documentClient, table.tableName),
    notifier,
    carriers: async () =>
      wrap(
        await createCarrierDirectory(files.config.carriers, carriers.credentialSource, {
          timeoutMs: options.carrierTimeoutMs,
          pollIntervalMs: 5,
        }),
      ),
    clock: options.clock,
    // Seeded per region: jitter is repeatable.
    random: seededRandom(region.length * 7919 + region.charCodeAt(region.length - 1)),
    region,
  });
  return {
    table,
    carriers,
    notifier,
    incidents,
    numbers,
    files,
    siteHealth,
    preOutage,
    routingOf,
    numbersAway: () =>
      options.plan
        .filter((entry) => !isDeepStrictEqual(routingOf(entry.number), preOutage.get(entry.number)))
        .map((entry) => entry.number),
    orchestrator: (region, continuations = []) => ({
      ...common(region),
      startContinuation: async (event) => {
        continuations.push(event);
      },
    }),
    failback: (region) => ({ ...common(region), siteHealth }),
    stop: async () => {
      await carriers.stop();
      await table.stop();
    },
  };
}

/**
 * The probes' quorum decision as the failback function reads it, set by the test: `up` (every region
 * fresh and passing, so failback may go on) or `down`. Fresh at whatever time it is read.
 */
export class ControlledSiteHealth implements SiteHealthStore {
  status: 'up' | 'down' = 'down';

  constructor(
    private readonly clock: Clock,
    private readonly regions: readonly string[],
  ) {}

  async get(siteId: string): Promise<StoredSiteHealth> {
    const now = this.clock.now();
    const ok = this.status === 'up';
    const state: SiteHealthState = {
      siteId,
      status: this.status,
      processedUpTo: now,
      regions: Object.fromEntries(
        this.regions.map((region) => [
          region,
          {
            lastRoundAt: now,
            lastRoundOk: ok,
            consecutiveFailures: ok ? 0 : 3,
            failureRunStartedAt: ok ? null : now - 30_000,
            lastReason: ok ? 'SIP 200 OK' : 'SIP OPTIONS timeout after 2000 ms',
          },
        ]),
      ),
      outage: null,
      healthySince: null,
    };
    return { state, unannounced: [], version: 1 };
  }

  async put(): Promise<number> {
    throw new Error('the failback function never writes site health');
  }
}

/** A Lambda context with a fixed remaining time. */
export function lambdaContext(requestId: string, remainingMs = 15 * 60_000) {
  return { awsRequestId: requestId, getRemainingTimeInMillis: () => remainingMs };
}

/** The failover event a probe in `region` sends when the quorum trips. */
export function probeFailoverEvent(
  region: string,
  outageStartedAt: number,
  overrides: Partial<FailoverEvent> = {},
): FailoverEvent {
  return {
    action: 'failover',
    siteId: 'phx-primary',
    outageStartedAt,
    detectedAt: outageStartedAt + 31_000,
    regions: ['us-east-1', 'us-east-2'],
    trigger: { type: 'probe', region },
    failureKind: 'site-unreachable',
    reason: 'SIP OPTIONS timeout after 2000 ms from us-east-1, us-east-2',
    ...overrides,
  };
}

/** Everything the process wrote to stdout and stderr while captured (Powertools logs there). */
export interface CapturedOutput {
  text(): string;
  restore(): void;
}

/** Captures (and silences) stdout and stderr until `restore()`. */
export function captureOutput(): CapturedOutput {
  const chunks: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }),
  );
  return {
    text: () => chunks.join(''),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
