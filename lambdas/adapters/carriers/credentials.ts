/**
 * Where carrier credentials come from. Deployed functions read them from Secrets Manager (one JSON
 * secret per carrier, named in the config); the CLI and local runs read environment variables.
 * Both check the shape with the same zod schemas and name what is missing, never the values.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import type { CarrierName } from '../../contracts/config/schema';
import { CarrierAuthError, CarrierError } from '../../contracts/errors';

const nonEmpty = () => z.string().check(z.minLength(1));

/** Telnyx secret JSON: `{"apiKey": "KEY..."}`. */
export const telnyxCredentialsSchema = z.object({ apiKey: nonEmpty() });
/** Twilio secret JSON: `{"accountSid": "AC...", "authToken": "..."}`. */
export const twilioCredentialsSchema = z.object({
  accountSid: z.string().check(z.regex(/^AC[0-9a-fA-F]{32}$/)),
  authToken: nonEmpty(),
});
/** Bandwidth secret JSON: `{"accountId": "...", "username": "...", "password": "..."}`. */
export const bandwidthCredentialsSchema = z.object({
  accountId: nonEmpty(),
  username: nonEmpty(),
  password: nonEmpty(),
});
/** Webhook secret JSON: `{"signingSecret": "..."}` (at least 16 characters). */
export const webhookCredentialsSchema = z.object({ signingSecret: z.string().check(z.minLength(16)) });

/**
 * The credential schema of each carrier. zod/mini (not classic zod) because every function
 * bundles this file: classic zod does not tree-shake and would add about 60 KB to each bundle.
 */
export const CREDENTIAL_SCHEMAS = {
  telnyx: telnyxCredentialsSchema,
  twilio: twilioCredentialsSchema,
  bandwidth: bandwidthCredentialsSchema,
  webhook: webhookCredentialsSchema,
} as const;

/** What each credential field must hold, in the words a problem message uses (never the value). */
const FIELD_DESCRIPTIONS: {
  [C in CarrierName]: Record<keyof z.output<(typeof CREDENTIAL_SCHEMAS)[C]>, string>;
} = {
  telnyx: { apiKey: 'the Telnyx API v2 key' },
  twilio: {
    accountSid: 'the Twilio Account SID (AC followed by 32 hex digits)',
    authToken: 'the Twilio auth token',
  },
  bandwidth: {
    accountId: 'the Bandwidth Dashboard account id',
    username: 'the Bandwidth Dashboard API user name',
    password: 'the Bandwidth Dashboard API password',
  },
  webhook: { signingSecret: 'the webhook HMAC signing secret (at least 16 characters)' },
};

/** Validated credentials, by carrier. */
export type CarrierCredentials = { [C in CarrierName]: z.output<(typeof CREDENTIAL_SCHEMAS)[C]> };

/** The environment variables EnvironmentCredentialSource reads, by carrier and field. */
export const CREDENTIAL_ENVIRONMENT_VARIABLES = {
  telnyx: { apiKey: 'TELNYX_API_KEY' },
  twilio: { accountSid: 'TWILIO_ACCOUNT_SID', authToken: 'TWILIO_AUTH_TOKEN' },
  bandwidth: {
    accountId: 'BANDWIDTH_ACCOUNT_ID',
    username: 'BANDWIDTH_USERNAME',
    password: 'BANDWIDTH_PASSWORD',
  },
  webhook: { signingSecret: 'WEBHOOK_SIGNING_SECRET' },
} as const satisfies { [C in CarrierName]: Record<keyof CarrierCredentials[C], string> };

/** Supplies a carrier's credentials. */
export interface CredentialSource {
  /**
   * The credentials of `carrier`, from the secret `secretName` (sources without secrets ignore
   * it). Throws CarrierAuthError when they are missing or malformed (naming the field, never a
   * value), or a retryable CarrierError when the store could not be reached.
   */
  get<C extends CarrierName>(carrier: C, secretName: string): Promise<CarrierCredentials[C]>;
}

/** Options of {@link SecretsManagerCredentialSource}. */
export interface SecretsManagerCredentialSourceOptions {
  /** @default a client for the function's own region */
  readonly client?: SecretsManagerClient;
  /** How long a secret read stays cached. @default 300000 (5 minutes) */
  readonly ttlMs?: number;
  /** Epoch milliseconds. @default Date.now */
  readonly now?: () => number;
}

/**
 * Reads each carrier's JSON secret with GetSecretValue and caches it per secret for five minutes,
 * so a failover touching thousands of numbers reads each secret once, while a rotated secret is
 * picked up within minutes. Values are never logged nor put in errors.
 */
export class SecretsManagerCredentialSource implements CredentialSource {
  private readonly client: SecretsManagerClient;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, { fetchedAt: number; json: Promise<unknown> }>();

  constructor(options: SecretsManagerCredentialSourceOptions = {}) {
    this.client = options.client ?? new SecretsManagerClient({});
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  async get<C extends CarrierName>(carrier: C, secretName: string): Promise<CarrierCredentials[C]> {
    const json = await this.secretJson(carrier, secretName);
    return parseCredentials(carrier, json, (field) => `secret "${secretName}" has no valid field "${field}"`);
  }

  private secretJson(carrier: CarrierName, secretName: string): Promise<unknown> {
    const now = this.now();
    const cached = this.cache.get(secretName);
    if (cached && now - cached.fetchedAt < this.ttlMs) {
      return cached.json;
    }
    const json = this.fetchSecret(carrier, secretName);
    this.cache.set(secretName, { fetchedAt: now, json });
    // A failed read is not cached: the next call tries again.
    json.catch(() => {
      if (this.cache.get(secretName)?.json === json) {
        this.cache.delete(secretName);
      }
    });
    return json;
  }

  private async fetchSecret(carrier: CarrierName, secretName: string): Promise<unknown> {
    let secretString: string | undefined;
    try {
      const output = await this.client.send(new GetSecretValueCommand({ SecretId: secretName }));
      secretString = output.SecretString;
    } catch (error) {
      throw secretsManagerError(carrier, secretName, error);
    }
    if (secretString === undefined) {
      throw new CarrierAuthError(
        carrier,
        `secret "${secretName}" has no SecretString; store the credentials as JSON text`,
      );
    }
    try {
      return JSON.parse(secretString);
    } catch {
      // No cause attached: JSON.parse's message quotes the start of the secret.
      throw new CarrierAuthError(
        carrier,
        `secret "${secretName}" is not valid JSON; store it as ${exampleJson(carrier)}`,
      );
    }
  }
}

/**
 * Reads credentials from environment variables (see {@link CREDENTIAL_ENVIRONMENT_VARIABLES}):
 * TELNYX_API_KEY; TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN; BANDWIDTH_ACCOUNT_ID, BANDWIDTH_USERNAME,
 * BANDWIDTH_PASSWORD; WEBHOOK_SIGNING_SECRET. For the CLI and local runs; ignores secret names.
 */
export class EnvironmentCredentialSource implements CredentialSource {
  constructor(private readonly env: Record<string, string | undefined> = process.env) {}

  async get<C extends CarrierName>(carrier: C, _secretName: string): Promise<CarrierCredentials[C]> {
    const variables: Record<string, string> = CREDENTIAL_ENVIRONMENT_VARIABLES[carrier];
    const values = Object.fromEntries(
      Object.entries(variables).flatMap(([field, variable]) => {
        const value = this.env[variable];
        return value === undefined || value === '' ? [] : [[field, value]];
      }),
    );
    return parseCredentials(carrier, values, (field) => {
      const variable = variables[field];
      return values[field] === undefined
        ? `environment variable ${variable} is not set`
        : `environment variable ${variable} is not valid`;
    });
  }
}

function parseCredentials<C extends CarrierName>(
  carrier: C,
  json: unknown,
  describeProblem: (field: string) => string,
): CarrierCredentials[C] {
  const schema = CREDENTIAL_SCHEMAS[carrier];
  const result = schema.safeParse(json);
  if (result.success) {
    return result.data as CarrierCredentials[C];
  }
  // Built from field names and our own descriptions only: zod messages could echo input.
  const descriptions: Record<string, string> = FIELD_DESCRIPTIONS[carrier];
  const fields = [...new Set(result.error.issues.map((issue) => String(issue.path[0] ?? '')))];
  const problems = fields.map((field) =>
    field === '' || !descriptions[field]
      ? `the credentials are not a JSON object; expected ${exampleJson(carrier)}`
      : `${describeProblem(field)} (expected ${descriptions[field]})`,
  );
  throw new CarrierAuthError(
    carrier,
    `${problems.join('; ')}; fix ${problems.length === 1 ? 'it' : 'them'} and retry`,
  );
}

function exampleJson(carrier: CarrierName): string {
  const fields = Object.keys(CREDENTIAL_SCHEMAS[carrier].shape);
  return `{${fields.map((field) => `"${field}": "..."`).join(', ')}}`;
}

function secretsManagerError(carrier: CarrierName, secretName: string, error: unknown): CarrierError {
  const name = (error as { name?: string } | undefined)?.name ?? 'Error';
  if (name === 'ResourceNotFoundException') {
    return new CarrierAuthError(
      carrier,
      `secret "${secretName}" does not exist in this region; create it in every watchdog region`,
      { cause: error },
    );
  }
  if (
    name === 'AccessDeniedException' ||
    name === 'DecryptionFailure' ||
    name === 'UnrecognizedClientException'
  ) {
    return new CarrierAuthError(
      carrier,
      `secret "${secretName}" could not be read (${name}); grant secretsmanager:GetSecretValue (and kms:Decrypt) on it`,
      { cause: error },
    );
  }
  return new CarrierError(carrier, `secret "${secretName}" could not be read (${name}); retry later`, {
    retryable: true,
    cause: error,
  });
}
