/**
 * The digest credentials a test call answers a 401/407 with: one JSON secret a call
 * (`sites[].calls[].secretName`, `{"username": "...", "password": "..."}`), read from Secrets
 * Manager and cached for five minutes, so a round every 10 s reads each secret once in a while and a
 * rotated password is picked up within minutes. The CLI reads them from the environment instead.
 * Problems name the secret and the field, never a value.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';

/** What the secret holds. */
export const callCredentialsSchema = z.object({
  username: z.string().check(z.minLength(1)),
  password: z.string().check(z.minLength(1)),
});

/** Digest credentials of a test call. */
export type CallCredentials = z.output<typeof callCredentialsSchema>;

/** Supplies a test call's credentials by secret name. */
export interface CallCredentialSource {
  /** @throws CallCredentialsError naming the secret and what is wrong, never a value */
  get(secretName: string): Promise<CallCredentials>;
}

/** The secret could not be read or does not hold digest credentials. */
export class CallCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CallCredentialsError';
  }
}

const CACHE_TTL_MS = 5 * 60_000;

/** Reads call secrets with GetSecretValue, cached per secret; a failed read is not cached. */
export class SecretsManagerCallCredentials implements CallCredentialSource {
  private readonly cache = new Map<string, { fetchedAt: number; credentials: Promise<CallCredentials> }>();

  constructor(
    private readonly client: Pick<SecretsManagerClient, 'send'>,
    private readonly now: () => number = Date.now,
  ) {}

  get(secretName: string): Promise<CallCredentials> {
    const cached = this.cache.get(secretName);
    if (cached && this.now() - cached.fetchedAt < CACHE_TTL_MS) return cached.credentials;
    const credentials = this.read(secretName);
    this.cache.set(secretName, { fetchedAt: this.now(), credentials });
    credentials.catch(() => {
      if (this.cache.get(secretName)?.credentials === credentials) this.cache.delete(secretName);
    });
    return credentials;
  }

  private async read(secretName: string): Promise<CallCredentials> {
    let text: string | undefined;
    try {
      text = (await this.client.send(new GetSecretValueCommand({ SecretId: secretName }))).SecretString;
    } catch (error) {
      const name = (error as { name?: unknown } | undefined)?.name;
      throw new CallCredentialsError(
        `secret "${secretName}" could not be read (${typeof name === 'string' ? name : 'error'}); create it in this region and allow the probe to read it`,
      );
    }
    return parseCallCredentials(secretName, text);
  }
}

/** Credentials given in advance (the drill, tests): by secret name. */
export class StaticCallCredentials implements CallCredentialSource {
  constructor(private readonly bySecret: Readonly<Record<string, CallCredentials>>) {}

  async get(secretName: string): Promise<CallCredentials> {
    const credentials = this.bySecret[secretName];
    if (!credentials) throw new CallCredentialsError(`secret "${secretName}" is not known here`);
    return credentials;
  }
}

/** The environment variables {@link EnvironmentCallCredentials} reads. */
export const CALL_CREDENTIAL_VARIABLES = {
  username: 'TEST_CALL_USERNAME',
  password: 'TEST_CALL_PASSWORD',
} as const;

/**
 * Reads TEST_CALL_USERNAME and TEST_CALL_PASSWORD for every secret name: for the CLI, which runs
 * with carrier credentials from the environment too, not the functions' secrets.
 */
export class EnvironmentCallCredentials implements CallCredentialSource {
  constructor(private readonly env: Record<string, string | undefined> = process.env) {}

  async get(secretName: string): Promise<CallCredentials> {
    const username = this.env[CALL_CREDENTIAL_VARIABLES.username];
    const password = this.env[CALL_CREDENTIAL_VARIABLES.password];
    if (!username || !password) {
      throw new CallCredentialsError(
        `the call's secret "${secretName}" is read from ${CALL_CREDENTIAL_VARIABLES.username} and ${CALL_CREDENTIAL_VARIABLES.password} here; set both`,
      );
    }
    return { username, password };
  }
}

/** Parses the secret's text; messages name fields only (JSON.parse's message would quote the secret). */
export function parseCallCredentials(secretName: string, text: string | undefined): CallCredentials {
  const expected = 'store it as {"username": "...", "password": "..."}';
  if (text === undefined)
    throw new CallCredentialsError(`secret "${secretName}" has no SecretString; ${expected}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CallCredentialsError(`secret "${secretName}" is not valid JSON; ${expected}`);
  }
  const result = callCredentialsSchema.safeParse(json);
  if (result.success) return result.data;
  const fields = [...new Set(result.error.issues.map((issue) => String(issue.path[0] ?? '')))].filter(
    Boolean,
  );
  throw new CallCredentialsError(
    `secret "${secretName}" has no valid ${fields.length > 0 ? fields.join(' and ') : 'username and password'}; ${expected}`,
  );
}
