/**
 * Group `failover`: end-to-end failover time in the drill (the real probe, orchestrator and carrier
 * adapters on loopback): from the moment the site is killed to the last number forwarded, against
 * the theoretical bound = the detection bound (probeIntervalSeconds × failuresToTrip, plus one
 * interval and the settle window the decision waits) + numbers ÷ R, R being the carriers' combined
 * rate (each at `--rate-limit`), with each number costing the requests its carrier needs.
 */
import { DEFAULT_CONFIG_PATH } from '../../lib/config/load-config';
import type { BenchGroup } from '../bench-group';
import { formatNumber, renderFigureTable } from '../figure-table';
import { median } from '../statistics';

/** Requests per second each of the four carrier fakes takes (and the engine is configured for). */
const RATE_PER_CARRIER = 200;
const CARRIERS = 4;
/** Carrier requests one number costs on the per-number path: read (with the id lookup) and write. */
const REQUESTS_PER_NUMBER = 3;
const SIZES: readonly { numbers: number; runs: number }[] = [
  { numbers: 100, runs: 2 },
  { numbers: 1_000, runs: 1 },
];

export const failoverGroup: BenchGroup = {
  name: 'failover',
  description:
    'Site killed to last number forwarded in the drill (real handlers, dynalite, carrier fakes at 200 requests/s each), against detection bound + numbers ÷ R.',
  async run(context) {
    // The handlers' JSON log lines would go to stdout, where --json keeps only the result.
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    const { runDrill, DRILL_TIME_SCALE } = await import('../../lib/drill/run-drill');
    const intervalMs = DRILL_TIME_SCALE.probeIntervalSeconds * 1000;
    const detectionBoundMs = intervalMs * 3 + intervalMs + DRILL_TIME_SCALE.probeTimeoutMs + 200;
    const rows: { numbers: number; values: number[]; boundMs: number }[] = [];
    for (const size of SIZES) {
      const values: number[] = [];
      for (let run = 0; run < size.runs; run++) {
        const result = await runDrill(
          {
            configPath: DEFAULT_CONFIG_PATH,
            numbers: size.numbers,
            carrierFaults: 0,
            rateLimit: RATE_PER_CARRIER,
            seed: run + 1,
            timeoutMs: 600_000,
          },
          { phase: () => undefined, numbers: () => undefined },
        );
        if (result.numbers.forwarded !== size.numbers || result.numbers.forwardedTwice > 0) {
          throw new Error(`failover bench: ${size.numbers} numbers: ${JSON.stringify(result.numbers)}`);
        }
        values.push(result.forwardedAfterMs);
        context.log(
          `${size.numbers} numbers: last number forwarded ${formatNumber(result.forwardedAfterMs / 1000, 1)} s after the kill`,
        );
      }
      const boundMs =
        detectionBoundMs + (size.numbers * REQUESTS_PER_NUMBER * 1000) / (RATE_PER_CARRIER * CARRIERS);
      rows.push({ numbers: size.numbers, values, boundMs });
    }
    return {
      json: {
        failover: rows.map((row) => ({
          numbers: row.numbers,
          siteDeathToLastForwardedMs: median(row.values),
          boundMs: Math.round(row.boundMs),
        })),
      },
      markdown: [
        `Drill time scale: probe every ${DRILL_TIME_SCALE.probeIntervalSeconds} s, failuresToTrip 3, quorum 2 of 3 (detection bound ${formatNumber(detectionBoundMs / 1000, 1)} s). Bound = detection bound + numbers × ${REQUESTS_PER_NUMBER} requests ÷ (${CARRIERS} carriers × ${RATE_PER_CARRIER}/s).`,
        '',
        renderFigureTable(
          rows.map((row) => ({
            label: `${row.numbers.toLocaleString('en-US')} numbers: kill → last forwarded`,
            unit: 's',
            values: row.values.map((value) => value / 1000),
            baseline: { label: 'theoretical bound', values: [row.boundMs / 1000] },
          })),
        ),
        '',
        "10,000 numbers are left out of this group: on this machine the drill's in-process dynalite (one event loop shared with the fakes and the engine) serves a few hundred table operations a second, and each number needs about five, so the run measures dynalite rather than the failover; the forwarding group measures 10,000 numbers with the table in a worker thread.",
      ].join('\n'),
    };
  },
};
