import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { createCarrierDirectory } from '../../../lambdas/adapters/carriers/carrier-directory';
import { DynamoDbForwardingStateStore } from '../../../lambdas/adapters/dynamodb/forwarding-state-store';
import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb/incident-store';
import { DynamoDbObservationStore } from '../../../lambdas/adapters/dynamodb/observation-store';
import { DynamoDbRouteReadBackStore } from '../../../lambdas/adapters/dynamodb/route-read-back-store';
import { DynamoDbRoutingBaselineStore } from '../../../lambdas/adapters/dynamodb/routing-baseline-store';
import { DynamoDbSiteHealthStore } from '../../../lambdas/adapters/dynamodb/site-health-store';
import { failoverEventForTrip } from '../../../lambdas/adapters/lambda/orchestrator-invoker';
import { RecordingNotifier } from '../../../lambdas/adapters/local/recording-notifier';
import { configuredProbe } from '../../../lambdas/adapters/probes/control-probe';
import { runProbeInvocation } from '../../../lambdas/composition/probe-invocation';
import type { Config as DeploymentConfig } from '../../../lambdas/contracts/config/schema';
import { primarySipUriOf } from '../../../lambdas/contracts/config/site-routes';
import { deploymentNames } from '../../../lambdas/contracts/deployment-names';
import { type FailbackHandlerDependencies, handleFailbackEvent } from '../../../lambdas/handlers/failback';
import { handleOrchestratorEvent } from '../../../lambdas/handlers/orchestrator';
import type { SiteTrip } from '../../../lambdas/ports/detection';
import { systemClock } from '../../../lambdas/runtime/system-clock';
import { loadDeployment } from '../../config/load-config';
import { FarSide } from '../far-side/far-side';
import type { FarSideTally } from '../far-side/far-side-protocol';
import { takeDrillBaseline } from './drill-baseline';
import { estimateDrillFailover } from './drill-estimate';
import { DRILL_TIME_SCALE, drillFiles, drillRoundMs } from './drill-files';
import { Loops } from './drill-loops';
import type { DrillProgress, DrillResult } from './drill-result';
import { armDrillRoutes } from './drill-routes';
import { generatePlan } from './generated-plan';
import { startLocalControlTarget } from './local-control-target';
import { LocalSite } from './local-site';
import { type DrillScenario, playOutOfSync } from './out-of-sync-act';
import { quietLogger, silentMetrics } from './quiet-telemetry';
import { summarize } from './summarize-drill';
import { waitFor } from './wait-for';

/** What the drill is asked to do (the `npm run drill` options). */
export interface DrillOptions {
  configPath: string;
  /** A generated plan of this many numbers instead of the config's plan. */
  numbers?: number;
  /** Share of carrier requests the fakes answer with 429, 500 or a timeout. */
  carrierFaults: number;
  /** Requests per second every carrier takes (engine and fake alike); default: the config's limits. */
  rateLimit?: number;
  /** Seed of the fakes' fault and latency randomness. */
  seed: number;
  /** Gives up when the outage is not over after this long. */
  timeoutMs: number;
  /** Where it ends: `resolved` (default) plays the failback too; `forwarded` once all are forwarded. */
  until?: 'forwarded' | 'resolved';
  /**
   * Leaves every site's routes out (`sites[].failover`), so every number is forwarded by the engine
   * in its carrier's default mode: what the failover bench measures. @default false
   */
  withoutRoutes?: boolean;
  /**
   * `outage` (default): the site dies and comes back. `out-of-sync`: it comes back answering OPTIONS
   * and HTTP while every test call fails for several recovery holds (8/12/2022's second act), then
   * its calls succeed and failback follows.
   */
  scenario?: DrillScenario;
}

/**
 * Plays a whole outage on this machine with the real handler code: three watchdog regions probing a
 * loopback site, shared incident and observation tables (dynalite), spec-checked carrier fakes, a
 * recording notifier for SNS. Kills the site, waits for the failover, revives it, approves failback like an operator
 * would, and waits for the incident to resolve.
 */
export async function runDrill(options: DrillOptions, progress: DrillProgress): Promise<DrillResult> {
  const started = systemClock.now();
  const loaded = loadDeployment(options.configPath);
  const deployment = options.withoutRoutes
    ? {
        ...loaded,
        config: { ...loaded.config, sites: loaded.config.sites.map(({ failover: _f, ...site }) => site) },
      }
    : loaded;
  const plan =
    options.numbers !== undefined ? generatePlan(deployment.config, options.numbers) : deployment.plan;
  progress.phase(
    `Starting local parts: incident table, site, ${Object.keys(deployment.config.carriers).length} carrier fakes`,
  );
  // The table and the fakes run in a worker thread, as other machines would: the handlers keep
  // this event loop to themselves.
  const farSide = await FarSide.start({
    tableName: deploymentNames.incidentTable(deployment.config.deployment),
    observationTableName: deploymentNames.observationTable(deployment.config.deployment),
    config: deployment.config,
    plan,
    fakes: {
      faultRate: options.carrierFaults,
      faultKinds: ['rate-limit', 'http-500', 'slow'],
      slowMs: DRILL_TIME_SCALE.carrierTimeoutMs + 500,
      seed: options.seed,
      latencyMs: [5, 25],
      rateLimitPerSecond: options.rateLimit,
    },
  });
  const { table } = farSide;
  const site = await LocalSite.start().catch(async (error: unknown) => {
    await farSide.stop();
    throw error;
  });
  const stoppers: (() => Promise<void>)[] = [() => site.stop(), () => farSide.stop()];
  const loops = new Loops();
  try {
    const control = await startLocalControlTarget();
    stoppers.push(() => control.stop());
    const files = drillFiles(deployment.config, plan, site, control, farSide.carriers, options.rateLimit);
    const { config } = files;
    const notifier = new RecordingNotifier(systemClock, (alert) =>
      progress.phase(`Alert [${alert.severity}] ${alert.subject}`),
    );
    const incidents = new DynamoDbIncidentStore(table.documentClient, table.tableName);
    const numbers = new DynamoDbForwardingStateStore(table.documentClient, table.tableName);
    const readBacks = new DynamoDbRouteReadBackStore(table.documentClient, table.tableName);
    const baselines = new DynamoDbRoutingBaselineStore(table.documentClient, table.tableName);
    const siteHealth = new DynamoDbSiteHealthStore(table.documentClient, table.tableName);
    const observations = new DynamoDbObservationStore({
      client: table.documentClient,
      tableName: table.observationTableName,
    });
    const directory = () =>
      createCarrierDirectory(config.carriers, farSide.credentialSource, {
        timeoutMs: DRILL_TIME_SCALE.carrierTimeoutMs,
        pollIntervalMs: DRILL_TIME_SCALE.carrierPollMs,
      });
    const metrics = silentMetrics();
    const common = {
      files,
      incidents,
      numbers,
      readBacks,
      baselines,
      notifier,
      carriers: directory,
      clock: systemClock,
      random: Math.random,
    };
    let invocation = 0;
    const context = (region: string, budgetMs: number) => ({
      awsRequestId: `drill-${region}-${++invocation}`,
      getRemainingTimeInMillis: () => budgetMs,
    });

    for (const region of config.watchdogRegions) {
      // The same event the probe's Lambda invoke sends, handled by the same orchestrator code.
      const orchestrate = (trip: SiteTrip) =>
        handleOrchestratorEvent(failoverEventForTrip(trip, { region }), context(region, 15 * 60_000), {
          ...common,
          region,
          startContinuation: async () => undefined,
        });
      loops.every(region, `probe ${region}`, 0, async () => {
        await runProbeInvocation(
          {
            deployment: config.deployment,
            sites: config.sites,
            settings: config.detection,
            region,
            regions: config.watchdogRegions,
            clock: systemClock,
            // Loopback calls end in milliseconds: a short teardown keeps the drill's 1 s rounds.
            probeSite: configuredProbe(config.detection, {
              call: { teardownMs: DRILL_TIME_SCALE.callTeardownMs },
            }),
            roundMs: drillRoundMs(config),
            observations,
            siteHealth,
            // As Lambda's asynchronous invoke: hand over and go on probing.
            tripNotifier: {
              notifyTrip: async (trip) => {
                loops.track(orchestrate(trip));
              },
            },
            metrics,
            logger: quietLogger,
            decision: { settleMs: config.detection.probeTimeoutMs + 200 },
          },
          systemClock.now() + DRILL_TIME_SCALE.probeWindowMs,
        );
      });
      const failbackDeps: FailbackHandlerDependencies = { ...common, siteHealth, region };
      loops.every(region, `failback ${region}`, DRILL_TIME_SCALE.failbackTickMs, async () => {
        await handleFailbackEvent({ action: 'tick' }, context(region, 5 * 60_000), failbackDeps);
      });
    }

    const primary = config.sites.find((candidate) => candidate.role === 'primary')!;
    // One session for arm, baseline and dry run, as an operator's `carrier-failover arm` has.
    const operator = await directory();
    const armed = await armDrillRoutes(config, files.plan, operator, readBacks);
    if (armed.length > 0) {
      progress.phase(
        `Armed and read back ${armed.map((report) => `${report.carrier} (${report.mode})`).join(', ')}`,
      );
    }
    const baseline = await takeDrillBaseline(config, files.plan, operator, baselines);
    progress.phase(
      `Read the routing baseline of ${baseline.numbers} numbers in ${baseline.requests} carrier requests`,
    );
    // The dry run an operator would run before the outage: what the failover will cost.
    const estimate = await estimateDrillFailover({
      config,
      plan: files.plan,
      siteId: primary.id,
      carriers: operator,
      baseline: await baselines.load(primary.id),
      clock: systemClock,
    });
    await farSide.takeRoutingBaseline();
    // Writes the arming made are not the failover's: counted apart, so none reads as a double write.
    const beforeOutage = await farSide.tally();
    const armWrites = beforeOutage.writeCounts;
    progress.phase(
      `Watching ${primary.id} from ${config.watchdogRegions.join(', ')} (probe every ${config.detection.probeIntervalSeconds} s)`,
    );
    await waitFor(
      () => siteIsUpEverywhere(siteHealth, primary.id, config.watchdogRegions),
      30_000,
      'the regions to see the site up',
    );

    const killedAt = systemClock.now();
    await site.kill();
    // Calls routed to the site's SBC by its name at the carriers get no answer from now on.
    await farSide.watchCalls(primary.id, siteTargets(deployment.config, primary.id), killedAt);
    progress.phase(`Killed ${primary.id}: SIP stopped answering, the health URL answers 503`);
    const deadline = killedAt + options.timeoutMs;
    let handlersMark: EventLoopUtilization | undefined;
    const incident = await waitFor(
      async () => {
        const active = await incidents.getActive(primary.id);
        if (active && !handlersMark) {
          handlersMark = performance.eventLoopUtilization();
          farSide.markUtilization();
        }
        if (active) {
          // Counted where callers get through, as the fakes route calls.
          const calls = await farSide.callsReport();
          const byCarrier = calls.byCarrier
            .map((carrier) => `${carrier.carrier} ${carrier.reaching}`)
            .join(', ');
          const reaching = calls.byCarrier.reduce((sum, carrier) => sum + carrier.reaching, 0);
          progress.numbers(reaching, plan.length, 'forwarded', byCarrier);
        }
        return active && ['forwarded', 'partially-forwarded'].includes(active.status) ? active : undefined;
      },
      deadline - systemClock.now(),
      'the numbers to be forwarded',
    );
    const forwardingLoad = {
      handlers: performance.eventLoopUtilization(handlersMark).utilization,
      farSide: farSide.utilization(),
    };
    progress.numbers(incident.numbers.forwarded, plan.length, 'forwarded');
    const calls = await waitFor(
      async () => {
        const report = await farSide.callsReport();
        return report.byCarrier.every((carrier) => carrier.reachedAfterMs !== null) ? report : undefined;
      },
      deadline - systemClock.now(),
      "every number's calls to reach the backup at the carriers",
    );
    const afterFailover = await farSide.tally();
    const forwardWrites = writesSince(armWrites, afterFailover.writeCounts);
    const summary = {
      events: () => incidents.listEvents(incident.id),
      states: () => numbers.list(incident.id),
      plan,
      killedAt,
      started,
      alerts: notifier.alerts,
      armWrites,
      forwardWrites,
      farSide,
      forwardingLoad,
      waves: config.failback.waves.length,
      estimate: estimate.byCarrier,
      failoverRequests: requestsSince(beforeOutage, afterFailover),
      calls,
      sites: config.sites,
    };
    if (options.until === 'forwarded') {
      await loops.stop();
      return {
        ...(await summarize({ ...summary, incident })),
        controlTargetRequests: control.requests,
        failbackWaited: null,
      };
    }

    const failbackWaited =
      options.scenario === 'out-of-sync'
        ? await playOutOfSync({
            site,
            siteHealth,
            incidents,
            incidentId: incident.id,
            siteId: primary.id,
            regions: config.watchdogRegions,
            recoveryHoldMinutes: config.detection.recoveryHoldMinutes,
            killedAt,
            progress,
          })
        : null;
    const revivedAt = systemClock.now();
    await site.revive();
    await farSide.watchHome(primary.id, revivedAt);
    progress.phase(
      `Revived ${primary.id}; failback waits ${config.detection.recoveryHoldMinutes * 60} s of healthy quorum`,
    );
    const approver = { name: 'drill-operator', region: config.homeRegion };
    const resolved = await waitFor(
      async () => {
        const current = await incidents.get(incident.id);
        if (
          current?.status === 'recovering' &&
          config.failback.mode === 'manual' &&
          !current.failbackApprovedAt
        ) {
          progress.phase('Operator approves failback (carrier-failover failback --approve)');
          await handleFailbackEvent(
            { action: 'approve', siteId: primary.id, approvedBy: approver },
            context(config.homeRegion, 5 * 60_000),
            { ...common, siteHealth, region: config.homeRegion },
          );
        }
        if (current) progress.numbers(current.numbers.restored, current.numbers.forwarded, 'restored');
        return current?.status === 'resolved' ? current : undefined;
      },
      deadline - systemClock.now(),
      'the failback to finish',
    );
    await loops.stop();
    return {
      ...(await summarize({
        ...summary,
        incident: resolved,
        revivedAt,
        routingChanged: await farSide.routingChanged(),
        home: await farSide.callsReport(true),
      })),
      controlTargetRequests: control.requests,
      failbackWaited,
    };
  } catch (error) {
    // Say what the regions ran into, not just that a wait timed out.
    const recent = loops.recentErrors(3).map((cause) => `  - ${(cause as Error).message ?? String(cause)}`);
    if (recent.length === 0) throw error;
    throw new Error(
      `${(error as Error).message}\nLast errors in the regions' functions:\n${recent.join('\n')}`,
      { cause: error },
    );
  } finally {
    await loops.stop();
    for (const stop of stoppers) await stop();
  }
}

/** Requests each carrier received between two tallies (every operation, 429s included). */
function requestsSince(before: FarSideTally, after: FarSideTally): Record<string, number> {
  const total = (tally: FarSideTally, carrier: string) =>
    Object.values(tally.requestsByOperation[carrier] ?? {}).reduce((sum, count) => sum + count, 0);
  return Object.fromEntries(
    Object.keys(after.requestsByOperation).map((carrier) => [
      carrier,
      total(after, carrier) - total(before, carrier),
    ]),
  );
}

/** Accepted writes per number since `before`. */
function writesSince(before: Map<string, number>, now: Map<string, number>): Map<string, number> {
  return new Map([...now].map(([number, writes]) => [number, writes - (before.get(number) ?? 0)]));
}

/** The `host:port` targets of a site at the carriers: its SIP URI and its SIP endpoints, as the config names them. */
function siteTargets(config: DeploymentConfig, siteId: string): string[] {
  const site = config.sites.find((candidate) => candidate.id === siteId);
  if (!site) return [];
  const uri = primarySipUriOf(site);
  const named = site.sip.map((endpoint) => `${endpoint.host}:${endpoint.port}`);
  return [...new Set([...(uri ? [uri.replace(/^sips?:(?:[^@]*@)?/, '')] : []), ...named])];
}

async function siteIsUpEverywhere(
  store: DynamoDbSiteHealthStore,
  siteId: string,
  regions: readonly string[],
): Promise<boolean> {
  const states = await Promise.all(regions.map((region) => store.get(siteId, region)));
  return states.every((stored) => {
    const own = stored?.state.regions;
    return stored?.state.status === 'up' && own !== undefined && Object.keys(own).length === regions.length;
  });
}
