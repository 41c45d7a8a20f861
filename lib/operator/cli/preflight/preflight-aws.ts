/**
 * The preflight checks' AWS clients and the one way they call AWS: each call's outcome reduced to
 * what may be printed, and a count of the regions that answered.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { CarrierError } from '../../../../lambdas/contracts/errors';
import { regionUnavailableReason } from '../support/aws-context';
import { awsCredentialError, isAwsCredentialError } from '../support/cli-error';

/** A call's outcome: its value, or why it failed, reduced to what may be printed. */
export type Outcome<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      error: unknown;
      /** The SDK error's name (found under wrapping errors too). */
      errorName: string;
      /** Why the region did not answer, when it did not. */
      unanswered?: string;
      /** A row detail for the failure of `permission`. */
      problem(permission: string): string;
    };

/** Short timeouts and one retry, as in aws-context.ts: a dead region costs seconds, not minutes. */
const CLIENT_SETTINGS = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000 },
} as const;

/** The checks' AWS clients, one a service and region, and what answered. */
export class PreflightAws {
  /** Calls that got an answer (a success or an error of the service's own). */
  answered = 0;
  /** `region: reason` of each call that got none. */
  readonly unanswered: string[] = [];
  private readonly clients = new Map<string, { destroy(): void }>();

  sts = (region: string) => this.client('sts', region, () => new STSClient({ region, ...CLIENT_SETTINGS }));
  ssm = (region: string) => this.client('ssm', region, () => new SSMClient({ region, ...CLIENT_SETTINGS }));
  sns = (region: string) => this.client('sns', region, () => new SNSClient({ region, ...CLIENT_SETTINGS }));
  lambda = (region: string) =>
    this.client('lambda', region, () => new LambdaClient({ region, ...CLIENT_SETTINGS }));
  secretsManager = (region: string) =>
    this.client('secrets', region, () => new SecretsManagerClient({ region, ...CLIENT_SETTINGS }));

  /**
   * Runs one call. Credentials that are missing or rejected end the whole run (exit 4); any other
   * error becomes the outcome. With `namesOnly`, details carry error names and codes, never messages.
   */
  async attempt<T>(
    region: string,
    service: string,
    call: () => Promise<T>,
    options: { namesOnly?: boolean } = {},
  ): Promise<Outcome<T>> {
    try {
      const value = await call();
      this.answered++;
      return { ok: true, value };
    } catch (error) {
      const errorName = sdkErrorName(error);
      if (isAwsCredentialError(error) && !isAccessDenied(errorName)) throw awsCredentialError(error, region);
      const reason = regionUnavailableReason(error);
      if (reason === undefined) this.answered++;
      const unanswered = reason === undefined ? undefined : options.namesOnly ? errorCode(error) : reason;
      if (unanswered !== undefined) this.unanswered.push(`${service} in ${region}: ${unanswered}`);
      return {
        ok: false,
        error,
        errorName,
        unanswered,
        problem: (permission) => {
          if (unanswered !== undefined) {
            return `${service} in ${region} did not answer (${unanswered}); check the network or VPN and AWS_ENDPOINT_URL_* settings`;
          }
          if (isAccessDenied(errorName)) {
            return `AWS denied ${permission} in ${region} (${errorName}); run preflight with a role allowed ${permission}`;
          }
          const message = options.namesOnly ? '' : firstLine(error instanceof Error ? error.message : '');
          return `${permission} failed in ${region} (${errorName}${message === '' ? '' : `: ${message}`})`;
        },
      };
    }
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
  }

  private client<C extends { destroy(): void }>(service: string, region: string, create: () => C): C {
    const key = `${service}:${region}`;
    let client = this.clients.get(key) as C | undefined;
    if (!client) {
      client = create();
      this.clients.set(key, client);
    }
    return client;
  }
}

function isAccessDenied(name: string): boolean {
  return name === 'AccessDeniedException' || name === 'AccessDenied';
}

/** The name of the innermost AWS SDK error under wrappers such as the loader's CarrierError. */
function sdkErrorName(error: unknown): string {
  let current = error;
  let name = 'Error';
  for (let depth = 0; current !== null && typeof current === 'object' && depth < 5; depth++) {
    name = (current as { name?: string }).name ?? name;
    if (!(current instanceof CarrierError)) break;
    current = (current as { cause?: unknown }).cause;
  }
  return name;
}

/** A socket code or an error name, without any message. */
function errorCode(error: unknown): string {
  let current = error;
  for (let depth = 0; current !== null && typeof current === 'object' && depth < 5; depth++) {
    const { code, $metadata } = current as { code?: unknown; $metadata?: { httpStatusCode?: number } };
    if (typeof code === 'string') return code;
    const status = $metadata?.httpStatusCode;
    if (status !== undefined && status >= 500) return `HTTP ${status} ${sdkErrorName(current)}`;
    if (!(current instanceof CarrierError)) return sdkErrorName(current);
    current = (current as { cause?: unknown }).cause;
  }
  return 'Error';
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
