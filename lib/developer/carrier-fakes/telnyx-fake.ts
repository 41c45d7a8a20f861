/**
 * A local Telnyx API v2 for tests and the drill: phone numbers with voice settings, the bulk
 * update jobs (which complete after a few polls), Telnyx's error bodies and auth, and every request
 * checked against lib/developer/carrier-fakes/contracts/telnyx-contract.json.
 */

import { type ContractOperation, ContractValidator, type JsonSchema } from './contract-validator';
import contract from './contracts/telnyx-contract.json';
import {
  type FakeCarrierOptions,
  FakeCarrierServer,
  type FakeRequest,
  type FakeResponse,
  jsonResponse,
} from './fake-carrier-server';

/** Telnyx's call forwarding settings as the fake stores them. */
export interface TelnyxFakeCallForwarding {
  call_forwarding_enabled: boolean;
  forwards_to: string | null;
  forwarding_type: 'always' | 'on-failure';
}

/** A number's state at the fake Telnyx. */
export interface TelnyxFakeNumberState {
  id: string;
  phone_number: string;
  connection_id: string;
  call_forwarding: TelnyxFakeCallForwarding;
}

/** A number to seed; unset fields get defaults (no forwarding, connection `1111111111`). */
export interface TelnyxFakeNumber {
  phoneNumber: string;
  id?: string;
  connectionId?: string;
  callForwarding?: Partial<TelnyxFakeCallForwarding>;
}

/** Telnyx fake options. */
export interface TelnyxFakeOptions extends FakeCarrierOptions {
  /** The API key the fake accepts. @default KEYtest */
  readonly apiKey?: string;
  /** RetrievePhoneNumbersJob calls before a job completes. @default 2 */
  readonly jobPollsToComplete?: number;
}

interface Job {
  id: string;
  keys: string[];
  voice?: { call_forwarding?: Partial<TelnyxFakeCallForwarding> };
  connectionId?: string;
  polls: number;
  status: 'pending' | 'in_progress' | 'completed';
  successful: TelnyxFakeNumberState[];
  failed: { state: TelnyxFakeNumberState; code: string; detail: string }[];
}

const MAX_PENDING_JOBS = 20;

/** The fake Telnyx. Start it, give adapters `baseUrl` (which ends in /v2) and the api key. */
export class TelnyxFake extends FakeCarrierServer {
  /** The API key the fake accepts. */
  readonly apiKey: string;
  private readonly validator = new ContractValidator(
    contract.operations as unknown as ContractOperation[],
    contract.definitions as Record<string, JsonSchema>,
  );
  private readonly numbers = new Map<string, TelnyxFakeNumberState>();
  private readonly jobs = new Map<string, Job>();
  private readonly jobFailures = new Map<string, { code: string; detail: string }>();
  private nextId = 0;

  constructor(private readonly telnyxOptions: TelnyxFakeOptions = {}) {
    super(telnyxOptions, '/v2');
    this.apiKey = telnyxOptions.apiKey ?? 'KEYtest';
  }

  /** Adds numbers (replacing any with the same phone number). */
  seedNumbers(numbers: TelnyxFakeNumber[]): void {
    for (const number of numbers) {
      this.nextId += 1;
      this.numbers.set(number.phoneNumber, {
        id: number.id ?? String(1293384261075731000n + BigInt(this.nextId)),
        phone_number: number.phoneNumber,
        connection_id: number.connectionId ?? '1111111111',
        call_forwarding: {
          call_forwarding_enabled: true,
          forwards_to: null,
          forwarding_type: 'always',
          ...number.callForwarding,
        },
      });
    }
  }

  /** A copy of the number's current state, or undefined when it is not on the account. */
  routingOf(phoneNumber: string): TelnyxFakeNumberState | undefined {
    const state = this.numbers.get(phoneNumber);
    return state && structuredClone(state);
  }

  /** Makes every later job fail this number with a Telnyx error (in `failed_operations`). */
  failNumberInJobs(phoneNumber: string, error: { code?: string; detail: string }): void {
    this.jobFailures.set(phoneNumber, { code: error.code ?? '10015', detail: error.detail });
  }

  protected rateLimited(retryAfterSeconds: number | undefined): FakeResponse {
    const reset = String(Math.ceil(this.now() / 1000) + (retryAfterSeconds ?? 1));
    return jsonResponse(429, telnyxErrors('10011', 'Too many requests', 'Rate limit exceeded.'), {
      headers: {
        'x-ratelimit-limit': String(this.options.rateLimitPerSecond ?? 0),
        'x-ratelimit-remaining': '0',
        ...(retryAfterSeconds === undefined
          ? {}
          : { 'Retry-After': String(retryAfterSeconds), 'x-ratelimit-reset': reset }),
      },
    });
  }

  protected serverError(status: number): FakeResponse {
    return jsonResponse(status, telnyxErrors('10007', 'Unexpected error', 'An unexpected error occured.'));
  }

  protected handle(request: FakeRequest): FakeResponse {
    if (request.headers.authorization !== `Bearer ${this.apiKey}`) {
      return jsonResponse(
        401,
        telnyxErrors('10009', 'Authentication failed', 'Could not understand the provided credentials.'),
      );
    }
    const matched = this.validator.match(request.method, request.path);
    if (!matched) {
      this.recordViolation(request, undefined, [`no Telnyx operation ${request.method} ${request.path}`]);
      return jsonResponse(
        404,
        telnyxErrors('10005', 'Resource not found', 'The requested resource or URL could not be found.'),
      );
    }
    const operation = matched.operation.operationId;
    let body: unknown;
    if (request.body !== '') {
      try {
        body = JSON.parse(request.body);
      } catch {
        this.recordViolation(request, operation, ['body: not valid JSON']);
        return jsonResponse(
          400,
          telnyxErrors('10015', 'Bad Request', 'The request body is not valid JSON.'),
          { operation },
        );
      }
    }
    const problems = this.validator.validate(matched, request.query, body, request.headers['content-type']);
    if (problems.length > 0) {
      this.recordViolation(request, operation, problems);
      return jsonResponse(422, telnyxErrors('10015', 'Bad Request', problems.join('; ')), { operation });
    }
    const answer = this.route(operation, matched.params, request.query, body as Record<string, unknown>);
    return { ...answer, operation };
  }

  private route(
    operation: string,
    params: Record<string, string>,
    query: Record<string, string>,
    body: Record<string, unknown>,
  ): FakeResponse {
    switch (operation) {
      case 'ListPhoneNumbers':
        return this.list(query);
      case 'GetPhoneNumberVoiceSettings':
      case 'UpdatePhoneNumberVoiceSettings': {
        const state = [...this.numbers.values()].find((candidate) => candidate.id === params.id);
        if (!state) {
          return jsonResponse(
            404,
            telnyxErrors('10005', 'Resource not found', 'The requested resource or URL could not be found.'),
          );
        }
        if (operation === 'GetPhoneNumberVoiceSettings') {
          return jsonResponse(200, { data: voiceView(state) });
        }
        applyCallForwarding(state, (body.call_forwarding ?? {}) as Partial<TelnyxFakeCallForwarding>);
        return jsonResponse(200, { data: voiceView(state) }, { applied: [state.phone_number] });
      }
      case 'CreateUpdatePhoneNumbersJob':
        return this.createJob(body);
      case 'RetrievePhoneNumbersJob':
        return this.pollJob(params.id);
      default:
        return jsonResponse(404, telnyxErrors('10005', 'Resource not found', `no handler for ${operation}`));
    }
  }

  private list(query: Record<string, string>): FakeResponse {
    const digits = query['filter[phone_number]'];
    const connection = query['filter[connection_id]'];
    const matches = [...this.numbers.values()].filter(
      (state) =>
        // Telnyx: a non-numerical filter returns nothing; the filter matches part of the number.
        (digits === undefined ||
          (/^\d+$/.test(digits) && state.phone_number.replace(/\D/g, '').includes(digits))) &&
        (connection === undefined || state.connection_id === connection),
    );
    const size = Number(query['page[size]'] ?? 20);
    const page = Number(query['page[number]'] ?? 1);
    const totalPages = Math.max(1, Math.ceil(matches.length / size));
    const data = matches.slice((page - 1) * size, page * size).map((state) => ({
      id: state.id,
      record_type: 'phone_number',
      phone_number: state.phone_number,
      status: 'active',
      connection_id: state.connection_id,
      call_forwarding_enabled: state.call_forwarding.call_forwarding_enabled,
    }));
    return jsonResponse(200, {
      data,
      meta: { page_number: page, page_size: size, total_pages: totalPages, total_results: matches.length },
    });
  }

  private createJob(body: Record<string, unknown>): FakeResponse {
    const keys = body.phone_numbers as string[];
    const e164 = keys.filter((key) => key.startsWith('+'));
    if (e164.length > 0 && e164.length < keys.length) {
      return jsonResponse(
        422,
        telnyxErrors(
          '10015',
          'Bad Request',
          'You must specify either all phone numbers in the e164 format or all as phone number ids',
        ),
      );
    }
    const states = keys.map((key) => this.find(key));
    if (states.some((state) => state === undefined)) {
      return jsonResponse(
        422,
        telnyxErrors('10015', 'Bad Request', 'You must own every number in the bulk request'),
      );
    }
    const pending = [...this.jobs.values()].filter((job) => job.status !== 'completed').length;
    if (pending >= MAX_PENDING_JOBS) {
      return jsonResponse(
        422,
        telnyxErrors(
          '10015',
          'Bad Request',
          `You can have at most ${MAX_PENDING_JOBS} pending or in progress jobs`,
        ),
      );
    }
    const job: Job = {
      id: `42587e44-3a3e-46de-9255-${String(this.jobs.size + 1).padStart(12, '0')}`,
      keys,
      voice: body.voice as Job['voice'],
      connectionId: body.connection_id as string | undefined,
      polls: 0,
      status: 'pending',
      successful: [],
      failed: [],
    };
    this.jobs.set(job.id, job);
    return jsonResponse(202, { data: jobView(job, states as TelnyxFakeNumberState[]) });
  }

  private pollJob(id: string): FakeResponse {
    const job = this.jobs.get(id);
    if (!job) {
      return jsonResponse(
        404,
        telnyxErrors('10005', 'Resource not found', 'The requested resource or URL could not be found.'),
      );
    }
    const states = job.keys.map((key) => this.find(key)!);
    job.polls += 1;
    if (job.status === 'completed') {
      return jsonResponse(200, { data: jobView(job, states) });
    }
    if (job.polls < (this.telnyxOptions.jobPollsToComplete ?? 2)) {
      job.status = 'in_progress';
      return jsonResponse(200, { data: jobView(job, states) });
    }
    for (const state of states) {
      const failure = this.jobFailures.get(state.phone_number);
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

  private find(key: string): TelnyxFakeNumberState | undefined {
    return key.startsWith('+')
      ? this.numbers.get(key)
      : [...this.numbers.values()].find((state) => state.id === key);
  }
}

function applyCallForwarding(state: TelnyxFakeNumberState, update: Partial<TelnyxFakeCallForwarding>): void {
  const next = { ...state.call_forwarding };
  if (update.call_forwarding_enabled !== undefined)
    next.call_forwarding_enabled = update.call_forwarding_enabled;
  // A blank forwards_to means "not forwarded"; Telnyx reads it back as null.
  if (update.forwards_to !== undefined)
    next.forwards_to = update.forwards_to === '' ? null : update.forwards_to;
  if (update.forwarding_type !== undefined) next.forwarding_type = update.forwarding_type;
  state.call_forwarding = next;
}

function voiceView(state: TelnyxFakeNumberState): Record<string, unknown> {
  return {
    id: state.id,
    record_type: 'voice_settings',
    phone_number: state.phone_number,
    connection_id: state.connection_id,
    call_forwarding: { ...state.call_forwarding },
    tech_prefix_enabled: false,
    translated_number: '',
    usage_payment_method: 'pay-per-minute',
  };
}

function jobView(job: Job, states: TelnyxFakeNumberState[]): Record<string, unknown> {
  const op = (state: TelnyxFakeNumberState) => ({ id: state.id, phone_number: state.phone_number });
  const done = job.status === 'completed';
  return {
    id: job.id,
    record_type: 'phone_numbers_job',
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

function telnyxErrors(code: string, title: string, detail: string): Record<string, unknown> {
  return {
    errors: [
      { code, title, detail, meta: { url: `https://developers.telnyx.com/docs/overview/errors/${code}` } },
    ],
  };
}
