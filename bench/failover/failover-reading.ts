/**
 * The failover group's "where the time goes": for each plan size, how busy each event loop was and
 * when each carrier finished against its own rate bound, and the reading that follows from them.
 */
import type { DrillResult } from '../../lib/developer/drill/drill-result';
import { formatNumber } from '../support/figure-table';
import { median } from '../support/statistics';

/** One plan size's runs. */
export interface SizeRow {
  numbers: number;
  /** Kill to last number forwarded, ms, one value per run. */
  values: number[];
  boundMs: number;
  /** The last run's result, for where the time went. */
  last: DrillResult;
}

/** A carrier finishing this much after the one before it is named in the reading. */
const TAIL_WORTH_NAMING_MS = 2_000;
/** A carrier within this factor of its own rate bound was held back by its rate. */
const NEAR_RATE_BOUND = 1.1;
/** Telnyx's bulk update operation in the fake's request log. */
const TELNYX_BULK_JOB = 'CreateUpdatePhoneNumbersJob';
/** An event loop busy this share of the forwarding had no time to spare. */
const SATURATED = 0.85;

/** One carrier's share of a run: when its last number was forwarded against its own rate bound. */
interface CarrierFinish {
  carrier: string;
  lastForwardedMs: number;
  numbers: number;
  requestsPerNumber: number;
  /** Forwarding started + the carrier's requests ÷ its rate: no faster at that carrier's pace. */
  rateBoundMs: number;
}

/** Each carrier's finish in a run, slowest last. */
function carrierFinishes(result: DrillResult, ratePerCarrier: number): CarrierFinish[] {
  const last: Record<string, number> = {};
  const numbers: Record<string, number> = {};
  for (const { carrier, forwardedAtMs } of result.numberTimes) {
    numbers[carrier] = (numbers[carrier] ?? 0) + 1;
    if (forwardedAtMs !== null) last[carrier] = Math.max(last[carrier] ?? 0, forwardedAtMs);
  }
  const startedMs = forwardingStartedMs(result);
  return Object.entries(last)
    .map(([carrier, lastForwardedMs]) => {
      const requests = Object.values(result.carrierRequestsByOperation[carrier] ?? {}).reduce(
        (sum, count) => sum + count,
        0,
      );
      return {
        carrier,
        lastForwardedMs,
        numbers: numbers[carrier],
        requestsPerNumber: requests / numbers[carrier],
        rateBoundMs: startedMs + (requests * 1000) / ratePerCarrier,
      };
    })
    .sort((a, b) => a.lastForwardedMs - b.lastForwardedMs);
}

/** Ms from the kill to the incident's forwarding-started event. */
function forwardingStartedMs(result: DrillResult): number {
  return result.steps.find((step) => step.name === 'forwarding started')?.atMs ?? Number.NaN;
}

/** Ms from the kill to each carrier's last number forwarded, slowest last. */
export function lastForwardedByCarrier(result: DrillResult): Record<string, number> {
  // The rate only moves the rate bounds, which this leaves out.
  return Object.fromEntries(
    carrierFinishes(result, 1).map((finish) => [finish.carrier, finish.lastForwardedMs]),
  );
}

/** Event-loop load and carrier finishes per size, as a Markdown table with its legend. */
export function renderLoadTable(rows: readonly SizeRow[], ratePerCarrier: number): string {
  const lines = [
    '| numbers | handlers’ event loop busy | far side busy | carrier: requests per number, last forwarded ÷ its own rate bound |',
    '|--:|--:|--:|---|',
  ];
  for (const row of rows) {
    const { forwardingLoad } = row.last;
    const byCarrier = carrierFinishes(row.last, ratePerCarrier)
      .map(
        (finish) =>
          `${finish.carrier} ${formatNumber(finish.requestsPerNumber, 2)}, ${formatNumber(finish.lastForwardedMs / 1000, 1)} s ÷ ${formatNumber(finish.rateBoundMs / 1000, 1)} s`,
      )
      .join('; ');
    lines.push(
      `| ${row.numbers.toLocaleString('en-US')} | ${formatNumber(forwardingLoad.handlers, 2)} | ${formatNumber(forwardingLoad.farSide, 2)} | ${byCarrier} |`,
    );
  }
  lines.push(
    '',
    `Busy shares are of the forwarding (from when the drill saw the incident open to when it saw every number forwarded); near 1 means that event loop, not the carriers’ rate, set the pace. A carrier’s own rate bound is when forwarding started plus its requests ÷ its rate (${ratePerCarrier}/s): the time its requests need at that pace. Carriers are listed in the order they finished.`,
  );
  return lines.join('\n');
}

/** What limits each size, in sentences that follow from the figures above. */
export function readingOf(rows: readonly SizeRow[], ratePerCarrier: number): string[] {
  const lines = ['**Reading.**'];
  for (const row of rows) {
    const size = `${row.numbers.toLocaleString('en-US')} numbers`;
    const { handlers, farSide } = row.last.forwardingLoad;
    const startedMs = forwardingStartedMs(row.last);
    const phases = `detected after ${formatNumber(row.last.detectedAfterMs / 1000, 1)} s, forwarding started at ${formatNumber(startedMs / 1000, 1)} s and took ${formatNumber((row.last.forwardedAfterMs - startedMs) / 1000, 1)} s`;
    const finishes = carrierFinishes(row.last, ratePerCarrier);
    const slowest = finishes.at(-1);
    const next = finishes.at(-2);
    const causes: string[] = [];
    if (slowest) {
      const overOwnBound = slowest.lastForwardedMs / slowest.rateBoundMs;
      causes.push(
        `${slowest.carrier} finished last, at ${formatNumber(overOwnBound, 2)}× its own rate bound (${formatNumber(slowest.requestsPerNumber, 2)} requests per number)${overOwnBound <= NEAR_RATE_BOUND ? ', so its rate set the end' : ''}`,
      );
      const jobs = row.last.carrierRequestsByOperation.telnyx?.[TELNYX_BULK_JOB] ?? 0;
      if (
        slowest.carrier === 'telnyx' &&
        next &&
        slowest.lastForwardedMs - next.lastForwardedMs >= TAIL_WORTH_NAMING_MS &&
        overOwnBound > NEAR_RATE_BOUND &&
        jobs >= slowest.numbers * 0.9
      ) {
        causes.push(
          `${formatNumber((slowest.lastForwardedMs - next.lastForwardedMs) / 1000, 1)} s after ${next.carrier}: its bulk path sent ${formatNumber(jobs, 0)} update jobs for ${formatNumber(slowest.numbers, 0)} numbers, since a Telnyx job carries one voice setting and every drill number has its own destination, and the adapter runs a bulk call’s jobs one after another`,
        );
      }
    }
    if (handlers >= SATURATED) {
      const busyPerNumberMs = (handlers * (row.last.forwardedAfterMs - startedMs)) / row.numbers;
      causes.push(
        `the handlers’ event loop was busy ${formatNumber(handlers * 100, 0)} % of the forwarding (${formatNumber(busyPerNumberMs, 1)} ms per number: engine, AWS SDK calls to the table, fetch to the carriers)`,
      );
    }
    if (farSide >= SATURATED) {
      causes.push(`the far side (table and fakes) was busy ${formatNumber(farSide * 100, 0)} %`);
    }
    lines.push(
      `- ${size}: ${formatNumber(median(row.values) / row.boundMs, 2)}× the bound (last run: ${phases}); ${causes.join('; ')}.`,
    );
  }
  return lines;
}
