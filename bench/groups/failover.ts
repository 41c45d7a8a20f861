/**
 * Group `failover`: end-to-end failover time in the drill (the real probe, orchestrator and carrier
 * adapters on loopback, the table and the carrier fakes in a worker thread): from the moment the
 * site is killed to the last number forwarded, against the theoretical bound = the detection bound
 * (probeIntervalSeconds × failuresToTrip, plus one interval and the settle window the decision
 * waits) + numbers × 3 requests ÷ R, R being the carriers' combined rate (each at `--rate-limit`).
 * Each run stops once every number is forwarded: the failback half is the drill's, not this figure's.
 * The sites' routes (`sites[].failover`) are left out, so every number goes through the forwarding
 * engine; one more run, with the example config's routes, says when callers reached the backup at
 * each carrier by its fastest mode, counted at the fakes.
 */
import { DEFAULT_CONFIG_PATH } from '../../lib/config/load-config';
import type { DrillResult } from '../../lib/developer/drill/drill-result';
import {
  lastForwardedByCarrier,
  readingOf,
  renderLoadTable,
  type SizeRow,
} from '../failover/failover-reading';
import type { BenchGroup } from '../support/bench-group';
import { formatNumber, renderFigureTable } from '../support/figure-table';
import { median } from '../support/statistics';

/** Requests per second each of the four carrier fakes takes (and the engine is configured for). */
const RATE_PER_CARRIER = 200;
const CARRIERS = 4;
/** Carrier requests one number costs on the per-number path: read (with the id lookup) and write. */
const REQUESTS_PER_NUMBER = 3;
/** The plan of the run with the example config's routes. */
const ROUTED_NUMBERS = 10_000;
/** Fewer runs as the plan grows, so the group stays near 3 minutes on a 2-core machine. */
const SIZES: readonly { numbers: number; runs: number }[] = [
  { numbers: 100, runs: 2 },
  { numbers: 1_000, runs: 1 },
  { numbers: 10_000, runs: 1 },
];

export const failoverGroup: BenchGroup = {
  name: 'failover',
  description:
    'Site killed to last number forwarded in the drill (real handlers; carrier fakes at 200 requests/s each; fakes and dynalite in a worker thread), against detection bound + numbers ÷ R.',
  async run(context) {
    // The handlers' JSON log lines would go to stdout, where --json keeps only the result.
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    const { runDrill } = await import('../../lib/developer/drill/run-drill');
    const { DRILL_TIME_SCALE } = await import('../../lib/developer/drill/drill-files');
    const intervalMs = DRILL_TIME_SCALE.probeIntervalSeconds * 1000;
    const detectionBoundMs = intervalMs * 3 + intervalMs + DRILL_TIME_SCALE.probeTimeoutMs + 200;
    const started = Date.now();
    const rows: SizeRow[] = [];
    for (const size of SIZES) {
      const values: number[] = [];
      let last: DrillResult | undefined;
      for (let run = 0; run < size.runs; run++) {
        const result = await runDrill(
          {
            configPath: DEFAULT_CONFIG_PATH,
            numbers: size.numbers,
            carrierFaults: 0,
            rateLimit: RATE_PER_CARRIER,
            seed: run + 1,
            timeoutMs: 600_000,
            until: 'forwarded',
            withoutRoutes: true,
          },
          { phase: () => undefined, numbers: () => undefined },
        );
        if (result.numbers.forwarded !== size.numbers || result.numbers.forwardedTwice > 0) {
          throw new Error(`failover bench: ${size.numbers} numbers: ${JSON.stringify(result.numbers)}`);
        }
        values.push(result.forwardedAfterMs);
        last = result;
        context.log(
          `${size.numbers} numbers: last number forwarded ${formatNumber(result.forwardedAfterMs / 1000, 1)} s after the kill (run took ${formatNumber(result.durationMs / 1000, 0)} s)`,
        );
      }
      const boundMs =
        detectionBoundMs + (size.numbers * REQUESTS_PER_NUMBER * 1000) / (RATE_PER_CARRIER * CARRIERS);
      rows.push({ numbers: size.numbers, values, boundMs, last: last as DrillResult });
    }
    const byRoute = await runDrill(
      {
        configPath: DEFAULT_CONFIG_PATH,
        numbers: ROUTED_NUMBERS,
        carrierFaults: 0,
        rateLimit: RATE_PER_CARRIER,
        seed: 1,
        timeoutMs: 600_000,
        until: 'forwarded',
      },
      { phase: () => undefined, numbers: () => undefined },
    );
    context.log(
      `${ROUTED_NUMBERS} numbers with the example's routes: ${byRoute.byCarrier.map((carrier) => `${carrier.carrier} ${carrier.mode} ${formatNumber(carrier.forwardedAfterMs / 1000, 1)} s, ${carrier.requests} requests`).join('; ')}`,
    );
    const groupSeconds = (Date.now() - started) / 1000;
    return {
      json: {
        failover: rows.map((row) => ({
          numbers: row.numbers,
          runs: row.values.length,
          siteDeathToLastForwardedMs: median(row.values),
          boundMs: Math.round(row.boundMs),
          lastForwardedByCarrierMs: lastForwardedByCarrier(row.last),
          carrierRequestsByOperation: row.last.carrierRequestsByOperation,
          handlersBusy: round(row.last.forwardingLoad.handlers),
          farSideBusy: round(row.last.forwardingLoad.farSide),
          carrierRequestsPerNumber: round(row.last.carrierRequests / row.numbers),
        })),
        failoverByRoute: {
          numbers: ROUTED_NUMBERS,
          byCarrier: byRoute.byCarrier.map(({ carrier, mode, numbers, requests, forwardedAfterMs }) => ({
            carrier,
            mode,
            numbers,
            requests,
            forwardedAfterMs,
          })),
        },
        failoverGroupSeconds: Math.round(groupSeconds),
      },
      markdown: [
        `Drill time scale: probe every ${DRILL_TIME_SCALE.probeIntervalSeconds} s, failuresToTrip 3, quorum 2 of 3 (detection bound ${formatNumber(detectionBoundMs / 1000, 1)} s). Bound = detection bound + numbers × ${REQUESTS_PER_NUMBER} requests ÷ (${CARRIERS} carriers × ${RATE_PER_CARRIER}/s). Runs: ${SIZES.map((size) => `${size.runs} at ${size.numbers.toLocaleString('en-US')}`).join(', ')} numbers (fewer as the plan grows, to keep the group short); the group took ${formatNumber(groupSeconds, 0)} s.`,
        '',
        'The incident table (dynalite) and the carrier fakes run in a worker thread, like the other machines they stand for; the three regions’ probes, the orchestrator and the forwarding engine, with their AWS SDK and fetch clients, share the main event loop (the forwarding itself runs in one orchestrator invocation, as in one Lambda runtime). Each run ends once every number is forwarded: the failback is left out.',
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
        '### Where the time goes (last run of each size)',
        '',
        renderLoadTable(rows, RATE_PER_CARRIER),
        '',
        ...readingOf(rows, RATE_PER_CARRIER),
        '',
        `### With the example config's routes (${ROUTED_NUMBERS.toLocaleString('en-US')} numbers)`,
        '',
        "Telnyx, Twilio and Bandwidth in their fastest mode (native, armed before the kill as `arm` does), the webhook per number. When every caller of the carrier reached the backup, from the fakes' own call routing, and the requests the carrier received from the kill until then:",
        '',
        '| carrier | mode | numbers | requests during the outage | callers reach the backup |',
        '|---|---|---:|---:|---:|',
        ...byRoute.byCarrier.map(
          (carrier) =>
            `| ${carrier.carrier} | ${carrier.mode} | ${carrier.numbers.toLocaleString('en-US')} | ${carrier.requests.toLocaleString('en-US')} | ${formatNumber(carrier.forwardedAfterMs / 1000, 2)} s |`,
        ),
        '',
        "A native carrier's callers reach the backup at the kill: each call waits the carrier's own failover time (not modelled; see README, \"Failover modes\"). The webhook's numbers go one request each after detection.",
      ].join('\n'),
    };
  },
};

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
