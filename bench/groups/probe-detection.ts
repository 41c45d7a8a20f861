/**
 * Group `probe-detection`: how long after a SIP peer dies the quorum of watchdog regions decides
 * it is down, against the bound the config promises (`probeIntervalSeconds × failuresToTrip`, plus
 * one interval for the kill landing between rounds, plus the settle window the decision waits so
 * that every region has written a round before any region judges it).
 *
 * Time is scaled 1:10 from the example config so a run takes seconds: the example's 10 s interval
 * becomes 1 s, its 2 s probe timeout 200 ms, its settle window (timeout + 3 s) 500 ms; failuresToTrip,
 * quorum and the regions are the example's. Multiply the figures by 10 for the deployed config.
 * ProbeCycle takes DetectionSettings as given, so the 1 s interval (below the schema's 5 s minimum)
 * needs no change to the code under test.
 */

import { seededRandom } from '../../lambdas/adapters/local/seeded-random';
import type { DetectionSettings } from '../../lambdas/contracts/config/schema';
import { settleWindowMs } from '../../lambdas/domain/detection/decide-site-health';
import { loadDeployment } from '../../lib/config/load-config';
import { type DetectionRunResult, type KillMode, runDetection } from '../probe-detection/detection-run';
import type { BenchGroup } from '../support/bench-group';
import { formatNumber, renderFigureTable } from '../support/figure-table';
import { maximum, median, round } from '../support/statistics';

/** Scaled seconds per example second. */
const TIME_SCALE = 0.1;
/** Each kill mode this many times; kill phases are seeded, so reruns kill at the same moments. */
const RUNS_PER_MODE = 3;
const MODES: readonly KillMode[] = ['stopped', 'silent'];
const SEED = 20220812;

export const probeDetectionGroup: BenchGroup = {
  name: 'probe-detection',
  description:
    'Time from killing a SIP peer (in-process responder, UDP on loopback) to the trip decided by three ProbeCycle regions sharing one dynalite table, against the bound probeIntervalSeconds × failuresToTrip; baseline: one region tripping on its own third failed OPTIONS (no quorum, no table, no settle window), measured on the same kill.',
  async run(context) {
    const { config } = loadDeployment();
    const example = config.detection;
    const settings: DetectionSettings = {
      ...example,
      probeIntervalSeconds: example.probeIntervalSeconds * TIME_SCALE,
      probeTimeoutMs: Math.round(example.probeTimeoutMs * TIME_SCALE),
    };
    const settleMs = Math.round(settleWindowMs(example) * TIME_SCALE);
    const intervalMs = settings.probeIntervalSeconds * 1000;
    const boundMs = intervalMs * settings.failuresToTrip;
    const random = seededRandom(SEED);
    const results: DetectionRunResult[] = [];
    for (let index = 0; index < RUNS_PER_MODE * MODES.length; index++) {
      const mode = MODES[index % MODES.length];
      const killPhase = round(random(), 3);
      const result = await runDetection({
        mode,
        settings,
        decision: { settleMs },
        regions: config.watchdogRegions,
        killPhase,
        warmupRounds: settings.failuresToTrip,
      });
      context.log(
        `run ${index + 1}: peer ${mode} at phase ${killPhase}: quorum trip after ${describeMs(result.detectedAfterMs)} (${result.regionsTripped} regions), plain detector after ${describeMs(result.baselineDetectedAfterMs)}`,
      );
      results.push(result);
    }
    const detected = results.map((result) => result.detectedAfterMs ?? Number.POSITIVE_INFINITY);
    const baseline = results.map((result) => result.baselineDetectedAfterMs ?? Number.POSITIVE_INFINITY);
    const byMode = Object.fromEntries(
      MODES.map((mode) => {
        const times = results
          .filter((r) => r.mode === mode)
          .map((r) => r.detectedAfterMs ?? Number.POSITIVE_INFINITY);
        return [mode, { median: round(median(times), 0), max: round(maximum(times), 0) }];
      }),
    );
    const json = {
      probeDetection: {
        runs: results.length,
        intervalMs,
        failuresToTrip: settings.failuresToTrip,
        quorum: settings.quorum,
        regions: config.watchdogRegions,
        probeTimeoutMs: settings.probeTimeoutMs,
        settleMs,
        timeScale: TIME_SCALE,
        detectedAfterMs: { median: round(median(detected), 0), max: round(maximum(detected), 0) },
        boundMs,
        boundPlusIntervalMs: boundMs + intervalMs,
        boundPlusIntervalPlusSettleMs: boundMs + intervalMs + settleMs,
        withinBoundPlusInterval: detected.filter((ms) => ms <= boundMs + intervalMs).length,
        withinBoundPlusIntervalPlusSettle: detected.filter((ms) => ms <= boundMs + intervalMs + settleMs)
          .length,
        baselineDetectedAfterMs: { median: round(median(baseline), 0), max: round(maximum(baseline), 0) },
        byMode,
        allRegionsAgreedOnOneOutage: results.every((r) => r.sameIdempotencyKey),
        perRun: results.map((r) => ({
          mode: r.mode,
          killPhase: r.killPhase,
          detectedAfterMs: r.detectedAfterMs === undefined ? null : round(r.detectedAfterMs, 0),
          lastRegionAfterMs: r.lastRegionAfterMs === undefined ? null : round(r.lastRegionAfterMs, 0),
          regionsTripped: r.regionsTripped,
          baselineDetectedAfterMs:
            r.baselineDetectedAfterMs === undefined ? null : round(r.baselineDetectedAfterMs, 0),
        })),
      },
    };
    const markdown = [
      `Settings (example config scaled 1:${formatNumber(1 / TIME_SCALE, 0)}): interval ${intervalMs} ms, failuresToTrip ${settings.failuresToTrip}, quorum ${settings.quorum} of ${config.watchdogRegions.length} regions (${config.watchdogRegions.join(', ')}), probe timeout ${settings.probeTimeoutMs} ms, settle window ${settleMs} ms. ${RUNS_PER_MODE} kills per mode (\`stopped\`: ports closed, the probe hears ICMP unreachable; \`silent\`: no answer, the probe times out), at seeded random phases of the interval.`,
      '',
      renderFigureTable([
        {
          label: 'kill → quorum trip (all runs)',
          unit: 'ms',
          values: detected,
          baseline: { label: 'one region, 3 failures', values: baseline },
          digits: 0,
        },
        ...MODES.map((mode) => ({
          label: `kill → quorum trip (peer ${mode})`,
          unit: 'ms',
          values: results
            .filter((r) => r.mode === mode)
            .map((r) => r.detectedAfterMs ?? Number.POSITIVE_INFINITY),
          baseline: {
            label: 'one region, 3 failures',
            values: results
              .filter((r) => r.mode === mode)
              .map((r) => r.baselineDetectedAfterMs ?? Number.POSITIVE_INFINITY),
          },
          digits: 0,
        })),
      ]),
      '',
      '| bound | ms | runs within |',
      '|---|--:|--:|',
      `| probeIntervalSeconds × failuresToTrip | ${boundMs} | ${detected.filter((ms) => ms <= boundMs).length} of ${detected.length} |`,
      `| + one interval (round alignment) | ${boundMs + intervalMs} | ${json.probeDetection.withinBoundPlusInterval} of ${detected.length} |`,
      '',
      `Why the trip lands after the bound: the peer dies part-way through an interval, the next ${settings.failuresToTrip} rounds fail, and the round completing the failure run is judged only at the round after it, once its ${settleMs} ms settle window (every region has written the round) has passed. So the quorum trips ${settings.failuresToTrip} intervals plus the rest of the interval the peer died in after the kill, within bound + one interval while the settle window is shorter than an interval minus the probe time. The plain single-region detector trips right after its own third failed probe, one interval earlier: that interval (${formatNumber(intervalMs / TIME_SCALE / 1000, 0)} s deployed) is the price of deciding together, the settle window that lets every region write a round before any region judges it.`,
      '',
      `Every run's tripping regions derived the same outage key (one incident): ${json.probeDetection.allRegionsAgreedOnOneOutage ? 'yes' : 'NO'}. At the deployed scale (×${formatNumber(1 / TIME_SCALE, 0)}) the median is about ${formatNumber(median(detected) / TIME_SCALE / 1000, 0)} s after the peer dies, against a bound of ${formatNumber(boundMs / TIME_SCALE / 1000, 0)} s (${formatNumber((boundMs + intervalMs) / TIME_SCALE / 1000, 0)} s with round alignment).`,
    ].join('\n');
    return { json, markdown };
  },
};

function describeMs(ms: number | undefined): string {
  return ms === undefined ? 'never' : `${Math.round(ms)} ms`;
}
