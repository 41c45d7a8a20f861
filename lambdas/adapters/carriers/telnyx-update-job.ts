/**
 * Telnyx's update jobs (CreateUpdatePhoneNumbersJob, then RetrievePhoneNumbersJob until it ends):
 * one request changes up to 1000 numbers, and the finished job says which of them it changed.
 *
 * A create refused for now (429, too many pending jobs) is sent again after a wait. A create whose
 * answer was lost (no answer, a 5xx, a body we cannot read) is looked for first: the newest update
 * jobs (ListPhoneNumbersJobs) are searched for one naming exactly the job's numbers, created since
 * it was sent; the one found is polled, and only when none is is the job created again. A filter
 * job names no numbers, so it cannot be found that way and its lost answer is thrown.
 */
import { CarrierAuthError, CarrierError } from '../../contracts/errors';
import { type CarrierHttpClient, type CarrierHttpRequest, malformedResponse } from './carrier-http';
import { createOnce } from './create-once';

/** Telnyx's documented maximum of numbers in one update job. */
export const TELNYX_BULK_LIMIT = 1000;

/** A phone number as ListPhoneNumbers and the job operations name it. */
export interface PhoneNumberRecord {
  id?: string;
  phone_number?: string;
}

/** An update job as Telnyx reports it. */
export interface PhoneNumbersJob {
  id?: string;
  status?: string;
  /** ISO 8601. */
  created_at?: string;
  /** The numbers the job was created with, as they were named. */
  phone_numbers?: PhoneNumberRecord[];
  successful_operations?: PhoneNumberRecord[];
  failed_operations?: (PhoneNumberRecord & {
    errors?: { code?: string; title?: string; detail?: string }[];
  })[];
  pending_operations?: PhoneNumberRecord[];
}

/** What running a job needs of the adapter: its client, where Telnyx is, and how to poll. */
export interface TelnyxJobContext {
  /** Sends one request (route operations pass one that goes through the run's `call`). */
  readonly http: Pick<CarrierHttpClient, 'sendJson'>;
  readonly baseUrl: string;
  /** The request headers, with a JSON content type when the request has a body. */
  headers(withBody?: boolean): Record<string, string>;
  readonly pollIntervalMs: number;
  readonly pollTimeoutMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Epoch ms, the clock a found job's `created_at` is held against. @default Date.now */
  readonly now?: () => number;
  /** After a create whose answer was lost, search for the job (else the error is thrown). @default true */
  readonly searchLostJobs?: boolean;
}

/** How much earlier than our send Telnyx's `created_at` may say, and the job still be ours. */
const CLOCK_SKEW_MS = 60_000;
/** Newest update jobs a search reads: more than the 20 Telnyx lets be pending at once. */
const SEARCH_PAGE_SIZE = 50;

/**
 * Creates one update job and polls it to the end. Returns, for every key (E.164 number or
 * phone number id, as sent), null when the update succeeded or the error that stopped it.
 */
export async function runUpdateJob(
  context: TelnyxJobContext,
  body: Record<string, unknown>,
  keys: string[],
): Promise<Map<string, Error | null>> {
  const subject = keys.length === 1 ? keys[0] : `${keys.length} numbers`;
  const { job, waitedMs } = await runJob(context, body, subject);
  return jobResults(job, keys, waitedMs);
}

/**
 * Creates one update job and polls it until it ends or `pollTimeoutMs` passes. Returns the last
 * job read and how long it was waited for. `filter` (e.g. `{ 'filter[connection_id]': id }`)
 * picks the numbers instead of the body's `phone_numbers`.
 */
export async function runJob(
  context: TelnyxJobContext,
  body: Record<string, unknown>,
  subject: string,
  filter?: Record<string, string>,
): Promise<{ job: PhoneNumbersJob; waitedMs: number }> {
  const query = filter ? `?${new URLSearchParams(filter)}` : '';
  const create = {
    operation: 'CreateUpdatePhoneNumbersJob',
    subject,
    method: 'POST' as const,
    url: `${context.baseUrl}/phone_numbers/jobs/update_phone_numbers${query}`,
    headers: context.headers(true),
    body: JSON.stringify(body),
  };
  const named = filter ? undefined : (body.phone_numbers as string[] | undefined);
  let job = await createJob(context, create, subject, named);
  let waited = 0;
  let askedToWait = 0;
  while (!isFinished(job) && waited < context.pollTimeoutMs) {
    const wait = Math.max(context.pollIntervalMs, askedToWait);
    askedToWait = 0;
    await context.sleep(wait);
    waited += wait;
    const poll = {
      operation: 'RetrievePhoneNumbersJob',
      subject: `job ${job.id}`,
      method: 'GET' as const,
      url: `${context.baseUrl}/phone_numbers/jobs/${encodeURIComponent(job.id ?? '')}`,
      headers: context.headers(),
    };
    try {
      job = jobOf(await context.http.sendJson<{ data?: PhoneNumbersJob }>(poll), poll);
    } catch (error) {
      // The job is already queued at Telnyx: a failed poll must not abandon it (re-creating it
      // would apply the change twice), so transient poll errors just delay the next poll.
      if (!(error instanceof CarrierError) || !error.retryable) {
        throw error;
      }
      askedToWait = error.retryAfterMs ?? 0;
    }
  }
  return { job, waitedMs: waited };
}

/** Creates the job, trying again as the module comment says; `named` is the numbers it names. */
async function createJob(
  context: TelnyxJobContext,
  create: CarrierHttpRequest,
  subject: string,
  named: readonly string[] | undefined,
): Promise<PhoneNumbersJob> {
  const now = context.now ?? Date.now;
  let sentAt = now();
  return createOnce<PhoneNumbersJob>({
    carrier: 'telnyx',
    what: { operation: 'CreateUpdatePhoneNumbersJob', subject, created: 'job' },
    create: async () => {
      sentAt = now();
      return jobOf(await context.http.sendJson<{ data?: PhoneNumbersJob }>(create), create);
    },
    find:
      named && context.searchLostJobs !== false ? () => findJob(context, named, sentAt, subject) : undefined,
    mapError: tooManyJobsIsRetryable,
    waitMs: context.pollIntervalMs,
    sleep: context.sleep,
  });
}

/** The newest update job naming exactly `named`, created since `sentAt` (give or take the skew). */
async function findJob(
  context: TelnyxJobContext,
  named: readonly string[],
  sentAt: number,
  subject: string,
): Promise<PhoneNumbersJob | undefined> {
  const query = new URLSearchParams({
    'filter[type]': 'update_phone_numbers',
    'page[size]': String(SEARCH_PAGE_SIZE),
  });
  const search: CarrierHttpRequest = {
    operation: 'ListPhoneNumbersJobs',
    subject,
    method: 'GET',
    url: `${context.baseUrl}/phone_numbers/jobs?${query}`,
    headers: context.headers(),
  };
  const body = await context.http.sendJson<{ data?: PhoneNumbersJob[] }>(search);
  if (!Array.isArray(body?.data)) throw malformedResponse('telnyx', search, 'no `data` list of jobs');
  const wanted = new Set(named);
  // Jobs come newest first (the spec's default sort), so the first match is the latest.
  return body.data.find((job) => {
    const keys = (job.phone_numbers ?? []).map((record) => record.phone_number ?? record.id);
    return (
      typeof job.id === 'string' &&
      keys.length === wanted.size &&
      keys.every((key) => key !== undefined && wanted.has(key)) &&
      Date.parse(job.created_at ?? '') >= sentAt - CLOCK_SKEW_MS
    );
  });
}

/** True once Telnyx has stopped working on the job (whatever the outcome). */
function isFinished(job: PhoneNumbersJob): boolean {
  return job.status === 'completed' || job.status === 'failed' || job.status === 'expired';
}

function jobOf(body: { data?: PhoneNumbersJob }, request: { operation: string; subject?: string }) {
  if (typeof body?.data !== 'object' || body.data === null || typeof body.data.id !== 'string') {
    throw malformedResponse('telnyx', request, 'no job `data` with an id');
  }
  return body.data;
}

function jobResults(job: PhoneNumbersJob, keys: string[], waitedMs: number): Map<string, Error | null> {
  const results = new Map<string, Error | null>();
  const matches = (record: PhoneNumberRecord, key: string) =>
    record.phone_number === key || record.id === key;
  for (const key of keys) {
    const failed = job.failed_operations?.find((record) => matches(record, key));
    if (job.successful_operations?.some((record) => matches(record, key))) {
      results.set(key, null);
    } else if (failed) {
      const first = failed.errors?.[0];
      const said = [first?.title, first?.detail].filter(Boolean).join(': ') || 'no reason given';
      results.set(
        key,
        new CarrierError(
          'telnyx',
          `update job ${job.id} failed for ${key}: ${said}; fix the number at Telnyx or forward it another way`,
          { retryable: false, code: first?.code },
        ),
      );
    } else {
      const state = isFinished(job) ? `ended ${job.status}` : `still ${job.status} after ${waitedMs} ms`;
      results.set(
        key,
        new CarrierError(
          'telnyx',
          `update job ${job.id} ${state} without confirming ${key}; retry (the job may still apply it, which is harmless)`,
          { retryable: true },
        ),
      );
    }
  }
  return results;
}

// Telnyx allows 20 pending jobs; its 422 for the 21st is a "come back later", not a bad request.
function tooManyJobsIsRetryable(error: unknown): unknown {
  if (
    error instanceof CarrierError &&
    !(error instanceof CarrierAuthError) &&
    error.status === 422 &&
    /pending or in progress jobs/i.test(error.message)
  ) {
    return new CarrierError('telnyx', `${error.message.replace(/^telnyx: /, '')} (too many pending jobs)`, {
      retryable: true,
      status: error.status,
      code: error.code,
      cause: error,
    });
  }
  return error;
}
