/**
 * A local Twilio (REST 2010-04-01 IncomingPhoneNumbers and Elastic SIP Trunking v1 on one port)
 * for tests and the drill. Requests are checked against the trimmed official OpenAPI in
 * lib/developer/carrier-fakes/contracts/twilio-contract.json (twilio-fake-contract.ts), values
 * included: a field posted empty where the spec gives a pattern or a URI format is refused, as a
 * server built from the spec refuses it. Refusals are answered 400 with Twilio's error body
 * (`{code, message, more_info, status}`), the status Twilio documents for failed validation.
 *
 * Every accepted write counts as applied (`writesTo`), except voice fields written while a trunk or
 * an application answers the number: Twilio ignores them there, so no routing was written.
 */

import { TWILIO_ECHO_TWIMLET_URL } from '../../../lambdas/adapters/carriers/twilio-dial-twiml';
import type { SiteRoute } from '../../../lambdas/ports/carrier-routes';
import type { CallPath, RoutesCalls, TargetIsUp } from './call-routing';
import { ContractValidator } from './contract-validator';
import {
  type FakeCarrierOptions,
  FakeCarrierServer,
  type FakeRequest,
  type FakeResponse,
  jsonResponse,
} from './fake-carrier-server';
import { twilioOperations } from './twilio-fake-contract';
import { INVALID_PAGE_TOKEN, incomingNumbersPage, numberListProblems } from './twilio-fake-number-list';
import { routeTwilioCall } from './twilio-fake-routing';
import {
  effectiveRouting,
  type TwilioFakeNumber,
  type TwilioFakeNumberState,
  TwilioFakeState,
  type TwilioFakeTrunkState,
} from './twilio-fake-state';
import { documentedRuleProblems, handleTrunking, type TrunkingContext } from './twilio-fake-trunking';

export type {
  TwilioFakeNumber,
  TwilioFakeNumberState,
  TwilioFakeOriginationUrl,
  TwilioFakeTrunkState,
} from './twilio-fake-state';

/** Twilio fake options. */
export interface TwilioFakeOptions extends FakeCarrierOptions {
  /** @default AC + 32 a's */
  readonly accountSid?: string;
  /** @default test-auth-token */
  readonly authToken?: string;
  /**
   * Provider-hosted dial URLs (the adapter's `dialTwimlUrl`, `dialSipTwimlUrl`) that routeCall
   * reads `?Destination=` from; the Echo Twimlet is always recognised. @default none
   */
  readonly dialTwimlUrls?: readonly string[];
}

const ROUTING_FIELDS: Record<string, keyof TwilioFakeNumberState> = {
  VoiceUrl: 'voice_url',
  VoiceMethod: 'voice_method',
  VoiceFallbackUrl: 'voice_fallback_url',
  VoiceFallbackMethod: 'voice_fallback_method',
  TrunkSid: 'trunk_sid',
  VoiceApplicationSid: 'voice_application_sid',
};

/** The fake Twilio. Give adapters `baseUrl` and `trunkingBaseUrl`, accountSid and authToken. */
export class TwilioFake extends FakeCarrierServer implements RoutesCalls {
  readonly accountSid: string;
  readonly authToken: string;
  private readonly validator = new ContractValidator(...twilioOperations());
  private readonly state = new TwilioFakeState();
  private readonly dialUrls: { echoUrls: string[]; hostedUrls: string[] };

  constructor(options: TwilioFakeOptions = {}) {
    super(options, '');
    this.accountSid = options.accountSid ?? `AC${'a'.repeat(32)}`;
    this.authToken = options.authToken ?? 'test-auth-token';
    this.dialUrls = { echoUrls: [TWILIO_ECHO_TWIMLET_URL], hostedUrls: [...(options.dialTwimlUrls ?? [])] };
  }

  /** Elastic SIP Trunking base URL (the fake serves it on the same port). */
  get trunkingBaseUrl(): string {
    return `${this.baseUrl}/v1`;
  }

  /** Adds numbers (replacing any with the same phone number); a trunk they name is created if missing. */
  seedNumbers(numbers: TwilioFakeNumber[]): void {
    for (const number of numbers) {
      this.state.seedNumber(number);
    }
  }

  /** Adds a trunk with origination URLs ({sipUrl, priority, enabled?, weight?}). */
  seedTrunk(
    sid: string,
    originationUrls: { sipUrl: string; priority: number; enabled?: boolean; weight?: number }[],
    disasterRecoveryUrl: string | null = null,
  ): void {
    this.state.seedTrunk(sid, originationUrls, disasterRecoveryUrl);
  }

  /**
   * The provider's pre-outage setup of a site's route: trunk `ids.trunkSid` with one origination
   * URL (the site's `primarySipUri`, priority 10, weight 10), no DisasterRecoveryUrl, and
   * `numbers` on it (created with the default VoiceUrl when new).
   */
  seedSiteRoute(route: SiteRoute, numbers: readonly string[]): void {
    const trunkSid = route.ids.trunkSid;
    if (!trunkSid) {
      throw new Error(`seedSiteRoute: site ${route.siteId} has no ids.trunkSid`);
    }
    this.state.seedTrunk(trunkSid, [{ sipUrl: route.primarySipUri, priority: 10, weight: 10 }]);
    for (const phoneNumber of numbers) {
      const existing = this.state.numbers.get(phoneNumber);
      if (existing) {
        existing.trunk_sid = trunkSid;
        existing.voice_application_sid = '';
      } else {
        this.state.seedNumber({ phoneNumber, trunkSid });
      }
    }
  }

  /** Where a call to `number` goes now (twilio-fake-routing.ts). */
  routeCall(number: string, isUp: TargetIsUp): CallPath {
    return routeTwilioCall(this.state, number, isUp, this.dialUrls);
  }

  /** A copy of the number's routing fields, or undefined when it is not on the account. */
  routingOf(phoneNumber: string): TwilioFakeNumberState | undefined {
    const state = this.state.numbers.get(phoneNumber);
    return state && structuredClone(state);
  }

  /** A copy of the trunk's state. */
  trunkOf(sid: string): TwilioFakeTrunkState | undefined {
    const state = this.state.trunks.get(sid);
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
    const pagingProblems = numberListProblems(operation, request.query, this.state);
    const problems = [
      ...this.validator.validate(matched, request.query, form, request.headers['content-type']),
      ...documentedRuleProblems(operation, form ?? {}),
      ...pagingProblems,
    ];
    if (problems.length > 0) {
      this.recordViolation(request, operation, problems);
      const code = pagingProblems.length > 0 ? INVALID_PAGE_TOKEN : 21100;
      return jsonResponse(400, twilioError(code, `Invalid parameter: ${problems.join('; ')}`, 400), {
        operation,
      });
    }
    if (matched.params.AccountSid !== undefined && matched.params.AccountSid !== this.accountSid) {
      return notFound(request.path);
    }
    const response =
      handleTrunking(
        this.trunkingContext(request.path),
        operation,
        matched.params,
        request.query,
        form ?? {},
      ) ?? this.numbers(operation, matched.params, request.query, form ?? {}, request.path);
    return { ...response, operation };
  }

  private numbers(
    operation: string,
    params: Record<string, string>,
    query: Record<string, string>,
    form: Record<string, string>,
    path: string,
  ): FakeResponse {
    switch (operation) {
      case 'ListIncomingPhoneNumber':
        return jsonResponse(
          200,
          incomingNumbersPage(this.state, query, path, (state) => this.numberView(state.phone_number)),
        );
      case 'FetchIncomingPhoneNumber':
      case 'UpdateIncomingPhoneNumber': {
        const state = this.state.numberBySid(params.Sid);
        if (!state) {
          return notFound(path);
        }
        if (operation === 'FetchIncomingPhoneNumber') {
          return jsonResponse(200, this.numberView(state.phone_number));
        }
        if (form.TrunkSid !== undefined && !this.state.trunks.has(form.TrunkSid)) {
          return jsonResponse(400, twilioError(21100, `No trunk ${form.TrunkSid} on this account`, 400));
        }
        const before = effectiveRouting(state);
        applyNumberUpdate(state, form);
        // Voice fields written while a trunk or an application answers the number are ignored by
        // Twilio: no routing was written. Any other accepted update counts, identical or not.
        const ignored =
          effectiveRouting(state) === before && (!!state.trunk_sid || !!state.voice_application_sid);
        const applied = ignored ? [] : [state.phone_number];
        return jsonResponse(200, this.numberView(state.phone_number), { applied });
      }
      default:
        return notFound(path);
    }
  }

  private trunkingContext(path: string): TrunkingContext {
    return {
      state: this.state,
      trunkingBaseUrl: this.trunkingBaseUrl,
      numberView: (phoneNumber) => this.numberView(phoneNumber),
      error: (status, code, message) =>
        jsonResponse(status, twilioError(code, `${message}: ${path}`, status)),
    };
  }

  private numberView(phoneNumber: string): Record<string, unknown> {
    const state = this.state.numbers.get(phoneNumber)!;
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
}

function applyNumberUpdate(state: TwilioFakeNumberState, form: Record<string, string>): void {
  const writable = state as unknown as Record<string, string | null>;
  for (const [param, field] of Object.entries(ROUTING_FIELDS)) {
    const value = form[param];
    if (value === undefined) {
      continue;
    }
    writable[field] = value;
    // Twilio: "Setting a trunk_sid will automatically delete your voice_application_sid and vice versa."
    if (param === 'TrunkSid') state.voice_application_sid = '';
    if (param === 'VoiceApplicationSid') state.trunk_sid = null;
  }
}

function twilioError(code: number, message: string, status: number): Record<string, unknown> {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

function notFound(path: string): FakeResponse {
  return jsonResponse(404, twilioError(20404, `The requested resource ${path} was not found`, 404));
}
