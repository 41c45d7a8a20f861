/**
 * Generic webhook "carrier", for carriers with no adapter yet: the provider runs an HTTPS endpoint
 * that does the carrier work. The protocol:
 *
 * - `POST <baseUrl>` with JSON `{action: "read"|"forward"|"restore", number, destination?, mode?,
 *   snapshot?, requestId}`; `requestId` is new for every call, so the receiver can log and dedupe.
 * - Headers `X-CarrierFailover-Timestamp: <epoch seconds>` and
 *   `X-CarrierFailover-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with the signing secret>`.
 *   Receivers check them with {@link verifyWebhookSignature} (or the same recipe): the timestamp
 *   bounds replays, the HMAC proves the sender holds the secret.
 * - `read` answers `{forwardsTo, mode, settings}`; `restore` receives the snapshot `read` produced.
 * - Errors are any non-2xx status, optionally with JSON `{code, message}`; 429 may carry
 *   `Retry-After`. Status handling is the same as for every carrier (see carrier-http).
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ForwardMode } from '../../contracts/config/plan-entry';
import { CarrierError } from '../../contracts/errors';
import type { Carrier, ForwardRequest, RoutingSnapshot } from '../../ports/carriers';
import { CarrierHttpClient, type CarrierHttpOptions, malformedResponse } from './carrier-http';

/** Header carrying the signing time, in epoch seconds. */
export const WEBHOOK_TIMESTAMP_HEADER = 'X-CarrierFailover-Timestamp';
/** Header carrying `v1=<hex HMAC-SHA256>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'X-CarrierFailover-Signature';
/** How far a timestamp may be from the receiver's clock before the request counts as a replay. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

/** What the webhook is asked to do. */
export type WebhookAction = 'read' | 'forward' | 'restore';

/** The JSON body of every webhook request. */
export interface WebhookRequestBody {
  action: WebhookAction;
  /** E.164 number the action is about. */
  number: string;
  /** `forward` only: E.164 number or sip: URI. */
  destination?: string;
  /** `forward` only. */
  mode?: ForwardMode;
  /** `restore` only: the snapshot `read` returned, carrier-specific `settings` included. */
  snapshot?: RoutingSnapshot;
  /** Unique per call. */
  requestId: string;
}

/** The JSON answer to `read`. */
export interface WebhookReadResponse {
  forwardsTo: string | null;
  mode: ForwardMode | null;
  settings: Record<string, unknown>;
}

/** Where the webhook is and how requests are signed. */
export interface WebhookCarrierOptions extends CarrierHttpOptions {
  /** The receiver's URL (HTTPS in any deployed config). */
  readonly baseUrl: string;
  /** Shared secret for the HMAC. */
  readonly signingSecret: string;
  /** Makes request ids (tests pin them). @default crypto.randomUUID */
  readonly requestId?: () => string;
}

/** Computes the `v1=<hex>` signature of `body` sent at `timestamp` (epoch seconds, as sent). */
export function signWebhookBody(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * True when `signature` is the valid `v1=` HMAC of `${timestamp}.${body}` and `timestamp` is
 * within `toleranceSeconds` of `nowMs`. Compares in constant time, so the check leaks nothing
 * about how much of a forged signature was right.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
  nowMs: number,
  toleranceSeconds: number = DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
): boolean {
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds) {
    return false;
  }
  const expected = Buffer.from(signWebhookBody(secret, timestamp, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The generic signed-webhook implementation of the Carrier port. */
export class WebhookCarrier implements Carrier {
  readonly name = 'webhook' as const;
  readonly forwardModes = ['always', 'on-failure'] as const;

  private readonly http: CarrierHttpClient;
  private readonly baseUrl: string;
  private readonly signingSecret: string;
  private readonly now: () => number;
  private readonly requestId: () => string;

  constructor(options: WebhookCarrierOptions) {
    this.http = new CarrierHttpClient('webhook', options);
    this.baseUrl = options.baseUrl;
    this.signingSecret = options.signingSecret;
    this.now = options.now ?? Date.now;
    this.requestId = options.requestId ?? randomUUID;
  }

  /** Posts `read`; the receiver's `{forwardsTo, mode, settings}` becomes the snapshot. */
  async readRouting(number: string): Promise<RoutingSnapshot> {
    const answer = await this.call({ action: 'read', number });
    const valid =
      typeof answer === 'object' &&
      answer !== null &&
      (answer.forwardsTo === null || typeof answer.forwardsTo === 'string') &&
      (answer.mode === null || answer.mode === 'always' || answer.mode === 'on-failure') &&
      typeof answer.settings === 'object' &&
      answer.settings !== null;
    if (!valid) {
      throw malformedResponse(
        'webhook',
        { operation: 'read', subject: number },
        'expected {forwardsTo, mode, settings}',
      );
    }
    const { forwardsTo, mode, settings } = answer as unknown as WebhookReadResponse;
    return { carrier: 'webhook', number, settings, forwardsTo, mode };
  }

  /** Posts `forward` with the destination and mode. */
  async forward(request: ForwardRequest): Promise<void> {
    await this.call({
      action: 'forward',
      number: request.number,
      destination: request.destination,
      mode: request.mode,
    });
  }

  /** Posts `restore` with the whole snapshot `read` produced. */
  async restore(snapshot: RoutingSnapshot): Promise<void> {
    if (snapshot.carrier !== 'webhook') {
      throw new CarrierError(
        'webhook',
        `restore for ${snapshot.number} got a ${snapshot.carrier} snapshot; restore it with the adapter that took it`,
        { retryable: false },
      );
    }
    await this.call({ action: 'restore', number: snapshot.number, snapshot });
  }

  private async call(fields: Omit<WebhookRequestBody, 'requestId'>): Promise<Record<string, unknown> | null> {
    const body = JSON.stringify({ ...fields, requestId: this.requestId() });
    const timestamp = String(Math.floor(this.now() / 1000));
    const response = await this.http.send({
      operation: fields.action,
      subject: fields.number,
      method: 'POST',
      url: this.baseUrl,
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        [WEBHOOK_TIMESTAMP_HEADER]: timestamp,
        [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(this.signingSecret, timestamp, body),
      },
      body,
    });
    // forward/restore may answer with an empty body; only read needs one.
    if (fields.action !== 'read' && response.text.trim() === '') {
      return null;
    }
    try {
      return JSON.parse(response.text) as Record<string, unknown> | null;
    } catch (error) {
      throw malformedResponse(
        'webhook',
        { operation: fields.action, subject: fields.number },
        'the body is not valid JSON',
        error,
      );
    }
  }
}
