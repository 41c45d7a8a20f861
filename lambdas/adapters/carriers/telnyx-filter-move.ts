/**
 * Telnyx's `switch` when the backup connection has no numbers of its own: one update job
 * (CreateUpdatePhoneNumbersJob) whose query filter `filter[connection_id]=<site's connection>`
 * picks the numbers and whose body `connection_id` moves them to the backup connection, and
 * switchBack one job filtering on the backup connection and setting the site's back. Nothing is
 * listed and the record names no number: `{ carrier, kind: 'filter', from, to }`.
 *
 * Why the filter is exact here: the plan checked that the backup connection held no number
 * (ListPhoneNumbers, one item a page, `meta.total_results` 0), and the config forbids two sites
 * sharing a backup connection, so the backup connection is dedicated to this site's failover:
 * every number on it during the outage is one the switch put there, and moving "every number on
 * the backup connection" back is moving exactly those. Numbers that joined the site's connection
 * after the plan move too (the whole route moves) and come back with the rest; a number someone
 * moved to a third connection meanwhile is on neither filter and stays where it is.
 *
 * What Telnyx does not document, and how the move copes:
 * - When a filter job picks its numbers: when it is created or when it runs. Either way the move
 *   polls the job to its end and then counts what is left on the connection it empties (one
 *   ListPhoneNumbers of one item), running another job only when something is.
 * - Whether one filter job takes every match: the spec says "ALL phone numbers that match the
 *   given filters (up to 1000 at a time) will be updated", which reads both as "all of them,
 *   1,000 at a time" and as "1,000 a job". The move runs jobs one after the other until the count
 *   is 0 (at most one job a 1,000 numbers counted, plus one), so it finishes under either
 *   reading, but under the second a 100,000-number site takes 100 jobs one after the other.
 *   Jobs are not run side by side: two jobs of the same filter picking at creation would pick
 *   the same numbers.
 *
 * Idempotent: applying again counts first and sends no job when nothing is left to move.
 */
import { CarrierError } from '../../contracts/errors';
import type { RouteSwitchRecord } from '../../ports/carrier-routes';
import { createWhenRoom } from './telnyx-connection-move';
import { telnyxCount } from './telnyx-route-api';
import { TELNYX_BULK_LIMIT, type TelnyxJobContext } from './telnyx-update-job';

/** A Telnyx switch by filter: every number on `from` moves to `to`, and back by the reverse filter. */
export interface TelnyxFilterSwitchRecord extends RouteSwitchRecord {
  carrier: 'telnyx';
  kind: 'filter';
  /** The site's connection. */
  from: string;
  /** The backup connection, which had no numbers when planned. */
  to: string;
}

/** How many numbers are on the connection right now (one request). */
export function countNumbersOn(context: TelnyxJobContext, connectionId: string): Promise<number> {
  return telnyxCount(context, {
    operation: 'ListPhoneNumbers',
    subject: `numbers of connection ${connectionId}`,
    path: '/phone_numbers',
    query: { 'filter[connection_id]': connectionId },
  });
}

/**
 * Moves every number on `source` to `target` with filter jobs, one at a time, until a count
 * shows none left on `source`. Throws not retryable when Telnyx refuses numbers (the rest are
 * moved), retryable when a job does not finish in time or the count does not fall.
 */
export async function moveByFilter(context: TelnyxJobContext, source: string, target: string): Promise<void> {
  let left = await countNumbersOn(context, source);
  const maxJobs = Math.ceil(left / TELNYX_BULK_LIMIT) + 1;
  for (let jobs = 0; left > 0; jobs++) {
    if (jobs >= maxJobs) {
      throw new CarrierError(
        'telnyx',
        `${left} numbers still on connection ${source} after ${jobs} filter jobs moving them to ${target}; apply the same record again`,
        { retryable: true },
      );
    }
    const { job } = await createWhenRoom(
      context,
      { connection_id: target },
      `numbers of connection ${source} to connection ${target}`,
      { 'filter[connection_id]': source },
    );
    const refused = (job.failed_operations ?? []).map((failed) => {
      const said = failed.errors?.[0]?.detail ?? failed.errors?.[0]?.title ?? 'no reason given';
      return `${failed.phone_number ?? failed.id}: ${said}`;
    });
    if (refused.length > 0) {
      throw new CarrierError(
        'telnyx',
        `moving the numbers of connection ${source} to ${target}: Telnyx refused ${refused.length} in job ${job.id} (first: ${refused[0]}); fix those numbers at Telnyx or forward them another way`,
        { retryable: false },
      );
    }
    if (job.status !== 'completed') {
      throw new CarrierError(
        'telnyx',
        `filter job ${job.id} moving the numbers of connection ${source} to ${target} is ${job.status} after polling; apply the same record again`,
        { retryable: true },
      );
    }
    left = await countNumbersOn(context, source);
  }
}
