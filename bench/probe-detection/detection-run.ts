/**
 * One measured outage: three ProbeCycle instances (three "regions") probe an in-process SIP
 * responder over UDP on loopback and share one dynalite incident table; the responder is killed
 * at a chosen phase of the probe interval, and the run measures how long until the first region
 * decides the trip. A single-region detector without quorum, table or settle window (the plain way:
 * "three failed OPTIONS in a row") watches the same responder in the same run as the baseline.
 */
import { DynamoDbObservationStore } from '../../lambdas/adapters/dynamodb/observation-store';
import { DynamoDbSiteHealthStore } from '../../lambdas/adapters/dynamodb/site-health-store';
import { probeSite } from '../../lambdas/adapters/probes/probe-site';
import { probeSipOptions } from '../../lambdas/adapters/probes/sip-options-probe';
import type { DetectionSettings, SipEndpoint, Site } from '../../lambdas/contracts/config/schema';
import type { DecisionOptions } from '../../lambdas/domain/detection/decide-site-health';
import { ProbeCycle } from '../../lambdas/domain/detection/probe-cycle';
import type { SiteTrip } from '../../lambdas/ports/detection';
import { SipResponder } from '../../lib/developer/drill/sip-responder';
import { startLocalIncidentTable } from '../../lib/developer/far-side/local-incident-table';
import { SkippableClock } from './skippable-clock';

/** How a SIP peer dies: closes its ports (ICMP unreachable) or stops answering (timeouts). */
export type KillMode = 'stopped' | 'silent';

/** How one run is set up. */
export interface DetectionRunOptions {
  mode: KillMode;
  settings: DetectionSettings;
  decision: DecisionOptions;
  regions: readonly string[];
  /** Where in the probe interval the peer dies, 0 (right at a round) to just under 1. */
  killPhase: number;
  /** Healthy rounds every region completes before the kill. */
  warmupRounds: number;
}

/** What one run measured, in milliseconds after the kill. */
export interface DetectionRunResult {
  mode: KillMode;
  killPhase: number;
  /** The first region's trip decision; undefined when none came in time. */
  detectedAfterMs?: number;
  /** When the last of the regions that tripped decided. */
  lastRegionAfterMs?: number;
  regionsTripped: number;
  /** Every tripping region derived the same outage key (one incident, not three). */
  sameIdempotencyKey: boolean;
  /** The plain single-region detector's trip. */
  baselineDetectedAfterMs?: number;
}

const SITE_ID = 'phx-primary';

/** Runs one kill-and-detect cycle; see the module comment. */
export async function runDetection(options: DetectionRunOptions): Promise<DetectionRunResult> {
  const { settings } = options;
  const intervalMs = settings.probeIntervalSeconds * 1000;
  const table = await startLocalIncidentTable();
  const responder = await SipResponder.start({ mode: 200 });
  const clock = new SkippableClock();
  const endpoint: SipEndpoint = {
    host: '127.0.0.1',
    port: responder.port,
    transport: 'udp',
    healthyCodes: [],
  };
  const site: Site = { id: SITE_ID, role: 'primary', sip: [endpoint], http: [], calls: [] };
  const trips = new Map<string, { at: number; trip: SiteTrip }>();
  let baselineTripAt: number | undefined;
  let killedAt = Number.POSITIVE_INFINITY;
  let onFirstTrip: () => void = () => {};
  const firstTrip = new Promise<void>((resolve) => {
    onFirstTrip = resolve;
  });
  try {
    const cycles = options.regions.map(
      (region) =>
        new ProbeCycle({
          sites: [site],
          probeSite: (probed, round) => probeSite(probed, round, { timeoutMs: settings.probeTimeoutMs }),
          observations: new DynamoDbObservationStore({
            client: table.documentClient,
            tableName: table.observationTableName,
          }),
          siteHealth: new DynamoDbSiteHealthStore(table.documentClient, table.tableName),
          clock,
          settings,
          regions: options.regions,
          region,
          decision: options.decision,
          onTrip: async (trip) => {
            if (!trips.has(region)) trips.set(region, { at: Date.now(), trip });
            onFirstTrip();
          },
        }),
    );
    // Long enough for warmup, the worst case detection and then some; the run skips to it early.
    const startedAt = Date.now();
    const deadlineMs =
      startedAt +
      (options.warmupRounds + 2 * settings.failuresToTrip + 6) * intervalMs +
      10 * settleOf(options);
    const running = [
      ...cycles.map((cycle) => cycle.run(deadlineMs)),
      runPlainDetector(endpoint, settings, clock, deadlineMs, (at) => {
        if (at >= killedAt) baselineTripAt ??= at;
      }),
    ];
    const firstBoundary = Math.ceil(startedAt / intervalMs) * intervalMs;
    const killAt = firstBoundary + (options.warmupRounds + options.killPhase) * intervalMs;
    await clock.sleep(killAt - Date.now());
    killedAt = Date.now();
    await responder.setMode(options.mode);
    await Promise.race([firstTrip, clock.sleep(deadlineMs - Date.now())]);
    // Give the other regions the same round to decide too, so "regions tripped" means something.
    await clock.sleep(intervalMs + settings.probeTimeoutMs);
    clock.skipTo(deadlineMs);
    await Promise.all(running);
    const decided = [...trips.values()];
    return {
      mode: options.mode,
      killPhase: options.killPhase,
      detectedAfterMs: decided.length > 0 ? Math.min(...decided.map((d) => d.at)) - killedAt : undefined,
      lastRegionAfterMs: decided.length > 0 ? Math.max(...decided.map((d) => d.at)) - killedAt : undefined,
      regionsTripped: decided.length,
      sameIdempotencyKey: new Set(decided.map((d) => d.trip.idempotencyKey)).size <= 1,
      baselineDetectedAfterMs: baselineTripAt === undefined ? undefined : baselineTripAt - killedAt,
    };
  } finally {
    // On an error path the cycles may still be probing: end them before closing what they use.
    clock.skipTo(Date.now() + 24 * 3_600_000);
    await responder.close();
    await table.stop();
  }
}

function settleOf(options: DetectionRunOptions): number {
  return options.decision.settleMs ?? options.settings.probeTimeoutMs;
}

/**
 * The baseline detector: probes on the same interval boundaries as ProbeCycle and calls `onTrip`
 * at the end of every round that completes `failuresToTrip` failures in a row.
 */
async function runPlainDetector(
  endpoint: SipEndpoint,
  settings: DetectionSettings,
  clock: SkippableClock,
  deadlineMs: number,
  onTrip: (at: number) => void,
): Promise<void> {
  const intervalMs = settings.probeIntervalSeconds * 1000;
  let failures = 0;
  for (;;) {
    const startedAt = clock.now();
    if (startedAt + settings.probeTimeoutMs > deadlineMs) return;
    const result = await probeSipOptions(endpoint, { timeoutMs: settings.probeTimeoutMs });
    failures = result.ok ? 0 : failures + 1;
    if (failures >= settings.failuresToTrip) onTrip(Date.now());
    const next = (Math.floor(startedAt / intervalMs) + 1) * intervalMs;
    await clock.sleep(next - clock.now());
  }
}
