/**
 * The fake Telnyx's update jobs (CreateUpdatePhoneNumbersJob, RetrievePhoneNumbersJob,
 * ListPhoneNumbersJobs newest first): numbers
 * named in `phone_numbers` (up to 1,000) or picked by the query's filter (every match, or at most
 * `filterJobLimit`), at most 20 jobs pending or in progress, each completing after a few polls
 * with per-number failures on request.
 *
 * Telnyx's spec says a filter job updates "ALL phone numbers that match the given filters (up to
 * 1000 at a time)": whether one job takes every match (1,000 at a time inside) or 1,000 only, and
 * whether it picks them when created or when it runs, it does not say. The fake picks when the
 * job is created, every match unless `filterJobLimit` says otherwise.
 */
import { type FakeResponse, jsonResponse } from './fake-carrier-server';
import {
  applyCallForwarding,
  matchesDigits,
  notFound,
  type TelnyxFakeAccount,
  type TelnyxFakeCallForwarding,
  type TelnyxFakeNumberState,
  unprocessable,
} from './telnyx-fake-state';

/** Telnyx's documented maximum of jobs pending or in progress at once. */
export const TELNYX_FAKE_MAX_PENDING_JOBS = 20;

interface Job {
  id: string;
  /** What the job's numbers were named by: E.164 numbers or ids as sent, or the ids a filter picked. */
  keys: string[];
  voice?: { call_forwarding?: Partial<TelnyxFakeCallForwarding> };
  connectionId?: string;
  polls: number;
  createdAt: number;
  status: 'pending' | 'in_progress' | 'completed';
  successful: TelnyxFakeNumberState[];
  failed: { state: TelnyxFakeNumberState; code: string; detail: string }[];
}

/** The update jobs of one fake account. */
export class TelnyxFakeJobs {
  private readonly jobs = new Map<string, Job>();
  private readonly failures = new Map<string, { code: string; detail: string }>();

  constructor(
    private readonly account: TelnyxFakeAccount,
    /** RetrievePhoneNumbersJob calls before a job completes. */
    private readonly pollsToComplete: number,
    /** Most numbers a filter job picks (undefined: every match). */
    private readonly filterJobLimit?: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Makes every later job fail this number with a Telnyx error (in `failed_operations`). */
  failNumber(phoneNumber: string, error: { code: string; detail: string }): void {
    this.failures.set(phoneNumber, error);
  }

  /** Jobs created so far that have not completed. */
  pendingCount(): number {
    return [...this.jobs.values()].filter((job) => job.status !== 'completed').length;
  }

  /** CreateUpdatePhoneNumbersJob, its body and query already checked against the contract. */
  create(body: Record<string, unknown>, query: Record<string, string>): FakeResponse {
    const filter = Object.entries(query).filter(([key]) => key.startsWith('filter['));
    const named = body.phone_numbers as string[] | undefined;
    if (named === undefined && filter.length === 0) {
      // Telnyx: phone_numbers "is required if no filter parameters are provided".
      return unprocessable('phone_numbers must be present');
    }
    let keys: string[];
    if (named !== undefined) {
      const e164 = named.filter((key) => key.startsWith('+'));
      if (e164.length > 0 && e164.length < named.length) {
        return unprocessable(
          'You must specify either all phone numbers in the e164 format or all as phone number ids',
        );
      }
      if (named.some((key) => this.find(key) === undefined)) {
        return unprocessable('You must own every number in the bulk request');
      }
      keys = named;
    } else {
      // Which numbers a filter picks is decided here, when the job is created: Telnyx does not say
      // whether it decides then or when the job runs.
      keys = [...this.account.numbers.values()]
        .filter((state) => matchesFilter(state, query))
        .slice(0, this.filterJobLimit)
        .map((state) => state.id);
    }
    if (this.pendingCount() >= TELNYX_FAKE_MAX_PENDING_JOBS) {
      return unprocessable(
        `You can have at most ${TELNYX_FAKE_MAX_PENDING_JOBS} pending or in progress jobs`,
      );
    }
    const job: Job = {
      id: `42587e44-3a3e-46de-9255-${String(this.jobs.size + 1).padStart(12, '0')}`,
      keys,
      voice: body.voice as Job['voice'],
      connectionId: body.connection_id as string | undefined,
      polls: 0,
      createdAt: this.now(),
      status: 'pending',
      successful: [],
      failed: [],
    };
    this.jobs.set(job.id, job);
    return jsonResponse(202, { data: jobView(job, this.states(job)) });
  }

  /** ListPhoneNumbersJobs: newest first (the spec's default sort), `page[size]` (20) a page. */
  list(query: Record<string, string>): FakeResponse {
    const size = Number(query['page[size]'] ?? 20);
    const page = Number(query['page[number]'] ?? 1);
    const type = query['filter[type]'];
    // Every job of the fake is an update job.
    const jobs =
      type === undefined || type === 'update_phone_numbers' ? [...this.jobs.values()].reverse() : [];
    const shown = jobs.slice((page - 1) * size, page * size);
    return jsonResponse(200, {
      data: shown.map((job) => jobView(job, this.states(job))),
      meta: {
        page_number: page,
        page_size: size,
        total_pages: Math.max(1, Math.ceil(jobs.length / size)),
        total_results: jobs.length,
      },
    });
  }

  /** RetrievePhoneNumbersJob: the job completes (and applies) on the configured poll. */
  poll(id: string): FakeResponse {
    const job = this.jobs.get(id);
    if (!job) {
      return notFound();
    }
    const states = this.states(job);
    job.polls += 1;
    if (job.status === 'completed') {
      return jsonResponse(200, { data: jobView(job, states) });
    }
    if (job.polls < this.pollsToComplete) {
      job.status = 'in_progress';
      return jsonResponse(200, { data: jobView(job, states) });
    }
    for (const state of states) {
      const failure = this.failures.get(state.phone_number);
      if (failure) {
        job.failed.push({ state, ...failure });
        continue;
      }
      if (job.voice?.call_forwarding) {
        applyCallForwarding(state, job.voice.call_forwarding);
      }
      if (job.connectionId) {
        state.connection_id = job.connectionId;
      }
      job.successful.push(state);
    }
    job.status = 'completed';
    return jsonResponse(
      200,
      { data: jobView(job, states) },
      { applied: job.successful.map((state) => state.phone_number) },
    );
  }

  private states(job: Job): TelnyxFakeNumberState[] {
    // One index a call, not a scan a key: a filter job of a 100,000-number connection names them all.
    // A job naming E.164 numbers needs none, and is polled often.
    let byId: Map<string, TelnyxFakeNumberState> | undefined;
    const ofId = (id: string) => {
      byId ??= new Map([...this.account.numbers.values()].map((state) => [state.id, state]));
      return byId.get(id);
    };
    return job.keys.map((key) => (key.startsWith('+') ? this.account.numbers.get(key) : ofId(key))!);
  }

  private find(key: string): TelnyxFakeNumberState | undefined {
    return key.startsWith('+')
      ? this.account.numbers.get(key)
      : [...this.account.numbers.values()].find((state) => state.id === key);
  }
}

function matchesFilter(state: TelnyxFakeNumberState, query: Record<string, string>): boolean {
  const connection = query['filter[connection_id]'];
  return (
    (connection === undefined || state.connection_id === connection) &&
    matchesDigits(state, query['filter[phone_number]'])
  );
}

function jobView(job: Job, states: TelnyxFakeNumberState[]): Record<string, unknown> {
  const op = (state: TelnyxFakeNumberState) => ({ id: state.id, phone_number: state.phone_number });
  const done = job.status === 'completed';
  return {
    id: job.id,
    record_type: 'phone_numbers_job',
    created_at: new Date(job.createdAt).toISOString(),
    type: 'update_phone_numbers',
    status: job.status,
    phone_numbers: job.keys.map((key) => (key.startsWith('+') ? { phone_number: key } : { id: key })),
    successful_operations: job.successful.map(op),
    failed_operations: job.failed.map(({ state, code, detail }) => ({
      ...op(state),
      errors: [{ code, title: 'Bad Request', detail }],
    })),
    pending_operations: done ? [] : states.map(op),
  };
}
