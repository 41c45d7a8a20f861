/**
 * One scale run on the virtual clock: the example deployment with its primary site's carriers in one
 * mode family, a plan of N numbers spread evenly over the four carriers, the routes armed and the
 * routing baseline taken ahead (as `arm` does), then the site killed; the three regions' real probe
 * cycles decide the trip, each tripping region starts its orchestrator with the failover event its
 * probe would send, and continuations are followed until every run has ended. The figures are then
 * read from the fakes (scale-figures.ts).
 */
import { DynamoDbIncidentStore } from '../../lambdas/adapters/dynamodb/incident-store';
import { DynamoDbRouteReadBackStore } from '../../lambdas/adapters/dynamodb/route-read-back-store';
import { DynamoDbRoutingBaselineStore } from '../../lambdas/adapters/dynamodb/routing-baseline-store';
import { RecordingNotifier } from '../../lambdas/adapters/local/recording-notifier';
import { seededRandom } from '../../lambdas/adapters/local/seeded-random';
import { refreshRoutingBaseline } from '../../lambdas/composition/routing-baseline-refresh';
import {
  CARRIER_NAMES,
  type CarrierName,
  DEFAULT_RATE_LIMITS,
} from '../../lambdas/contracts/config/config-constants';
import type { PlanEntry } from '../../lambdas/contracts/config/plan-entry';
import type { Config } from '../../lambdas/contracts/config/schema';
import {
  failoverModeOf,
  nativeFailoverSecondsOf,
  primarySipUriOf,
  slowModeOf,
} from '../../lambdas/contracts/config/site-routes';
import type { FailoverEvent } from '../../lambdas/contracts/events/orchestrator-event';
import { outageIncidentId } from '../../lambdas/domain/orchestration/run-failover';
import { handleOrchestratorEvent, type OrchestratorDependencies } from '../../lambdas/handlers/orchestrator';
import type { CarrierDirectory } from '../../lambdas/ports/carriers';
import type { RoutingBaselineStore } from '../../lambdas/ports/routing-baseline';
import { armDrillRoutes } from '../../lib/developer/drill/drill-routes';
import { generatePlan } from '../../lib/developer/drill/generated-plan';
import { type ModeFamily, planOfFamily, withModeFamily } from './mode-families';
import { ModelledStateStore } from './modelled-state-store';
import { carrierRow, type ScaleRow } from './scale-figures';
import { startScaleWorld } from './scale-world';
import { VirtualClock } from './virtual-clock';
import { runVirtualDetection } from './virtual-detection';

/** Virtual start: a probe-interval boundary, like the harness's T0. */
const T0 = Date.UTC(2026, 11, 2, 10, 0, 0);
/** A Lambda function's longest run: the orchestrator continues itself before it. */
const LAMBDA_TIMEOUT_MS = 15 * 60_000;
/** Healthy probe rounds before the kill, and where in its interval the kill lands. */
const WARMUP_ROUNDS = 3;
const KILL_PHASE = 0.5;
/** How long the probe invocations go on after the kill (the trip comes well before). */
const PROBING_AFTER_KILL_MS = 3 * 60_000;

/** One run's setup. */
export interface ScaleRunOptions {
  /** The example deployment (detection settings, rate limits, sites). */
  example: Config;
  numbers: number;
  family: ModeFamily;
  /** The example's rate limits times this. */
  rateFactor: number;
  /** Share of carrier requests (0-1) answered with a random fault (scale-world.ts). @default 0 */
  carrierFaultRate?: number;
  seed: number;
  log(message: string): void;
}

/** One run's outcome. */
export interface ScaleRunResult {
  family: ModeFamily;
  numbers: number;
  rateFactor: number;
  carrierFaultRate: number;
  rows: ScaleRow[];
  /** Kill to the first region's trip, ms (virtual). */
  detectedAfterMs: number | null;
  /** Kill to the end of the last orchestrator run, ms (virtual). */
  failoverEndedAfterMs: number;
  /** Orchestrator invocations, continuations included, and how each ended. */
  invocations: string[];
  incidentStatus: string;
  /** Real seconds the run took, setup included. */
  wallSeconds: number;
  violations: number;
  /** Why numbers ended lost, as their forwarding rows say (the first few). */
  lostWhy: string[];
}

/** Lost numbers whose row the run report quotes. */
const LOST_QUOTED = 5;

/** Runs one scale run; see the module comment. */
export async function runScale(options: ScaleRunOptions): Promise<ScaleRunResult> {
  const started = performance.now();
  const config = withModeFamily(options.example, options.family);
  // The modelled probes answer OPTIONS and HTTP only: no test call is placed, so none may lengthen
  // the rounds (and the settle window) as a real one would (see README "Test calls").
  const site = { ...config.sites[0], calls: [] };
  const plan = planOfFamily(generatePlan(config, options.numbers), options.family);
  const rates = Object.fromEntries(
    CARRIER_NAMES.map((carrier) => [
      carrier,
      (config.carriers[carrier]?.rateLimitPerSecond ?? DEFAULT_RATE_LIMITS[carrier]) * options.rateFactor,
    ]),
  ) as Record<CarrierName, number>;
  const clock = new VirtualClock(T0);
  const random = seededRandom(options.seed);
  clock.start();
  const carrierFaultRate = options.carrierFaultRate ?? 0;
  const world = await startScaleWorld(
    config,
    plan,
    { rates, faultRate: carrierFaultRate, seed: options.seed },
    clock,
    random,
  );
  try {
    const { table } = world;
    const readBacks = new DynamoDbRouteReadBackStore(table.documentClient, table.tableName);
    const baselines = new DynamoDbRoutingBaselineStore(table.documentClient, table.tableName);
    const directory = await world.directory();
    if (options.family === 'native' || options.family === 'switch') {
      await armDrillRoutes(world.config, plan, directory, readBacks, clock);
    }
    await takeBaselineAhead(world.config, plan, directory, baselines, clock, random);
    options.log(
      `${options.family} ×${options.rateFactor} ${options.numbers} numbers: armed and baseline taken at +${Math.round((clock.now() - T0) / 1000)} s virtual`,
    );

    const intervalMs = config.detection.probeIntervalSeconds * 1000;
    const firstBoundary = Math.ceil((clock.now() + 1) / intervalMs) * intervalMs;
    const killAt = firstBoundary + (WARMUP_ROUNDS + KILL_PHASE) * intervalMs;
    const incidents = new DynamoDbIncidentStore(table.documentClient, table.tableName);
    const numbers = new ModelledStateStore(clock, seededRandom(options.seed + 1));
    const notifier = new RecordingNotifier(clock);
    const running = new Set<Promise<void>>();
    const invocations: string[] = [];
    let detectedAt: number | undefined;
    let firstEvent: FailoverEvent | undefined;
    let failure: unknown;
    let sequence = 0;
    let lastEndedAt = 0;
    const invoke = (region: string, event: FailoverEvent) => {
      const id = `${region}-${++sequence}`;
      const deadline = clock.now() + LAMBDA_TIMEOUT_MS;
      const deps: OrchestratorDependencies & { baselines: RoutingBaselineStore } = {
        files: { config: world.config, plan },
        incidents,
        numbers,
        readBacks,
        baselines,
        notifier,
        carriers: world.directory,
        clock,
        random: seededRandom(options.seed * 31 + sequence),
        region,
        startContinuation: async (next) => invoke(region, next),
      };
      const run = handleOrchestratorEvent(
        event,
        { awsRequestId: id, getRemainingTimeInMillis: () => deadline - clock.now() },
        deps,
      ).then(
        (result) => {
          lastEndedAt = Math.max(lastEndedAt, clock.now());
          invocations.push(`${id}: ${result.status}`);
        },
        (error: unknown) => {
          failure ??= error;
          invocations.push(`${id}: threw ${(error as Error).message}`);
        },
      );
      running.add(run);
      run.finally(() => running.delete(run));
    };

    // Checked when the site dies: which numbers a route armed ahead already carries.
    const beforeKill = clock.sleep(killAt - clock.now()).then(() => reachableNow());
    const primary = (primarySipUriOf(site) ?? '').replace(/^sips?:/, '');
    const reachableNow = () =>
      new Set(
        plan
          .filter(
            (entry) =>
              world.local.routeCall(entry.number, entry.carrier, (target) => !target.includes(primary))
                .reached !== null,
          )
          .map((entry) => entry.number),
      );
    const detection = runVirtualDetection({
      site,
      settings: config.detection,
      regions: config.watchdogRegions,
      table,
      clock,
      random: seededRandom(options.seed + 2),
      killAt,
      deadlineMs: killAt + PROBING_AFTER_KILL_MS,
      onFailoverEvent: (region, event, at) => {
        detectedAt ??= at;
        firstEvent ??= event;
        invoke(region, event);
      },
    });
    // Requests before the kill (arm, baseline, warm-up) are not the failover's.
    const reachedAtKill = await beforeKill;
    const killIndex = new Map(CARRIER_NAMES.map((carrier) => [carrier, world.local.requestCountOf(carrier)]));
    await detection;
    while (running.size > 0) await Promise.all([...running]);
    if (failure !== undefined) throw failure;
    const reachableAtEnd = reachableNow();
    const lostNow = new Set(
      plan.map((entry) => entry.number).filter((number) => !reachableAtEnd.has(number)),
    );
    const incident =
      firstEvent && (await incidents.get(outageIncidentId(site.id, firstEvent.outageStartedAt)));
    const lostRows =
      incident && lostNow.size > 0
        ? (await numbers.list(incident.id)).filter((row) => lostNow.has(row.number))
        : [];
    const lostWhy = lostRows
      .slice(0, LOST_QUOTED)
      .map(
        (row) => `${row.number} (${row.carrier}): ${row.status}${row.lastError ? `, ${row.lastError}` : ''}`,
      );
    const rows = CARRIER_NAMES.filter((carrier) => world.local.fakes[carrier] && directory[carrier]).map(
      (carrier) => {
        const fake = world.local.fakes[carrier];
        const carrierEntries = plan.filter((entry) => entry.carrier === carrier);
        const carrierNumbers = carrierEntries.map((entry) => entry.number);
        const perDestination = new Map<string, number>();
        for (const { forwardTo } of carrierEntries) {
          perDestination.set(forwardTo, (perDestination.get(forwardTo) ?? 0) + 1);
        }
        return carrierRow({
          numbers: options.numbers,
          carrier,
          configuredMode: failoverModeOf(site, carrier),
          slowMode: slowModeOf(site, carrier),
          route: incident?.routes?.find((route) => route.carrier === carrier),
          adapter: directory[carrier]!,
          rateLimitPerSecond: rates[carrier],
          carrierFaultRate,
          settings: config.detection,
          nativeFailoverSeconds: nativeFailoverSecondsOf(site, carrier),
          carrierNumbers,
          destinations: [...perDestination.values()],
          requests: fake?.requests.slice(killIndex.get(carrier)) ?? [],
          killAt,
          reachedAtKill,
          lost: new Set(carrierNumbers.filter((number) => lostNow.has(number))),
        });
      },
    );
    return {
      family: options.family,
      numbers: options.numbers,
      rateFactor: options.rateFactor,
      carrierFaultRate,
      rows,
      detectedAfterMs: detectedAt === undefined ? null : Math.round(detectedAt - killAt),
      failoverEndedAfterMs: Math.round(lastEndedAt - killAt),
      invocations,
      incidentStatus: incident?.status ?? 'no incident',
      wallSeconds: (performance.now() - started) / 1000,
      violations: world.local.violations().length,
      lostWhy,
    };
  } finally {
    await clock.stop();
    await world.stop();
  }
}

/**
 * The routing baseline read ahead of the outage, as `arm`, `audit` and the daily read keep it
 * (refreshRoutingBaseline). The orchestrator gets the same store as `baselines`; until the
 * composition hands it to the engine, the engine reads every number's routing at outage time.
 */
async function takeBaselineAhead(
  config: Config,
  plan: readonly PlanEntry[],
  directory: CarrierDirectory,
  store: RoutingBaselineStore,
  clock: VirtualClock,
  random: () => number,
): Promise<void> {
  const summaries = await refreshRoutingBaseline({
    plan,
    carriers: config.carriers,
    siteId: config.sites[0].id,
    open: async (carrier) => {
      const adapter = directory[carrier];
      if (!adapter) throw new Error(`no ${carrier} adapter`);
      return adapter;
    },
    store,
    clock,
    random,
  });
  const failed = summaries.filter((summary) => !summary.stored || summary.unread.length > 0);
  if (failed.length > 0) {
    throw new Error(
      `the routing baseline could not be taken: ${failed.map((s) => `${s.carrier}: ${s.error ?? `${s.unread.length} unread`}`).join('; ')}`,
    );
  }
}
