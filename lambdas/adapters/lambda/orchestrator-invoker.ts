/**
 * Tells this region's orchestrator that a site tripped: one asynchronous Lambda invoke (InvocationType
 * `Event`) per trip this region decides. Asynchronous because the probe must keep probing while the
 * orchestrator works for minutes, and because Lambda then retries and dead-letters the event itself.
 *
 * Every region that trips sends the same outage (site id + `outageStartedAt`), so the orchestrator's
 * conditional write opens one incident for all of them; only `trigger.region` differs.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { FailureKind, Site } from '../../contracts/config/schema';
import { endpointKind } from '../../contracts/endpoint-ids';
import { CarrierFailoverError, ValidationError } from '../../contracts/errors';
import { type FailoverEvent, failoverEventSchema } from '../../contracts/events/orchestrator-event';
import type { SiteTrip } from '../../ports/detection';

/** The failover event's `reason` is at most this long (failoverEventSchema). */
const MAX_REASON_LENGTH = 500;

/** A SIP final answer in an observation's reason, as the OPTIONS probe words it: `SIP 503 ...`. */
const SIP_ANSWER = /^SIP [1-6]\d\d\b/;

/** How an alert names each probe whose reason does not say it ("timeout after 2000 ms"). */
const PROBE_WORDS: Record<ReturnType<typeof endpointKind>, string> = {
  sip: 'SIP OPTIONS',
  http: 'HTTP GET',
  call: 'test call',
  control: 'control target',
};

/** The orchestrator could not be asked; the probe announces the trip again next round. */
export class OrchestratorInvokeError extends CarrierFailoverError {
  readonly functionName: string;

  constructor(functionName: string, message: string, options: { cause?: unknown } = {}) {
    super(`orchestrator ${functionName}: ${message}`, { ...options, retryable: true });
    this.name = 'OrchestratorInvokeError';
    this.functionName = functionName;
  }
}

/** Where the invoker sends events and how it names itself in them. */
export interface OrchestratorInvokerOptions {
  client: LambdaClient;
  /** The orchestrator's function name or ARN (this region's). */
  functionName: string;
  /** This region: the event's `trigger.region`. */
  region: string;
  /** Optional `trigger.name`, e.g. the probe function's name, for the incident's audit trail. */
  triggerName?: string;
}

/** One failing endpoint of one region, read back from a trip's reasons. */
interface EndpointFailure {
  region: string;
  kind: ReturnType<typeof endpointKind>;
  reason: string;
}

/**
 * Reads a trip's per-region reasons back into failing endpoints. A failed round's reason is
 * `<endpoint>: <reason>` joined by `; ` (judgeRound); endpoint ids hold no whitespace.
 */
function endpointFailures(trip: Pick<SiteTrip, 'regions' | 'reasons'>): EndpointFailure[] {
  return trip.regions.flatMap((region) =>
    (trip.reasons[region] ?? '').split('; ').flatMap((part): EndpointFailure[] => {
      const match = /^(\S+): (.+)$/.exec(part);
      return match ? [{ region, kind: endpointKind(match[1]), reason: match[2] }] : [];
    }),
  );
}

/**
 * The runbook kind of a trip. `sip-errors` ("up but out of sync", the 2022-08-12 incident) when, in
 * every region that voted the trip, at least one SIP endpoint answered with a SIP error status: the
 * site is reachable and its SBC or softswitch refuses calls, so the fix is at the softswitch vendor.
 * Anything else is `site-unreachable`: timeouts, refused connections, TLS or malformed replies, and
 * HTTP-only failures (no runbook kind of their own yet). `calls-failing` when, in every voting
 * region, only test calls failed: the SBC answers OPTIONS and the portal its health URL, but calls
 * through the site fail (the softswitch behind them "out of sync"). "Every voting region" rather
 * than "any" because one region hearing 503 while another hears nothing is more likely a network
 * problem.
 */
export function failureKindOfTrip(trip: Pick<SiteTrip, 'regions' | 'reasons'>): FailureKind {
  const failures = endpointFailures(trip);
  const answeredEverywhere =
    trip.regions.length > 0 &&
    trip.regions.every((region) =>
      failures.some((f) => f.region === region && f.kind === 'sip' && SIP_ANSWER.test(f.reason)),
    );
  if (answeredEverywhere) return 'sip-errors';
  // Only the test calls failed in every voting region: the SBC and the portal answer, calls do not.
  const onlyCallsFailing =
    trip.regions.length > 0 &&
    trip.regions.every((region) => {
      const ofRegion = failures.filter((f) => f.region === region);
      return ofRegion.length > 0 && ofRegion.every((f) => f.kind === 'call');
    });
  return onlyCallsFailing ? 'calls-failing' : 'site-unreachable';
}

/**
 * One line for the alert and the incident log, the same reasons grouped by region, e.g.
 * `SIP 503 Service Unavailable from us-east-1, us-east-2; SIP OPTIONS timeout after 2000 ms from us-west-2`.
 * Endpoint ids are left out: they are in the incident's observations, and a health URL may carry a
 * token the alert should not.
 */
export function describeTrip(trip: Pick<SiteTrip, 'regions' | 'reasons'>): string {
  const regionsByReason = new Map<string, string[]>();
  for (const failure of endpointFailures(trip)) {
    // Probe reasons like "timeout after 2000 ms" do not say which probe timed out; statuses do.
    const answered = failure.kind === 'http' ? 'HTTP ' : 'SIP ';
    const probe = PROBE_WORDS[failure.kind];
    const reason =
      failure.kind === 'call'
        ? `test call ${failure.reason}`
        : failure.reason.startsWith(answered)
          ? failure.reason
          : `${probe} ${failure.reason}`;
    const regions = regionsByReason.get(reason) ?? [];
    if (!regions.includes(failure.region)) regions.push(failure.region);
    regionsByReason.set(reason, regions);
  }
  const line =
    regionsByReason.size > 0
      ? [...regionsByReason].map(([reason, regions]) => `${reason} from ${regions.join(', ')}`).join('; ')
      : `probes failed from ${trip.regions.join(', ')}`;
  return line.length <= MAX_REASON_LENGTH ? line : `${line.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

/**
 * The orchestrator's event for a trip. `detectedAt` is the trip's `at`, the round that completed the
 * quorum, not the wall clock of this run: every region derives the same value, so the regions'
 * events differ only in `trigger`.
 * @throws ValidationError when the result does not satisfy failoverEventSchema (a bug, not retryable).
 */
export function failoverEventForTrip(
  trip: SiteTrip,
  trigger: { region: string; name?: string },
): FailoverEvent {
  const event = {
    action: 'failover',
    siteId: trip.siteId,
    outageStartedAt: trip.outageStartedAt,
    detectedAt: trip.at,
    regions: trip.regions,
    trigger: { type: 'probe', region: trigger.region, ...(trigger.name ? { name: trigger.name } : {}) },
    failureKind: failureKindOfTrip(trip),
    reason: describeTrip(trip),
  };
  const parsed = failoverEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new ValidationError(
      `the failover event for ${trip.idempotencyKey} is not what the orchestrator accepts`,
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`),
    );
  }
  return parsed.data;
}

/** Sends failover events to this region's orchestrator; the probe's TripNotifier in Lambda. */
export class OrchestratorInvoker {
  constructor(private readonly options: OrchestratorInvokerOptions) {}

  /**
   * Invokes the orchestrator asynchronously with the trip's event; resolves once Lambda queued it.
   * @throws OrchestratorInvokeError when Lambda did not accept the event (retryable).
   */
  async notifyTrip(trip: SiteTrip, _site: Site): Promise<void> {
    const { client, functionName, region, triggerName } = this.options;
    const event = failoverEventForTrip(trip, { region, name: triggerName });
    let statusCode: number | undefined;
    try {
      const output = await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(event)),
        }),
      );
      statusCode = output.StatusCode;
    } catch (error) {
      throw new OrchestratorInvokeError(
        functionName,
        `could not queue the failover of ${trip.idempotencyKey} (${(error as Error).name ?? 'error'}); the probe retries next round, check the probe role's lambda:InvokeFunction permission if it persists`,
        { cause: error },
      );
    }
    // An asynchronous invoke that Lambda queued answers 202; anything else was not queued.
    if (statusCode !== 202) {
      throw new OrchestratorInvokeError(
        functionName,
        `answered status ${statusCode ?? 'none'} instead of 202 for the failover of ${trip.idempotencyKey}; the probe retries next round`,
      );
    }
  }
}
