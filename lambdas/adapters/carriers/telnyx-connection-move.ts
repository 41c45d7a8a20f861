/**
 * Telnyx's `switch` when the backup connection already has numbers of its own (so a filter on it
 * would take them along on the way back; telnyx-filter-move.ts is the other case): the plan lists
 * the site connection's numbers (ListPhoneNumbers filtered by connection id, 250 a page, the
 * pages after the first all at once) and the record names them; the switch moves them to the
 * backup connection in update jobs (CreateUpdatePhoneNumbersJob with `phone_numbers` and
 * `connection_id`, up to 1,000 numbers a job, several in flight within Telnyx's 20 pending jobs),
 * and failback moves exactly those numbers back.
 *
 * Applying and undoing read first (the numbers still on the connection they leave), so a second
 * application or a second undo sends only reads, and a number someone has moved elsewhere since
 * is left where it is. A record costs about 15 bytes a number, so the plan (telnyx-switch-plan.ts)
 * refuses one of more than MAX_LISTED_SWITCH_NUMBERS: the incident item holding it would not fit
 * DynamoDB's 400 KB.
 */
import { CarrierError } from '../../contracts/errors';
import type { RouteSwitchRecord } from '../../ports/carrier-routes';
import { telnyxListAll } from './telnyx-route-api';
import {
  type PhoneNumberRecord,
  runJob,
  TELNYX_BULK_LIMIT,
  type TelnyxJobContext,
} from './telnyx-update-job';

/** What a listed Telnyx switch changes: these numbers, on `from` when planned, move to `to`. */
export interface TelnyxListedSwitchRecord extends RouteSwitchRecord {
  carrier: 'telnyx';
  kind: 'connection-move';
  /** The connection the numbers were on when planned (the site's). */
  from: string;
  /** The connection they move to (the backup's). */
  to: string;
  /** The E.164 numbers on `from` when planned, sorted. */
  numbers: string[];
}

/** How many jobs one move keeps in flight. */
export interface MoveLimits {
  /** Jobs in flight at once; Telnyx allows 20 pending an account, forwarding jobs included. */
  readonly maxJobsInFlight: number;
}

/** Moves the record's numbers still on `record.from` to `record.to`. */
export function applyConnectionMove(
  context: TelnyxJobContext,
  record: TelnyxListedSwitchRecord,
  limits: MoveLimits,
): Promise<void> {
  return moveStill(context, record.numbers, record.from, record.to, limits);
}

/** Moves the record's numbers still on `record.to` back to `record.from`. */
export function undoConnectionMove(
  context: TelnyxJobContext,
  record: TelnyxListedSwitchRecord,
  limits: MoveLimits,
): Promise<void> {
  return moveStill(context, record.numbers, record.to, record.from, limits);
}

/** The E.164 numbers on the connection right now, every page read. */
export async function numbersOn(context: TelnyxJobContext, connectionId: string): Promise<string[]> {
  const listed = await telnyxListAll<PhoneNumberRecord>(context, {
    operation: 'ListPhoneNumbers',
    subject: `numbers of connection ${connectionId}`,
    path: '/phone_numbers',
    query: { 'filter[connection_id]': connectionId },
  });
  return listed.flatMap((record) => (record.phone_number ? [record.phone_number] : []));
}

async function moveStill(
  context: TelnyxJobContext,
  numbers: readonly string[],
  source: string,
  target: string,
  limits: MoveLimits,
): Promise<void> {
  const wanted = new Set(numbers);
  if (wanted.size === 0) {
    return;
  }
  const pending = (await numbersOn(context, source)).filter((number) => wanted.has(number));
  const jobs = chunks(pending, TELNYX_BULK_LIMIT);
  const problems = await runJobs(context, jobs, target, limits);
  if (problems.refused.length > 0 || problems.unfinished.length > 0) {
    const first = problems.unfinished[0]?.message ?? problems.refused[0];
    const retryable = problems.unfinished.length > 0;
    throw new CarrierError(
      'telnyx',
      `moving ${pending.length} numbers from connection ${source} to ${target}: ${problems.refused.length} refused, ${problems.unfinished.length} jobs unfinished (first: ${first}); ${retryable ? 'apply the same record again to move the rest' : 'fix those numbers at Telnyx or forward them another way'}`,
      { retryable, cause: problems.unfinished[0] },
    );
  }
}

interface JobProblems {
  /** Numbers Telnyx refused, with its reason: trying again will not move them. */
  refused: string[];
  /** Jobs not created or not finished in time: trying again may move their numbers. */
  unfinished: Error[];
}

/** Runs one job a chunk, `maxJobsInFlight` at a time; a job refused for the pending limit waits and tries again. */
async function runJobs(
  context: TelnyxJobContext,
  jobs: string[][],
  target: string,
  limits: MoveLimits,
): Promise<JobProblems> {
  const problems: JobProblems = { refused: [], unfinished: [] };
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const numbers = jobs[next++];
      try {
        const { job } = await createWhenRoom(
          context,
          { phone_numbers: numbers, connection_id: target },
          `${numbers.length} numbers to connection ${target}`,
        );
        for (const failed of job.failed_operations ?? []) {
          const said = failed.errors?.[0]?.detail ?? failed.errors?.[0]?.title ?? 'no reason given';
          problems.refused.push(`${failed.phone_number ?? failed.id}: ${said}`);
        }
        if (job.status !== 'completed') {
          problems.unfinished.push(
            new CarrierError('telnyx', `job ${job.id} is ${job.status} after polling`, { retryable: true }),
          );
        }
      } catch (error) {
        problems.unfinished.push(error as Error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limits.maxJobsInFlight, jobs.length) }, worker));
  return problems;
}

/**
 * Runs one update job (runJob), waiting and trying again while Telnyx refuses it for its limit
 * of 20 pending jobs, up to `pollTimeoutMs`.
 */
export async function createWhenRoom(
  context: TelnyxJobContext,
  body: Record<string, unknown>,
  subject: string,
  filter?: Record<string, string>,
) {
  let waited = 0;
  for (;;) {
    try {
      return await runJob(context, body, subject, filter);
    } catch (error) {
      // runJob turns only Telnyx's "at most 20 pending or in progress jobs" 422 into a retryable one.
      const pendingLimit = error instanceof CarrierError && error.retryable && error.status === 422;
      if (!pendingLimit || waited >= context.pollTimeoutMs) throw error;
      await context.sleep(context.pollIntervalMs);
      waited += context.pollIntervalMs;
    }
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}
