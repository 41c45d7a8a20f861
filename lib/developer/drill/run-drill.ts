import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { createCarrierDirectory } from '../../../lambdas/adapters/carriers/carrier-directory';
import { DynamoDbForwardingStateStore } from '../../../lambdas/adapters/dynamodb/forwarding-state-store';
import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb/incident-store';
import { DynamoDbObservationStore } from '../../../lambdas/adapters/dynamodb/observation-store';
import { DynamoDbSiteHealthStore } from '../../../lambdas/adapters/dynamodb/site-health-store';
import { failoverEventForTrip } from '../../../lambdas/adapters/lambda/orchestrator-invoker';
import { RecordingNotifier } from '../../../lambdas/adapters/local/recording-notifier';
import { configuredProbe } from '../../../lambdas/adapters/probes/control-probe';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import type { Config, Site } from '../../../lambdas/contracts/config/schema';
import { deploymentNames } from '../../../lambdas/contracts/deployment-names';
import type { SiteTrip } from '../../../lambdas/domain/detection/decide-site-health';
import { type FailbackHandlerDependencies, handleFailbackEvent } from '../../../lambdas/handlers/failback';
import { handleOrchestratorEvent } from '../../../lambdas/handlers/orchestrator';
import { runProbeInvocation } from '../../../lambdas/handlers/probe';
import type { Incident, TimelineEvent } from '../../../lambdas/ports/incidents';
import type { DeploymentFiles } from '../../../lambdas/runtime/deployment-files';
import { systemClock } from '../../../lambdas/runtime/system-clock';
import { loadDeployment } from '../../config/load-config';
import {
  buildIncidentReport,
  type IncidentReport,
  renderIncidentReportMarkdown,
} from '../../operator/report/incident-report';
import { FarSide } from '../far-side/far-side';
import type { FarSideTally, FarSideWrites } from '../far-side/far-side-protocol';
import { generatePlan } from './generated-plan';
import { type LocalControlTarget, startLocalControlTarget } from './local-control-target';
import { LocalSite } from './local-site';
import { quietLogger, silentMetrics } from './quiet-telemetry';

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
  /**
   * Where the drill ends: `resolved` (default) plays the failback too; `forwarded` stops once every
   * number is forwarded (the bench measures only that half).
   */
  until?: 'forwarded' | 'resolved';
}

/** One step of the outage, in ms from the moment the site was killed. */
export interface DrillStep {
  name: string;
  atMs: number;
}

/** The drill's result (`--json` prints it as it is, less `report`). */
export interface DrillResult {
  incidentId: string;
  steps: DrillStep[];
  detectedAfterMs: number;
  alertedAfterMs: number;
  forwardedAfterMs: number;
  numbers: { total: number; forwarded: number; failed: number; forwardedTwice: number };
  failback: { restored: number; failed: number; waves: number; restoredTwice: number };
  alerts: { kind: string; subject: string; atMs: number }[];
  carrierRequests: number;
  /** The same per carrier and operation (e.g. `twilio: { UpdateIncomingPhoneNumber: 24, … }`). */
  carrierRequestsByOperation: Record<string, Record<string, number>>;
  forwardedTwiceEvidence: { number: string; writes: FarSideWrites[string] }[];
  contractViolations: number;
  /** Requests the probes sent to the loopback control target: the control path ran. */
  controlTargetRequests: number;
  report: IncidentReport;
  reportMarkdown: string;
  durationMs: number;
  /**
   * Share of the forwarding (from when the drill first saw the incident open to when it saw every
   * number forwarded) that each event loop was busy: the handlers' (probes, orchestrator, engine,
   * SDK clients) and the far side's (table and fakes). Near 1: that loop, not the carriers' rate,
   * set the pace.
   */
  forwardingLoad: { handlers: number; farSide: number };
  /**
   * When each number was forwarded and brought home, in ms from the kill (null: it was not), as
   * its state in the incident table records it: the data of the drill's chart.
   */
  numberTimes: {
    number: string;
    carrier: string;
    forwardedAtMs: number | null;
    restoredAtMs: number | null;
  }[];
}

/** Phases and counts the drill reports while it runs (the CLI draws them). */
export interface DrillProgress {
  phase(message: string): void;
  /** `detail`: a short breakdown, e.g. per carrier. */
  numbers(done: number, total: number, what: 'forwarded' | 'restored', detail?: string): void;
}

/**
 * The time scale of a drill: the example config's outage, played in seconds instead of minutes. Only
 * timing changes; quorum, failuresToTrip, waves and every code path stay as configured.
 */
export const DRILL_TIME_SCALE = {
  probeIntervalSeconds: 1,
  probeTimeoutMs: 300,
  recoveryHoldMinutes: 0.1,
  minutesBetweenWaves: 0.05,
  /** How long one probe "invocation" lasts before the next starts (a Lambda's minute). */
  probeWindowMs: 5_000,
  /** How often each region's failback function is "scheduled". */
  failbackTickMs: 500,
  // The adapters' production timeout: shorter ones time out under the drill's own load and turn slow
  // answers into writes of unknown outcome that are not the carrier's doing.
  carrierTimeoutMs: 5_000,
  carrierPollMs: 50,
} as const;

const REGION_PACE_MS = 100;

/**
 * Plays a whole outage on this machine with the real handler code: three watchdog regions probing a
 * loopback site, shared incident and observation tables (dynalite), spec-checked carrier fakes, a
 * recording notifier for SNS. Kills the site, waits for the failover, revives it, approves failback like an operator
 * would, and waits for the incident to resolve.
 */
export async function runDrill(options: DrillOptions, progress: DrillProgress): Promise<DrillResult> {
  const started = systemClock.now();
  const deployment = loadDeployment(options.configPath);
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
            probeSite: configuredProbe(config.detection),
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
          const counts = await farSide.progress();
          const byCarrier = Object.entries(counts.byCarrier)
            .map(([carrier, count]) => `${carrier} ${count}`)
            .join(', ');
          progress.numbers(counts.numbersChanged, plan.length, 'forwarded', byCarrier);
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
    const forwardWrites = (await farSide.tally()).writeCounts;
    const summary = {
      events: () => incidents.listEvents(incident.id),
      states: () => numbers.list(incident.id),
      plan,
      killedAt,
      started,
      alerts: notifier.alerts,
      forwardWrites,
      farSide,
      forwardingLoad,
      waves: config.failback.waves.length,
    };
    if (options.until === 'forwarded') {
      await loops.stop();
      return { ...(await summarize({ ...summary, incident })), controlTargetRequests: control.requests };
    }

    const revivedAt = systemClock.now();
    await site.revive();
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
      ...(await summarize({ ...summary, incident: resolved, revivedAt })),
      controlTargetRequests: control.requests,
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

/** The deployment files the drill's functions read: the config on loopback and on the drill's time scale. */
function drillFiles(
  config: Config,
  plan: PlanEntry[],
  site: LocalSite,
  control: LocalControlTarget,
  fakeCarriers: Config['carriers'],
  rateLimit?: number,
): DeploymentFiles {
  const primary = config.sites.find((candidate) => candidate.role === 'primary')!;
  const carriersConfig = Object.fromEntries(
    Object.entries(fakeCarriers).map(([name, carrier]) => [
      name,
      // A higher rate needs more requests in flight (Little's law), with room for slow answers.
      rateLimit !== undefined
        ? {
            ...carrier,
            rateLimitPerSecond: rateLimit,
            maxConcurrency: Math.max(carrier.maxConcurrency, Math.ceil(rateLimit * 0.15)),
          }
        : carrier,
    ]),
  ) as Config['carriers'];
  return {
    config: {
      ...config,
      // Only the primary site is played; standby sites point at hosts that do not exist here.
      sites: [site.describe(primary) as Site],
      detection: {
        ...config.detection,
        probeIntervalSeconds: DRILL_TIME_SCALE.probeIntervalSeconds,
        probeTimeoutMs: DRILL_TIME_SCALE.probeTimeoutMs,
        recoveryHoldMinutes: DRILL_TIME_SCALE.recoveryHoldMinutes,
        // The public control targets are out of reach here; one loopback target stands in for them.
        controlTargets: config.detection.controlTargets.length > 0 ? [control.url] : [],
      },
      failback: { ...config.failback, minutesBetweenWaves: DRILL_TIME_SCALE.minutesBetweenWaves },
      carriers: carriersConfig,
    },
    plan: plan.filter((entry) => entry.siteId === primary.id),
  };
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

interface SummaryInput {
  incident: Incident;
  events: () => Promise<TimelineEvent[]>;
  states: () => ReturnType<DynamoDbForwardingStateStore['list']>;
  plan: PlanEntry[];
  killedAt: number;
  /** Undefined when the drill stopped once the numbers were forwarded. */
  revivedAt?: number;
  started: number;
  alerts: RecordingNotifier['alerts'];
  /** Accepted writes per number when forwarding finished. */
  forwardWrites: Map<string, number>;
  farSide: FarSide;
  forwardingLoad: DrillResult['forwardingLoad'];
  waves: number;
}

async function summarize(input: SummaryInput): Promise<Omit<DrillResult, 'controlTargetRequests'>> {
  const { incident, killedAt } = input;
  const events = await input.events();
  const states = await input.states();
  const tally: FarSideTally = await input.farSide.tally();
  const after = (at: number) => at - killedAt;
  const first = (type: string) => events.find((event) => event.type === type);
  const steps: DrillStep[] = [{ name: 'site killed (incident begins)', atMs: 0 }];
  const push = (name: string, at: number | undefined) => {
    if (at !== undefined) steps.push({ name, atMs: after(at) });
  };
  push('detected by quorum', first('detected')?.at);
  push('first alert sent', input.alerts[0]?.at);
  push('forwarding started', first('forwarding-started')?.at);
  push('forwarding finished', events.filter((event) => event.type === 'forwarding-finished').at(-1)?.at);
  push('site revived', input.revivedAt);
  push('recovered (healthy for the hold)', first('recovered')?.at);
  push('failback approved', first('failback-approved')?.at);
  const waves = events.filter((event) => event.type === 'failback-wave-finished');
  for (const [index, event] of waves.entries()) push(`failback wave ${index + 1} done`, event.at);
  push('resolved', first('resolved')?.at);
  steps.sort((a, b) => a.atMs - b.atMs);

  const writtenTwice = [...input.forwardWrites].filter(([, writes]) => writes > 1).map(([number]) => number);
  const forwardedTwice = writtenTwice.length;
  const restoredTwice = [...tally.writeCounts].filter(
    ([number, writes]) => writes - (input.forwardWrites.get(number) ?? 0) > 1,
  ).length;
  // Evidence for any number forwarded twice: the writes the fakes accepted for it, in order.
  const evidence = await input.farSide.writesOf(writtenTwice.slice(0, 20));
  const report = buildIncidentReport(incident, events, states);
  return {
    incidentId: incident.id,
    steps,
    detectedAfterMs: after(first('detected')?.at ?? Number.NaN),
    alertedAfterMs: after(input.alerts[0]?.at ?? Number.NaN),
    forwardedAfterMs: after(
      events.filter((event) => event.type === 'forwarding-finished').at(-1)?.at ?? Number.NaN,
    ),
    numbers: {
      total: input.plan.length,
      forwarded: incident.numbers.forwarded,
      failed: incident.numbers.failed,
      forwardedTwice,
    },
    failback: {
      restored: incident.numbers.restored,
      failed: states.filter((state) => state.status === 'restore-failed').length,
      waves: events.filter((event) => event.type === 'failback-wave-finished').length,
      restoredTwice,
    },
    alerts: input.alerts.map((alert) => ({
      kind: alert.kind,
      subject: alert.subject,
      atMs: after(alert.at),
    })),
    carrierRequests: tally.requests,
    carrierRequestsByOperation: tally.requestsByOperation,
    forwardedTwiceEvidence: Object.entries(evidence).map(([number, writes]) => ({ number, writes })),
    contractViolations: tally.violations,
    report,
    reportMarkdown: renderIncidentReportMarkdown(report),
    durationMs: systemClock.now() - input.started,
    forwardingLoad: input.forwardingLoad,
    numberTimes: states.map((state) => ({
      number: state.number,
      carrier: state.carrier,
      forwardedAtMs: state.forwardedAt === undefined ? null : after(state.forwardedAt),
      restoredAtMs: state.restoredAt === undefined ? null : after(state.restoredAt),
    })),
  };
}

/** Polls `probe` every 100 ms until it returns a value, or fails naming what it waited for. */
async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = systemClock.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (systemClock.now() > deadline)
      throw new Error(`drill: gave up waiting for ${what} after ${Math.round(timeoutMs / 1000)} s`);
    await systemClock.sleep(100);
  }
}

/** The drill's "schedules": loops that call a function again and again until stopped, and async work in flight. */
class Loops {
  private running = true;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly errors: unknown[] = [];

  every(region: string, name: string, pauseMs: number, body: () => Promise<void>): void {
    const loop = (async () => {
      // Regions start a little apart, as real ones never tick in lockstep.
      await systemClock.sleep(REGION_PACE_MS * (region.length % 3));
      while (this.running) {
        try {
          await body();
        } catch (error) {
          this.errors.push(new Error(`${name}: ${(error as Error).message}`, { cause: error }));
        }
        if (pauseMs > 0) await systemClock.sleep(pauseMs);
      }
    })();
    this.track(loop);
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    work.catch((error) => this.errors.push(error)).finally(() => this.pending.delete(work));
    return work;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.allSettled([...this.pending]);
  }

  recentErrors(count: number): unknown[] {
    return this.errors.slice(-count);
  }
}
