/**
 * Group `scale` (issue 21, item 4): site death to the last number's calls reaching the backup, for
 * plans of 10,000 and 100,000 numbers spread evenly over the four carriers, in each mode family,
 * at the example config's rate limits and at ten times them, at the deployed detection settings,
 * on a virtual clock (bench/scale/). The real probe cycles, orchestrator handler, route step,
 * forwarding engine and carrier adapters run against the spec-checking carrier fakes in process.
 *
 *   SCALE_SIZES=10000             only these plan sizes (comma list) @default 10000,100000
 *   SCALE_FAMILIES=native,bulk    only these mode families @default all four
 *   SCALE_RATES=1                 only these rate factors @default 1,10
 *   SCALE_FAULTS=0.3              carrier fault rates (0-1) run again, at the largest size and
 *                                 rate factor selected, each family; `none` for no faulted run
 *                                 @default 0.3
 */
import { settleWindowMs } from '../../lambdas/domain/detection/decide-site-health';
import { loadDeployment } from '../../lib/config/load-config';
import { MODE_FAMILIES, type ModeFamily } from '../scale/mode-families';
import { detectionBoundMs } from '../scale/scale-figures';
import { renderScaleSection } from '../scale/scale-report';
import type { ScaleRunResult } from '../scale/scale-run';
import type { BenchGroup } from '../support/bench-group';
import { formatNumber } from '../support/figure-table';

const DEFAULT_SIZES = [10_000, 100_000];
const DEFAULT_RATE_FACTORS = [1, 10];
/** Issue 21's goal: 0 lost and 0 applied twice at 30 % carrier faults. */
const DEFAULT_FAULT_RATES = [0.3];
const SEED = 21;

export const scaleGroup: BenchGroup = {
  name: 'scale',
  description:
    'Site death to the last number’s calls reaching the backup on a virtual clock, for 10,000 and 100,000 numbers over the four carriers in each mode family (native, switch, bulk, per-number), at the example config’s rate limits and 10× them, with the deployed detection settings: the real probe cycles (modelled probes: answers before the kill, 2 s timeouts after), orchestrator handler, route step, forwarding engine and adapters against the in-process carrier fakes (50–150 ms a request); forwarding state in a modelled store (5–10 ms a call), the incident, read-back, baseline and detection stores on dynalite. Bound: native, the per-call failover time; otherwise detection bound + the fewest requests the carrier’s API allows ÷ its rate.',
  async run(context) {
    // The handlers' JSON log lines would go to stdout, where --json keeps only the result.
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    const { runScale } = await import('../scale/scale-run');
    const { config } = loadDeployment();
    const sizes = listFromEnvironment('SCALE_SIZES', DEFAULT_SIZES.map(String)).map(Number);
    const families = listFromEnvironment('SCALE_FAMILIES', [...MODE_FAMILIES]) as ModeFamily[];
    const rateFactors = listFromEnvironment('SCALE_RATES', DEFAULT_RATE_FACTORS.map(String)).map(Number);
    const faults =
      process.env.SCALE_FAULTS?.trim() === 'none'
        ? []
        : listFromEnvironment('SCALE_FAULTS', DEFAULT_FAULT_RATES.map(String)).map(Number);
    const unknown = families.filter((family) => !MODE_FAMILIES.includes(family));
    if (
      unknown.length > 0 ||
      sizes.some((size) => !(size > 0)) ||
      rateFactors.some((f) => !(f > 0)) ||
      faults.some((rate) => !(rate > 0 && rate < 1))
    ) {
      throw new Error(
        `scale: SCALE_SIZES, SCALE_FAMILIES (${MODE_FAMILIES.join(', ')}), SCALE_RATES and SCALE_FAULTS (rates between 0 and 1, or none) must be comma lists of known values`,
      );
    }
    const plans = sizes.flatMap((numbers) =>
      rateFactors.flatMap((rateFactor) =>
        families.map((family) => ({ numbers, rateFactor, family, carrierFaultRate: 0 })),
      ),
    );
    // The faulted runs: at the largest plan and rates, where a fault costs the most.
    const numbers = Math.max(...sizes);
    const rateFactor = Math.max(...rateFactors);
    for (const carrierFaultRate of faults) {
      plans.push(...families.map((family) => ({ numbers, rateFactor, family, carrierFaultRate })));
    }
    const runs: ScaleRunResult[] = [];
    for (const { numbers, rateFactor, family, carrierFaultRate } of plans) {
      const result = await runScale({
        example: config,
        numbers,
        family,
        rateFactor,
        carrierFaultRate,
        seed: SEED,
        log: context.log,
      });
      context.log(
        `${family} ×${rateFactor}${carrierFaultRate > 0 ? ` ${carrierFaultRate * 100} % faults` : ''} ${numbers} numbers: ${result.rows.map((row) => `${row.carrier} ${row.mode} ${row.killToReachableMs === null ? 'never' : `${formatNumber(row.killToReachableMs / 1000, 1)} s`} (bound ${formatNumber(row.boundMs / 1000, 1)} s, ${row.requests} requests, ${row.lost} lost, ${row.appliedTwice} twice)`).join('; ')}; wall ${formatNumber(result.wallSeconds, 0)} s`,
      );
      for (const why of result.lostWhy) context.log(`  lost ${why}`);
      runs.push(result);
    }
    const detection = config.detection;
    const settingsLine = `Detection: probe every ${detection.probeIntervalSeconds} s, failuresToTrip ${detection.failuresToTrip}, quorum ${detection.quorum} of ${config.watchdogRegions.length}, probe timeout ${detection.probeTimeoutMs} ms, settle window ${settleWindowMs(detection)} ms: detection bound ${formatNumber(detectionBoundMs(detection) / 1000, 1)} s. Rates: the example config's (Telnyx ${config.carriers.telnyx?.rateLimitPerSecond}/s, Twilio ${config.carriers.twilio?.rateLimitPerSecond}/s, Bandwidth ${config.carriers.bandwidth?.rateLimitPerSecond}/s, webhook the default 20/s) and ×10, the fakes limited alike. Jobs and orders are polled every 2 s and finish at the first poll.`;
    return {
      json: {
        scale: runs.flatMap((run) =>
          run.rows.map((row) => ({ ...row, run: run.family, rateFactor: run.rateFactor })),
        ),
        scaleRuns: runs.map(({ rows: _rows, ...run }) => ({
          ...run,
          wallSeconds: Math.round(run.wallSeconds),
        })),
      },
      markdown: renderScaleSection(runs, settingsLine),
    };
  },
};

function listFromEnvironment(name: string, fallback: readonly string[]): string[] {
  const value = process.env[name]?.trim();
  if (!value) return [...fallback];
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
