/**
 * Carrier access for `arm` and `audit`, run from the operator's machine: adapters built from the
 * config with credentials from the environment (TELNYX_API_KEY, TWILIO_ACCOUNT_SID, ...), only for
 * the carriers the selected numbers use, each wrapped to count progress and to remember why calls
 * failed (the domain reports reasons as text; the exit code needs to know which were credentials).
 */
import { createCarrierDirectory } from '../../../../lambdas/adapters/carriers/carrier-directory';
import {
  type CredentialSource,
  EnvironmentCredentialSource,
} from '../../../../lambdas/adapters/carriers/credentials';
import type { PlanEntry } from '../../../../lambdas/contracts/config/plan-entry';
import {
  CARRIER_NAMES,
  type CarrierName,
  type CarriersConfig,
} from '../../../../lambdas/contracts/config/schema';
import { CarrierAuthError, CarrierError } from '../../../../lambdas/contracts/errors';
import type {
  Carrier,
  CarrierDirectory,
  ForwardRequest,
  RoutingSnapshot,
} from '../../../../lambdas/ports/carriers';
import { CliError } from './cli-error';
import { ExitCode } from './exit-codes';

/** Carriers ready to call, and what their calls have shown so far. */
export interface CarrierSession {
  carriers: CarrierDirectory;
  /** Numbers with at least one finished carrier call. */
  numbersTouched(): number;
  /** The first credential rejection (401/403) seen, if any. */
  firstAuthFailure(): CarrierAuthError | undefined;
  /** Calls that failed because the carrier could not be reached or did not answer in time. */
  unreachableFailures(): number;
}

/**
 * Builds the adapters of the carriers `entries` use. Every missing or malformed credential of
 * those carriers is reported at once (exit 4), naming the environment variables to set.
 */
export async function openCarrierSession(
  carriersConfig: CarriersConfig,
  entries: readonly PlanEntry[],
  options: { env: Record<string, string | undefined>; onProgress?: (numbersTouched: number) => void },
): Promise<CarrierSession> {
  const used = new Set(entries.map((entry) => entry.carrier));
  const selected: CarriersConfig = {};
  for (const name of CARRIER_NAMES) {
    if (used.has(name) && carriersConfig[name]) Object.assign(selected, { [name]: carriersConfig[name] });
  }
  const credentialSource = new EnvironmentCredentialSource(options.env);
  await requireCredentials(selected, credentialSource);
  const directory = await createCarrierDirectory(selected, credentialSource);

  const touched = new Set<string>();
  let authFailure: CarrierAuthError | undefined;
  let unreachable = 0;
  const watch = async <T>(number: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (error instanceof CarrierAuthError) authFailure ??= error;
      else if (isUnreachable(error)) unreachable += 1;
      throw error;
    } finally {
      if (!touched.has(number)) {
        touched.add(number);
        options.onProgress?.(touched.size);
      }
    }
  };
  const carriers: CarrierDirectory = {};
  for (const [name, carrier] of Object.entries(directory) as [CarrierName, Carrier][]) {
    // The single-number calls, watched for progress and credential failures.
    const watched: Carrier = {
      name: carrier.name,
      forwardModes: carrier.forwardModes,
      readRouting: (number: string) => watch(number, () => carrier.readRouting(number)),
      forward: (request: ForwardRequest) => watch(request.number, () => carrier.forward(request)),
      restore: (snapshot: RoutingSnapshot) => watch(snapshot.number, () => carrier.restore(snapshot)),
      // The route operations as they are: `arm` and `audit` report each route's outcome themselves.
      ...(carrier.routes ? { routes: carrier.routes } : {}),
      // The routing baseline reads in pages where the carrier has them, and counts its reads.
      ...(carrier.routingPages ? { routingPages: carrier.routingPages } : {}),
      ...(carrier.requestsPerRead === undefined ? {} : { requestsPerRead: carrier.requestsPerRead }),
    };
    carriers[name] = watched;
  }
  return {
    carriers,
    numbersTouched: () => touched.size,
    firstAuthFailure: () => authFailure,
    unreachableFailures: () => unreachable,
  };
}

/** Reads every selected carrier's credentials, collecting all the problems before failing. */
async function requireCredentials(carriers: CarriersConfig, source: CredentialSource): Promise<void> {
  const problems: string[] = [];
  for (const name of CARRIER_NAMES) {
    const section = carriers[name];
    if (!section) continue;
    try {
      await source.get(name, section.secretName);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (problems.length > 0) {
    throw new CliError(
      ExitCode.credentials,
      "carrier credentials are missing: set these environment variables (the same values as the carriers' secrets) and retry",
      { problems },
    );
  }
}

/** A transport failure (refused, reset, DNS, timeout) rather than an answer from the carrier. */
function isUnreachable(error: unknown): boolean {
  return (
    error instanceof CarrierError &&
    error.status === undefined &&
    error.cause !== undefined &&
    !(error.cause instanceof SyntaxError)
  );
}

/**
 * The exit code of a run over many numbers (`arm`, `audit`): 4 when a carrier rejected the
 * credentials, 3 when no number got through because the carriers could not be reached, 5 when some
 * numbers did not get through, else 0. The reason goes to `log`; per-number reasons are in the result.
 */
export function carrierExitCode(
  session: CarrierSession,
  outcome: { unsuccessful: number; total: number },
  log: (line: string) => void,
): ExitCode {
  const authFailure = session.firstAuthFailure();
  if (authFailure) {
    log(`carrier-failover: ${authFailure.message}`);
    return ExitCode.credentials;
  }
  if (outcome.unsuccessful === 0) return ExitCode.ok;
  if (outcome.unsuccessful === outcome.total && session.unreachableFailures() > 0) {
    log(
      "carrier-failover: the carriers could not be reached; check the network and the carriers' baseUrl in the config",
    );
    return ExitCode.unreachable;
  }
  return ExitCode.partialFailure;
}
