/**
 * A local Twilio (REST 2010-04-01 IncomingPhoneNumbers and Elastic SIP Trunking v1 on one port)
 * for tests and the drill. Requests are checked against the trimmed official OpenAPI in
 * lib/developer/carrier-fakes/contracts/twilio-contract.json, stricter in one way: form fields the
 * operation does not define are violations (Twilio would silently ignore them, hiding typos).
 */

import { type ContractOperation, ContractValidator, type JsonSchema } from './contract-validator';
import contract from './contracts/twilio-contract.json';
import {
  type FakeCarrierOptions,
  FakeCarrierServer,
  type FakeRequest,
  type FakeResponse,
  jsonResponse,
} from './fake-carrier-server';

/** An IncomingPhoneNumber's routing fields, as Twilio returns them. */
export interface TwilioFakeNumberState {
  sid: string;
  phone_number: string;
  voice_url: string | null;
  voice_method: string;
  voice_fallback_url: string | null;
  voice_fallback_method: string;
  trunk_sid: string | null;
  voice_application_sid: string;
}

/** A number to seed; unset fields get defaults (answered by https://pbx.example.com/voice). */
export interface TwilioFakeNumber {
  phoneNumber: string;
  sid?: string;
  voiceUrl?: string | null;
  voiceMethod?: string;
  voiceFallbackUrl?: string | null;
  voiceFallbackMethod?: string;
  trunkSid?: string | null;
  voiceApplicationSid?: string;
}

/** An origination URL of a fake trunk. */
export interface TwilioFakeOriginationUrl {
  sid: string;
  sip_url: string;
  priority: number;
  weight: number;
  enabled: boolean;
  friendly_name: string;
}

/** A fake Elastic SIP trunk. */
export interface TwilioFakeTrunkState {
  sid: string;
  disaster_recovery_url: string | null;
  disaster_recovery_method: string;
  origination_urls: TwilioFakeOriginationUrl[];
}

/** Twilio fake options. */
export interface TwilioFakeOptions extends FakeCarrierOptions {
  /** @default AC + 32 a's */
  readonly accountSid?: string;
  /** @default test-auth-token */
  readonly authToken?: string;
}

// Twilio clears a field posted empty; these are stored as null when cleared (as Twilio reads
// them back), the others as ''.
const NULL_WHEN_EMPTY = new Set(['voice_url', 'voice_fallback_url', 'trunk_sid']);
const ROUTING_FIELDS: Record<string, keyof TwilioFakeNumberState> = {
  VoiceUrl: 'voice_url',
  VoiceMethod: 'voice_method',
  VoiceFallbackUrl: 'voice_fallback_url',
  VoiceFallbackMethod: 'voice_fallback_method',
  TrunkSid: 'trunk_sid',
  VoiceApplicationSid: 'voice_application_sid',
};

/** The fake Twilio. Give adapters `baseUrl` and `trunkingBaseUrl`, accountSid and authToken. */
export class TwilioFake extends FakeCarrierServer {
  readonly accountSid: string;
  readonly authToken: string;
  private readonly validator = new ContractValidator(...twilioOperations());
  private readonly numbers = new Map<string, TwilioFakeNumberState>();
  private readonly trunks = new Map<string, TwilioFakeTrunkState>();
  private nextSid = 0;

  constructor(options: TwilioFakeOptions = {}) {
    super(options, '');
    this.accountSid = options.accountSid ?? `AC${'a'.repeat(32)}`;
    this.authToken = options.authToken ?? 'test-auth-token';
  }

  /** Elastic SIP Trunking base URL (the fake serves it on the same port). */
  get trunkingBaseUrl(): string {
    return `${this.baseUrl}/v1`;
  }

  /** Adds numbers (replacing any with the same phone number). */
  seedNumbers(numbers: TwilioFakeNumber[]): void {
    for (const number of numbers) {
      this.numbers.set(number.phoneNumber, {
        sid: number.sid ?? this.newSid('PN'),
        phone_number: number.phoneNumber,
        voice_url: number.voiceUrl === undefined ? 'https://pbx.example.com/voice' : number.voiceUrl,
        voice_method: number.voiceMethod ?? 'POST',
        voice_fallback_url: number.voiceFallbackUrl ?? null,
        voice_fallback_method: number.voiceFallbackMethod ?? 'POST',
        trunk_sid: number.trunkSid ?? null,
        voice_application_sid: number.voiceApplicationSid ?? '',
      });
    }
  }

  /** Adds a trunk with origination URLs ({sipUrl, priority, enabled?, weight?}). */
  seedTrunk(
    sid: string,
    originationUrls: { sipUrl: string; priority: number; enabled?: boolean; weight?: number }[],
    disasterRecoveryUrl: string | null = null,
  ): void {
    this.trunks.set(sid, {
      sid,
      disaster_recovery_url: disasterRecoveryUrl,
      disaster_recovery_method: 'POST',
      origination_urls: originationUrls.map((url) => ({
        sid: this.newSid('OU'),
        sip_url: url.sipUrl,
        priority: url.priority,
        weight: url.weight ?? 10,
        enabled: url.enabled ?? true,
        friendly_name: url.sipUrl,
      })),
    });
  }

  /** A copy of the number's routing fields, or undefined when it is not on the account. */
  routingOf(phoneNumber: string): TwilioFakeNumberState | undefined {
    const state = this.numbers.get(phoneNumber);
    return state && structuredClone(state);
  }

  /** A copy of the trunk's state. */
  trunkOf(sid: string): TwilioFakeTrunkState | undefined {
    const state = this.trunks.get(sid);
    return state && structuredClone(state);
  }

  protected rateLimited(retryAfterSeconds: number | undefined): FakeResponse {
    return jsonResponse(429, twilioError(20429, 'Too Many Requests', 429), {
      headers: retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) },
    });
  }

  protected serverError(status: number): FakeResponse {
    return jsonResponse(status, twilioError(20500, 'Internal Server Error', status));
  }

  protected handle(request: FakeRequest): FakeResponse {
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (request.headers.authorization !== expected) {
      return jsonResponse(401, twilioError(20003, 'Authenticate', 401));
    }
    const matched = this.validator.match(request.method, request.path);
    if (!matched) {
      this.recordViolation(request, undefined, [`no Twilio operation ${request.method} ${request.path}`]);
      return notFound(request.path);
    }
    const operation = matched.operation.operationId;
    const form = request.body === '' ? undefined : Object.fromEntries(new URLSearchParams(request.body));
    // A field posted empty clears it (Twilio's documented way to unset), so empty values are
    // exempt from format and pattern checks.
    const checked = form && Object.fromEntries(Object.entries(form).filter(([, value]) => value !== ''));
    const problems = this.validator.validate(
      matched,
      request.query,
      checked,
      request.headers['content-type'],
    );
    if (problems.length > 0) {
      this.recordViolation(request, operation, problems);
      return jsonResponse(400, twilioError(21100, `Invalid parameter: ${problems.join('; ')}`, 400), {
        operation,
      });
    }
    if (matched.params.AccountSid !== undefined && matched.params.AccountSid !== this.accountSid) {
      return notFound(request.path);
    }
    return { ...this.route(operation, matched.params, request.query, form ?? {}, request.path), operation };
  }

  private route(
    operation: string,
    params: Record<string, string>,
    query: Record<string, string>,
    form: Record<string, string>,
    path: string,
  ): FakeResponse {
    switch (operation) {
      case 'ListIncomingPhoneNumber': {
        const filter = query.PhoneNumber;
        const found = [...this.numbers.values()].filter(
          (state) => !filter || state.phone_number.includes(filter),
        );
        return jsonResponse(200, {
          incoming_phone_numbers: found.map((state) => this.numberView(state)),
          page: 0,
          page_size: Number(query.PageSize ?? 50),
          start: 0,
          end: Math.max(0, found.length - 1),
          next_page_uri: null,
          previous_page_uri: null,
          uri: path,
        });
      }
      case 'FetchIncomingPhoneNumber':
      case 'UpdateIncomingPhoneNumber': {
        const state = [...this.numbers.values()].find((candidate) => candidate.sid === params.Sid);
        if (!state) {
          return notFound(path);
        }
        if (operation === 'FetchIncomingPhoneNumber') {
          return jsonResponse(200, this.numberView(state));
        }
        applyNumberUpdate(state, form);
        return jsonResponse(200, this.numberView(state), { applied: [state.phone_number] });
      }
      case 'ListOriginationUrl': {
        const trunk = this.trunks.get(params.TrunkSid);
        if (!trunk) {
          return notFound(path);
        }
        return jsonResponse(200, {
          origination_urls: trunk.origination_urls.map((url) => ({ ...url, trunk_sid: trunk.sid })),
          meta: {
            key: 'origination_urls',
            page: 0,
            page_size: Number(query.PageSize ?? 50),
            next_page_url: null,
          },
        });
      }
      case 'FetchOriginationUrl':
      case 'UpdateOriginationUrl': {
        const url = this.trunks
          .get(params.TrunkSid)
          ?.origination_urls.find((candidate) => candidate.sid === params.Sid);
        if (!url) {
          return notFound(path);
        }
        if (operation === 'FetchOriginationUrl') {
          return jsonResponse(200, { ...url, trunk_sid: params.TrunkSid });
        }
        if (form.Enabled !== undefined) url.enabled = form.Enabled === 'true';
        if (form.Priority !== undefined) url.priority = Number(form.Priority);
        if (form.Weight !== undefined) url.weight = Number(form.Weight);
        if (form.SipUrl !== undefined) url.sip_url = form.SipUrl;
        if (form.FriendlyName !== undefined) url.friendly_name = form.FriendlyName;
        return jsonResponse(200, { ...url, trunk_sid: params.TrunkSid }, { applied: [url.sid] });
      }
      case 'FetchTrunk':
      case 'UpdateTrunk': {
        const trunk = this.trunks.get(params.Sid);
        if (!trunk) {
          return notFound(path);
        }
        if (operation === 'FetchTrunk') {
          return jsonResponse(200, trunkView(trunk));
        }
        if (form.DisasterRecoveryUrl !== undefined)
          trunk.disaster_recovery_url = form.DisasterRecoveryUrl || null;
        if (form.DisasterRecoveryMethod !== undefined)
          trunk.disaster_recovery_method = form.DisasterRecoveryMethod;
        return jsonResponse(200, trunkView(trunk), { applied: [trunk.sid] });
      }
      default:
        return notFound(path);
    }
  }

  private numberView(state: TwilioFakeNumberState): Record<string, unknown> {
    return {
      account_sid: this.accountSid,
      api_version: '2010-04-01',
      capabilities: { voice: true, sms: true, mms: false, fax: false },
      friendly_name: state.phone_number,
      status: 'in-use',
      ...state,
      uri: `/2010-04-01/Accounts/${this.accountSid}/IncomingPhoneNumbers/${state.sid}.json`,
    };
  }

  private newSid(prefix: string): string {
    this.nextSid += 1;
    return `${prefix}${this.nextSid.toString(16).padStart(32, '0')}`;
  }
}

function applyNumberUpdate(state: TwilioFakeNumberState, form: Record<string, string>): void {
  const writable = state as unknown as Record<string, string | null>;
  for (const [param, field] of Object.entries(ROUTING_FIELDS)) {
    const value = form[param];
    if (value === undefined) {
      continue;
    }
    writable[field] = value === '' && NULL_WHEN_EMPTY.has(field) ? null : value;
    // Twilio: "Setting a trunk_sid will automatically delete your voice_application_sid and vice versa."
    if (param === 'TrunkSid' && value !== '') state.voice_application_sid = '';
    if (param === 'VoiceApplicationSid' && value !== '') state.trunk_sid = null;
  }
}

function trunkView(trunk: TwilioFakeTrunkState): Record<string, unknown> {
  return {
    sid: trunk.sid,
    disaster_recovery_url: trunk.disaster_recovery_url,
    disaster_recovery_method: trunk.disaster_recovery_method,
    friendly_name: 'fake trunk',
    domain_name: 'fake.pstn.twilio.com',
  };
}

function twilioError(code: number, message: string, status: number): Record<string, unknown> {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

function notFound(path: string): FakeResponse {
  return jsonResponse(404, twilioError(20404, `The requested resource ${path} was not found`, 404));
}

interface OpenApiOperation {
  operationId: string;
  parameters?: { name: string; in: string; schema?: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}

/** Turns the trimmed OpenAPI documents into contract operations and shared definitions. */
function twilioOperations(): [ContractOperation[], Record<string, JsonSchema>] {
  const operations: ContractOperation[] = [];
  let definitions: Record<string, JsonSchema> = {};
  for (const api of [contract.api_v2010, contract.trunking_v1]) {
    // The validator resolves shared schemas under #/definitions.
    const rewritten = JSON.parse(
      JSON.stringify(api).replaceAll('#/components/schemas/', '#/definitions/'),
    ) as {
      paths: Record<string, Record<string, OpenApiOperation>>;
      components: { schemas: Record<string, JsonSchema> };
    };
    definitions = { ...definitions, ...rewritten.components.schemas };
    for (const [path, methods] of Object.entries(rewritten.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const parameters = operation.parameters ?? [];
        const inPlace = (where: string) =>
          Object.fromEntries(
            parameters
              .filter((parameter) => parameter.in === where)
              .map((parameter) => [parameter.name, parameter.schema ?? {}]),
          );
        const form = operation.requestBody?.content['application/x-www-form-urlencoded']?.schema;
        operations.push({
          operationId: operation.operationId,
          method: method.toUpperCase(),
          path,
          pathParams: inPlace('path'),
          query: { type: 'object', additionalProperties: false, properties: inPlace('query') },
          body: form && { ...form, additionalProperties: false },
          contentType: form ? 'application/x-www-form-urlencoded' : undefined,
        });
      }
    }
  }
  return [operations, definitions];
}
