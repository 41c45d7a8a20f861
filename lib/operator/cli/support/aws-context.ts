/**
 * AWS access for the CLI: one DynamoDB and one Lambda client per region, built on demand with the
 * SDK's default credentials (profiles, SSO, environment) and its own `AWS_ENDPOINT_URL_*` handling.
 * Work is tried in the home region first, then in the other watchdog regions in config order, moving
 * on only when a region does not answer (network error, timeout, 5xx): the incident table is a global
 * table and every watchdog region has its own functions, so any region that answers will do. Timeouts
 * are short so a dead region costs seconds, not minutes.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../../../../lambdas/contracts/config/schema';
import { deploymentNames } from '../../../../lambdas/contracts/deployment-names';
import { awsCredentialError, CliError, isAwsCredentialError } from './cli-error';
import { ExitCode } from './exit-codes';

/** The AWS services the CLI calls. */
export type AwsService = 'dynamodb' | 'lambda';

const SERVICE_LABELS: Record<AwsService, string> = { dynamodb: 'DynamoDB', lambda: 'Lambda' };

/** What the context needs from the config. */
export type AwsDeployment = Pick<Config, 'deployment' | 'homeRegion' | 'watchdogRegions'>;

/** Options of {@link AwsContext}. */
export interface AwsContextOptions {
  deployment: AwsDeployment;
  /** `--region`: use this region only, no fallback. */
  forcedRegion?: string;
  /** Where region choices are reported (stderr). */
  log: (line: string) => void;
  /** Time to open a connection. @default 3000 */
  connectTimeoutMs?: number;
  /** Time a request may stay silent once sent. @default 10000 */
  requestTimeoutMs?: number;
}

/** A DynamoDB session in the region that answered. */
export interface DynamoSession {
  region: string;
  documentClient: DynamoDBDocumentClient;
  /** The incident table. */
  tableName: string;
  /** The observation table (probe observations, kept apart because they expire by TTL). */
  observationTableName: string;
}

/** Which of the deployment's tables a DynamoDB session works on, for naming it when it is missing. */
export type DeploymentTable = 'incident' | 'observation';

/** A Lambda session in the region that answered. */
export interface LambdaSession {
  region: string;
  client: LambdaClient;
}

/** A region that was tried and why it did not serve. */
export interface RegionAttempt {
  region: string;
  reason: string;
}

/** Socket error codes that mean "this endpoint did not answer". */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
]);

/** SDK error names for requests that timed out or a service that was not serving. */
const UNAVAILABLE_ERROR_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalServerError',
  'InternalFailure',
]);

/**
 * Why an error means the region did not answer, or undefined when it answered (with an error of
 * its own, such as a refused credential or a missing table, which another region would repeat).
 */
export function regionUnavailableReason(error: unknown): string | undefined {
  let current = error;
  for (let depth = 0; current !== null && typeof current === 'object' && depth < 5; depth++) {
    const { code, name, message, $metadata } = current as {
      code?: unknown;
      name?: unknown;
      message?: unknown;
      $metadata?: { httpStatusCode?: number };
    };
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) {
      return typeof message === 'string' && message.includes(code) ? message : code;
    }
    if (typeof name === 'string' && UNAVAILABLE_ERROR_NAMES.has(name)) {
      return typeof message === 'string' && message !== '' ? `${name}: ${message}` : name;
    }
    const status = $metadata?.httpStatusCode;
    if (status !== undefined && status >= 500)
      return `HTTP ${status}${typeof name === 'string' ? ` ${name}` : ''}`;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Clients per region and the region fallback; close() when done so the process can exit. */
export class AwsContext {
  private readonly dynamoClients = new Map<string, DynamoDBDocumentClient>();
  private readonly lambdaClients = new Map<string, LambdaClient>();
  /** The region that last answered, per service: later calls start there. */
  private readonly answered = new Map<AwsService, string>();

  constructor(private readonly options: AwsContextOptions) {}

  /** The incident table's name in every region. */
  get tableName(): string {
    return deploymentNames.incidentTable(this.options.deployment.deployment);
  }

  /** The observation table's name in every region. */
  get observationTableName(): string {
    return deploymentNames.observationTable(this.options.deployment.deployment);
  }

  /**
   * Regions to try for a service, in order: the forced region alone; otherwise the home region
   * (for Lambda only when it is a watchdog region, as only those run functions) and then the
   * watchdog regions in config order.
   */
  regionsFor(service: AwsService): string[] {
    const { forcedRegion, deployment } = this.options;
    if (forcedRegion !== undefined) return [forcedRegion];
    const { homeRegion, watchdogRegions } = deployment;
    const ordered =
      service === 'lambda' && !watchdogRegions.includes(homeRegion)
        ? [...watchdogRegions]
        : [homeRegion, ...watchdogRegions.filter((region) => region !== homeRegion)];
    const last = this.answered.get(service);
    return last === undefined ? ordered : [last, ...ordered.filter((region) => region !== last)];
  }

  /**
   * Runs `work` against the deployment's tables in the first region that answers; `table` says
   * which one it uses (the incident table unless told), to name it if the region has no such table.
   */
  dynamo<T>(
    work: (session: DynamoSession) => Promise<T>,
    options: { table?: DeploymentTable } = {},
  ): Promise<T> {
    return this.inFirstRegionThatAnswers(
      'dynamodb',
      (region) =>
        work({
          region,
          documentClient: this.dynamoClient(region),
          tableName: this.tableName,
          observationTableName: this.observationTableName,
        }),
      options.table,
    );
  }

  /**
   * Runs `work` with the Lambda client of the first region that answers. A synchronous invoke
   * waits as long as the function may run: pass its timeout (plus a margin) as `requestTimeoutMs`.
   */
  lambda<T>(
    work: (session: LambdaSession) => Promise<T>,
    options: { requestTimeoutMs?: number } = {},
  ): Promise<T> {
    return this.inFirstRegionThatAnswers('lambda', (region) =>
      work({ region, client: this.lambdaClient(region, options.requestTimeoutMs) }),
    );
  }

  /** Closes every client's connections. */
  close(): void {
    for (const client of this.dynamoClients.values()) client.destroy();
    for (const client of this.lambdaClients.values()) client.destroy();
  }

  private async inFirstRegionThatAnswers<T>(
    service: AwsService,
    work: (region: string) => Promise<T>,
    table: DeploymentTable = 'incident',
  ): Promise<T> {
    const label = SERVICE_LABELS[service];
    const regions = this.regionsFor(service);
    const attempts: RegionAttempt[] = [];
    for (const [index, region] of regions.entries()) {
      try {
        const result = await work(region);
        if (this.answered.get(service) !== region) {
          this.answered.set(service, region);
          this.options.log(`${label}: using ${region}${this.describeRegion(region)}`);
        }
        return result;
      } catch (error) {
        if (error instanceof CliError) throw error;
        if (isAwsCredentialError(error)) throw awsCredentialError(error, region);
        const reason = regionUnavailableReason(error);
        if (reason === undefined) throw this.explain(service, region, error, table);
        attempts.push({ region, reason });
        const next = regions[index + 1];
        this.options.log(
          `${label}: ${region} did not answer (${reason})${next === undefined ? '' : `; trying ${next}`}`,
        );
      }
    }
    const tried = attempts.map((attempt) => `${attempt.region} (${attempt.reason})`);
    throw new CliError(
      ExitCode.unreachable,
      `no region answered for ${label}: tried ${attempts.map((attempt) => attempt.region).join(', ')}; check the network or VPN and AWS_ENDPOINT_URL_* settings, or pick a region with --region`,
      { problems: tried },
    );
  }

  private describeRegion(region: string): string {
    if (this.options.forcedRegion !== undefined) return ' (--region)';
    return region === this.options.deployment.homeRegion ? ' (home region)' : ' (fallback region)';
  }

  /** A region answered with an error: name what is missing and how to fix it. */
  private explain(service: AwsService, region: string, error: unknown, table: DeploymentTable): unknown {
    const name = (error as { name?: string } | undefined)?.name;
    if (name !== 'ResourceNotFoundException') return error;
    const { deployment } = this.options.deployment;
    const what =
      service === 'dynamodb'
        ? table === 'observation'
          ? `the observation table ${this.observationTableName}`
          : `the incident table ${this.tableName}`
        : `the function ${(error as { message?: string }).message?.match(/function:([\w-]+)/)?.[1] ?? `of ${deployment}`}`;
    return new CliError(
      ExitCode.unreachable,
      `${what} does not exist in ${region}; deploy ${deployment} there (npx cdk deploy --all -c config=PATH) or pass the deployment's config with --config`,
      { cause: error },
    );
  }

  private dynamoClient(region: string): DynamoDBDocumentClient {
    let client = this.dynamoClients.get(region);
    if (!client) {
      client = DynamoDBDocumentClient.from(new DynamoDBClient({ region, ...this.clientSettings() }), {
        marshallOptions: { removeUndefinedValues: true },
      });
      this.dynamoClients.set(region, client);
    }
    return client;
  }

  private lambdaClient(region: string, requestTimeoutMs?: number): LambdaClient {
    const key = `${region}:${requestTimeoutMs ?? 'default'}`;
    let client = this.lambdaClients.get(key);
    if (!client) {
      client = new LambdaClient({ region, ...this.clientSettings(requestTimeoutMs) });
      this.lambdaClients.set(key, client);
    }
    return client;
  }

  private clientSettings(requestTimeoutMs?: number) {
    return {
      // One retry within a region; beyond that the next region is the better bet.
      maxAttempts: 2,
      requestHandler: {
        connectionTimeout: this.options.connectTimeoutMs ?? 3000,
        requestTimeout: requestTimeoutMs ?? this.options.requestTimeoutMs ?? 10_000,
      },
    };
  }
}
