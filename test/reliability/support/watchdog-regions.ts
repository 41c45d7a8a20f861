/**
 * Three watchdog regions on this machine, each running the real probe invocation, orchestrator and
 * failback handler code against its own "replica" of the incident table: its own DynamoDB client
 * through its own cuttable proxy to one dynalite (a global table whose replicas agree at once).
 * Cutting a region's proxy makes its replica unreachable; stopping its probe makes the region silent.
 * Time is a clock the test sets; a round of every running region is one call to `probeStep`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createCarrierDirectory } from '../../../lambdas/adapters/carriers/carrier-directory';
import { DynamoDbForwardingStateStore } from '../../../lambdas/adapters/dynamodb/forwarding-state-store';
import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb/incident-store';
import { DynamoDbObservationStore } from '../../../lambdas/adapters/dynamodb/observation-store';
import { DynamoDbRouteReadBackStore } from '../../../lambdas/adapters/dynamodb/route-read-back-store';
import { DynamoDbSiteHealthStore } from '../../../lambdas/adapters/dynamodb/site-health-store';
import { failoverEventForTrip } from '../../../lambdas/adapters/lambda/orchestrator-invoker';
import { RecordingNotifier } from '../../../lambdas/adapters/local/recording-notifier';
import { seededRandom } from '../../../lambdas/adapters/local/seeded-random';
import { probeSite } from '../../../lambdas/adapters/probes/probe-site';
import {
  type ProbeInvocationDependencies,
  type ProbeInvocationSummary,
  runProbeInvocation,
} from '../../../lambdas/composition/probe-invocation';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import type { Config, Site } from '../../../lambdas/contracts/config/schema';
import { type FailbackHandlerDependencies, handleFailbackEvent } from '../../../lambdas/handlers/failback';
import { handleOrchestratorEvent, type OrchestratorResult } from '../../../lambdas/handlers/orchestrator';
import type { Clock } from '../../../lambdas/ports/clock';
import type { DeploymentFiles } from '../../../lambdas/runtime/deployment-files';
import type { ProbeLogger } from '../../../lambdas/runtime/powertools';
import { silentMetrics } from '../../../lib/developer/drill/quiet-telemetry';
import { type LocalCarriers, startLocalCarriers } from '../../../lib/developer/far-side/local-carriers';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../../lib/developer/far-side/local-incident-table';
import { CuttableProxy } from './cuttable-proxy';

/** A clock the test sets; `sleep` moves it on (never back), so waits inside the code cost nothing. */
export class SteppedClock implements Clock {
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  async sleep(ms: number): Promise<void> {
    if (ms > 0) this.current += ms;
  }
  /** Moves to `at`, or stays where it is if a sleep already went past it. */
  moveTo(at: number): void {
    this.current = Math.max(this.current, at);
  }
}

/** A log line the probe wrote. */
export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  details: unknown[];
}

/** One watchdog region: its replica, stores, recorded alerts and log lines, and whether its probe runs. */
export interface WatchdogRegion {
  name: string;
  proxy: CuttableProxy;
  incidents: DynamoDbIncidentStore;
  numbers: DynamoDbForwardingStateStore;
  readBacks: DynamoDbRouteReadBackStore;
  siteHealth: DynamoDbSiteHealthStore;
  notifier: RecordingNotifier;
  log: LoggedLine[];
  /** Probe summaries, one per round this region ran. */
  rounds: ProbeInvocationSummary[];
  /** Orchestrator results of the trips this region announced. */
  orchestrations: OrchestratorResult[];
  /** False while the region's probe function does not run at all. */
  probing: boolean;
  failback(): FailbackHandlerDependencies;
  /** One probe round (the probe function's code), then the orchestrator runs its trips started. */
  runRound(): Promise<void>;
}

export interface WatchdogRegionsOptions {
  config: Config;
  plan: PlanEntry[];
  /** The primary site as probed (pointed at a local SIP responder). */
  site: Site;
  clock: SteppedClock;
  /** Detection settings to use instead of the config's. */
  detection?: Partial<Config['detection']>;
  failback?: Partial<Config['failback']>;
}

/** How one probe step runs. */
export interface ProbeStepOptions {
  /** Between the regions' rounds. @default 250 */
  spacingMs?: number;
  /** Called right before each region's round, with the round's time (e.g. to switch the site). */
  beforeRound?: (at: number) => Promise<void>;
}

/** The regions, the shared parts, and the steps a test drives. */
export interface WatchdogRegions {
  regions: WatchdogRegion[];
  region(name: string): WatchdogRegion;
  table: LocalIncidentTable;
  carriers: LocalCarriers;
  files: DeploymentFiles;
  /**
   * One probe round in every probing region, `spacingMs` apart starting at `at` and taking turns
   * going first, then waits for the orchestrator runs the round's trips started (Lambda's
   * asynchronous invoke, awaited so the test stays deterministic).
   */
  probeStep(at: number, step: number, options?: ProbeStepOptions): Promise<void>;
  /** Every region's failback function, scheduled once. */
  failbackTick(id: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts dynalite, one proxy and client set per watchdog region, and the carrier fakes. */
export async function startWatchdogRegions(options: WatchdogRegionsOptions): Promise<WatchdogRegions> {
  const { clock } = options;
  const table = await startLocalIncidentTable();
  const carriers = await startLocalCarriers(options.config, options.plan);
  const config: Config = {
    ...options.config,
    // The regions probe OPTIONS and HTTP here; a test call of the example would go to a host that
    // does not resolve (test calls have their own tests, test/handlers/probe.test.ts among them).
    sites: [{ ...options.site, calls: [] }],
    detection: { ...options.config.detection, ...options.detection },
    failback: { ...options.config.failback, ...options.failback },
    carriers: Object.fromEntries(
      Object.entries(carriers.carriers).map(([name, carrier]) => [
        name,
        { ...carrier, rateLimitPerSecond: 500 },
      ]),
    ) as Config['carriers'],
  };
  const files: DeploymentFiles = { config, plan: options.plan };
  const metrics = silentMetrics();
  let invocation = 0;
  const context = (region: string) => ({
    awsRequestId: `${region}-${++invocation}`,
    getRemainingTimeInMillis: () => 5 * 60_000,
  });
  const clients: DynamoDBClient[] = [];
  const regions: WatchdogRegion[] = [];
  for (const [index, name] of config.watchdogRegions.entries()) {
    const proxy = await CuttableProxy.start(table.endpoint);
    // One attempt: an unreachable replica fails the call at once instead of after SDK backoff.
    const client = new DynamoDBClient({
      endpoint: proxy.endpoint,
      region: name,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    clients.push(client);
    const documentClient = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    const pending: Promise<void>[] = [];
    const region: WatchdogRegion = {
      name,
      proxy,
      incidents: new DynamoDbIncidentStore(documentClient, table.tableName),
      numbers: new DynamoDbForwardingStateStore(documentClient, table.tableName, { now: () => clock.now() }),
      readBacks: new DynamoDbRouteReadBackStore(documentClient, table.tableName),
      siteHealth: new DynamoDbSiteHealthStore(documentClient, table.tableName),
      notifier: new RecordingNotifier(clock),
      log: [],
      rounds: [],
      orchestrations: [],
      probing: true,
      failback: () => ({ ...work(), siteHealth: region.siteHealth }),
      runRound: async () => {
        region.rounds.push(
          await runProbeInvocation(probeDeps, clock.now() + config.detection.probeTimeoutMs),
        );
        await Promise.all(pending.splice(0));
      },
    };
    const work = () => ({
      files,
      incidents: region.incidents,
      numbers: region.numbers,
      readBacks: region.readBacks,
      notifier: region.notifier,
      carriers: () =>
        createCarrierDirectory(config.carriers, carriers.credentialSource, { pollIntervalMs: 5 }),
      clock,
      random: seededRandom(1000 + index),
      region: name,
    });
    regions.push(region);
    const logger: ProbeLogger = Object.fromEntries(
      (['debug', 'info', 'warn', 'error'] as const).map((level) => [
        level,
        (message: string, ...details: unknown[]) => {
          region.log.push({ level, message, details });
        },
      ]),
    ) as unknown as ProbeLogger;
    const probeDeps: ProbeInvocationDependencies = {
      deployment: config.deployment,
      sites: config.sites,
      settings: config.detection,
      region: name,
      regions: config.watchdogRegions,
      clock,
      probeSite: (site, round) => probeSite(site, round, { timeoutMs: config.detection.probeTimeoutMs }),
      observations: new DynamoDbObservationStore({
        client: documentClient,
        tableName: table.observationTableName,
        sleep: (ms) => clock.sleep(ms),
      }),
      siteHealth: region.siteHealth,
      tripNotifier: {
        // As Lambda's asynchronous invoke: queued at once, run by the region's orchestrator.
        notifyTrip: async (trip) => {
          const event = failoverEventForTrip(trip, { region: name, name: `${name}-probe` });
          pending.push(
            handleOrchestratorEvent(event, context(name), {
              ...work(),
              startContinuation: async () => undefined,
            }).then((result) => {
              region.orchestrations.push(result);
            }),
          );
        },
      },
      metrics,
      logger,
    };
  }
  const byName = (name: string) => {
    const found = regions.find((region) => region.name === name);
    if (!found) throw new Error(`no region ${name}`);
    return found;
  };
  return {
    regions,
    region: byName,
    table,
    carriers,
    files,
    probeStep: async (at, step, { spacingMs = 250, beforeRound } = {}) => {
      for (let k = 0; k < regions.length; k++) {
        const index = (step + k) % regions.length;
        const region = regions[index];
        if (!region.probing) continue;
        clock.moveTo(at + index * spacingMs);
        await beforeRound?.(clock.now());
        await region.runRound();
      }
    },
    failbackTick: async (id) => {
      for (const region of regions) {
        if (region.proxy.isCut) continue;
        await handleFailbackEvent({ action: 'tick' }, context(`${region.name}-${id}`), region.failback());
      }
    },
    stop: async () => {
      for (const client of clients) client.destroy();
      for (const region of regions) await region.proxy.stop();
      await carriers.stop();
      await table.stop();
    },
  };
}
