/**
 * A local receiver of the generic carrier webhook: checks the signature with the adapter's own
 * verifyWebhookSignature (so both sides share one implementation), checks the body against
 * lib/developer/carrier-fakes/contracts/webhook-contract.json, and keeps per-number routing.
 */
import {
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  type WebhookReadResponse,
} from '../../../lambdas/adapters/carriers/webhook';
import type { RoutingSnapshot } from '../../../lambdas/ports/carriers';
import type { CallPath, RoutesCalls, TargetIsUp } from './call-routing';
import { type ContractOperation, ContractValidator, type JsonSchema } from './contract-validator';
import contract from './contracts/webhook-contract.json';
import {
  type FakeCarrierOptions,
  FakeCarrierServer,
  type FakeRequest,
  type FakeResponse,
  jsonResponse,
} from './fake-carrier-server';

/** Webhook fake options. */
export interface WebhookFakeOptions extends FakeCarrierOptions {
  /** @default test-signing-secret-0123456789 */
  readonly signingSecret?: string;
  /** Accepted clock skew in seconds. @default 300 */
  readonly toleranceSeconds?: number;
}

/** A number to seed; by default answered by the primary SBC and not forwarded. */
export interface WebhookFakeNumber {
  phoneNumber: string;
  settings?: Record<string, unknown>;
  forwardsTo?: string | null;
  mode?: WebhookReadResponse['mode'];
}

/** The fake webhook receiver; give the adapter `baseUrl` and `signingSecret`. */
export class WebhookFake extends FakeCarrierServer implements RoutesCalls {
  readonly signingSecret: string;
  private readonly validator = new ContractValidator(
    contract.operations as unknown as ContractOperation[],
    contract.definitions as Record<string, JsonSchema>,
  );
  private readonly numbers = new Map<string, WebhookReadResponse>();
  private readonly toleranceSeconds: number;

  constructor(options: WebhookFakeOptions = {}) {
    super(options, '');
    this.signingSecret = options.signingSecret ?? 'test-signing-secret-0123456789';
    this.toleranceSeconds = options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  }

  /** The URL the adapter posts to. */
  get url(): string {
    return `${this.baseUrl}/`;
  }

  /** Adds numbers (replacing any with the same phone number). */
  seedNumbers(numbers: WebhookFakeNumber[]): void {
    for (const number of numbers) {
      this.numbers.set(number.phoneNumber, {
        settings: number.settings ?? { route: 'sip:pbx@sbc1.example.net' },
        forwardsTo: number.forwardsTo ?? null,
        mode: number.mode ?? null,
      });
    }
  }

  /**
   * Where a call goes: the forward-to number when forwarding is `always`; else the number's own
   * route (`settings.route`), and its forward-to when that is down and forwarding is `on-failure`.
   */
  routeCall(number: string, isUp: TargetIsUp): CallPath {
    const state = this.numbers.get(number);
    const tried: CallPath['tried'] = [];
    const attempt = (target: string, via: string) => {
      const up = isUp(target);
      tried.push({ target, via, up });
      return up;
    };
    if (!state) return { reached: null, tried };
    if (state.mode === 'always' && state.forwardsTo) {
      return { reached: attempt(state.forwardsTo, 'forwarding always') ? state.forwardsTo : null, tried };
    }
    const route = typeof state.settings.route === 'string' ? state.settings.route : undefined;
    if (route && attempt(route, "the number's route")) return { reached: route, tried };
    if (
      state.mode === 'on-failure' &&
      state.forwardsTo &&
      attempt(state.forwardsTo, 'forwarding on failure')
    ) {
      return { reached: state.forwardsTo, tried };
    }
    return { reached: null, tried };
  }

  /** A copy of the number's routing, or undefined when unknown. */
  routingOf(phoneNumber: string): WebhookReadResponse | undefined {
    const state = this.numbers.get(phoneNumber);
    return state && structuredClone(state);
  }

  protected rateLimited(retryAfterSeconds: number | undefined): FakeResponse {
    return jsonResponse(
      429,
      { code: 'rate_limited', message: 'Too many requests' },
      { headers: retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) } },
    );
  }

  protected serverError(status: number): FakeResponse {
    return jsonResponse(status, { code: 'internal', message: 'Receiver failed' });
  }

  protected handle(request: FakeRequest): FakeResponse {
    const timestamp = header(request, WEBHOOK_TIMESTAMP_HEADER);
    const signature = header(request, WEBHOOK_SIGNATURE_HEADER);
    if (
      !timestamp ||
      !signature ||
      !verifyWebhookSignature(
        this.signingSecret,
        timestamp,
        request.body,
        signature,
        this.now(),
        this.toleranceSeconds,
      )
    ) {
      return jsonResponse(401, {
        code: 'bad_signature',
        message: 'Signature missing, invalid or outside the time tolerance',
      });
    }
    const matched = this.validator.match(request.method, request.path);
    if (!matched) {
      this.recordViolation(request, undefined, [`no webhook operation ${request.method} ${request.path}`]);
      return jsonResponse(404, {
        code: 'not_found',
        message: `${request.method} ${request.path} is not the webhook`,
      });
    }
    const operation = matched.operation.operationId;
    let body: Record<string, unknown> | undefined;
    try {
      body = request.body === '' ? undefined : (JSON.parse(request.body) as Record<string, unknown>);
    } catch {
      this.recordViolation(request, operation, ['body: not valid JSON']);
      return jsonResponse(400, { code: 'invalid_json', message: 'Body is not JSON' }, { operation });
    }
    const problems = this.validator.validate(matched, request.query, body, request.headers['content-type']);
    if (problems.length > 0) {
      this.recordViolation(request, operation, problems);
      return jsonResponse(422, { code: 'invalid_request', message: problems.join('; ') }, { operation });
    }
    const number = String(body!.number);
    const state = this.numbers.get(number);
    if (!state) {
      return jsonResponse(
        404,
        { code: 'unknown_number', message: `${number} is not handled here` },
        { operation },
      );
    }
    switch (body!.action) {
      case 'read':
        return jsonResponse(200, state, { operation });
      case 'forward':
        state.forwardsTo = String(body!.destination);
        state.mode = body!.mode as WebhookReadResponse['mode'];
        return jsonResponse(200, { ok: true }, { operation, applied: [number] });
      default: {
        const snapshot = body!.snapshot as RoutingSnapshot;
        this.numbers.set(number, {
          settings: structuredClone(snapshot.settings),
          forwardsTo: snapshot.forwardsTo,
          mode: snapshot.mode,
        });
        return { status: 204, operation, applied: [number] };
      }
    }
  }
}

function header(request: FakeRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
