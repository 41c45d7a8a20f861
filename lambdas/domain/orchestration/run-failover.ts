import type { PlanEntry } from '../../contracts/config/plan-entry';
import {
  ConcurrentModificationError,
  ReplicaIsolatedError,
  ReplicatedWriteConflictError,
  ValidationError,
} from '../../contracts/errors';
import type { Clock, Random } from '../../ports/clock';
import type { ForwardingRunSummary, ForwardRun } from '../../ports/forwarding-state';
import type { Actor, Incident, IncidentStore } from '../../ports/incidents';
import { announceOwed, oweAlert, owesAlerts } from '../incidents/alert-outbox';
import { releaseIncidentLease, takeIncidentLease, updateUnderLease } from '../incidents/incident-lease';
import type { IncidentLog } from '../incidents/incident-log';
import { TIMELINE } from '../incidents/timeline';
import { carryRoutes } from '../routes/carry-routes';
import { describeModeShares, modeShares } from '../routes/describe-modes';
import type { FailoverRoutes } from '../routes/failover-routes';

/** A request to fail a site over: from a probe that tripped, an operator, or a continuation of a run. */
export interface FailoverRequest {
  siteId: string;
  /** Epoch ms of the outage's first failed probe; with siteId it names the outage (idempotency key). */
  outageStartedAt: number;
  /** Epoch ms the quorum was reached or the operator asked. */
  detectedAt: number;
  /** Regions that saw the outage. */
  regions: string[];
  trigger: Actor;
  failureKind: string;
  reason: string;
  /** Set on a continuation: the incident and the lease token handed over by the previous run. */
  continuation?: { incidentId: string; leaseOwner: string };
}

export interface FailoverDependencies {
  store: IncidentStore;
  log: IncidentLog;
  clock: Clock;
  plan: readonly PlanEntry[];
  /** Site ids the config knows, with their role. */
  sites: ReadonlyMap<string, 'primary' | 'standby'>;
  forward: ForwardRun;
  /** This run's identity for the lease (e.g. the Lambda request id). */
  runId: string;
  /** Epoch ms by which this run must have saved its progress (Lambda deadline minus a margin). */
  deadlineMs: number;
  /** How long a lease outlives a run that died without releasing it. */
  leaseMs: number;
  /** Jitter of the replicated-write-conflict backoff when opening, in [0, 1). @default Math.random */
  random?: Random;
  /** The route step (`sites[].failover`); without it every number goes through `forward`. */
  routes?: FailoverRoutes;
}

/**
 * Tries of opening (or joining) the incident when the strongly consistent table reports a replicated
 * write conflict, and the first backoff ceiling between them (full jitter, doubling).
 */
export const OPEN_CONFLICT_ATTEMPTS = 4;
const OPEN_CONFLICT_BASE_DELAY_MS = 100;

export type FailoverOutcome =
  | { result: 'done'; incident: Incident; summary: ForwardingRunSummary }
  /** The deadline came first: the caller starts a continuation with this request. */
  | { result: 'continue'; incident: Incident; continuation: FailoverRequest }
  /** Another run holds the incident (or it is past forwarding): nothing to do here. */
  | { result: 'joined'; incident: Incident }
  /**
   * This region's replica of the incident table could not reach the others, so this run opened
   * nothing (or left only the pointer, which the next open completes): a region that is not cut off
   * opens or joins the incident from its own trip.
   */
  | { result: 'isolated'; incidentId: string; error: ReplicaIsolatedError };

/** The incident id of an outage: the site and the outage start, so every region derives the same one. */
export function outageIncidentId(siteId: string, outageStartedAt: number): string {
  const stamp = new Date(outageStartedAt)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${siteId}-${stamp}`;
}

/**
 * Fails a site over: opens or joins its incident (exactly one per outage, however many triggers race),
 * takes the incident's lease so only one run forwards, sends the first page unless a run before it
 * did, forwards the site's numbers until the deadline, and either hands over to a continuation or
 * records the outcome and alerts it. Alerts go through the incident's outbox (alert-outbox.ts): a
 * publish that fails is retried by this run's next step and by any later run, never lost.
 */
export async function runFailover(
  request: FailoverRequest,
  deps: FailoverDependencies,
): Promise<FailoverOutcome> {
  const role = deps.sites.get(request.siteId);
  if (role === undefined) {
    throw new ValidationError(`unknown site "${request.siteId}"`, [
      `siteId: expected one of ${[...deps.sites.keys()].join(', ')}`,
    ]);
  }
  const entries = deps.plan.filter((entry) => entry.siteId === request.siteId);
  let incident: Incident;
  if (request.continuation) {
    incident = await requireIncident(deps.store, request.continuation.incidentId);
  } else {
    const opened = await openOrJoinReplicated(request, entries.length, deps);
    if (opened instanceof ReplicaIsolatedError) {
      return {
        result: 'isolated',
        incidentId: outageIncidentId(request.siteId, request.outageStartedAt),
        error: opened,
      };
    }
    incident = opened;
  }

  // An operator asking again for a partially forwarded site means: try the numbers that failed once
  // more (the runbook's advice after fixing a carrier credential, say).
  const retrying =
    incident.status === 'partially-forwarded' && request.trigger.type === 'operator' && !request.continuation;
  if (!['detected', 'forwarding'].includes(incident.status) && !retrying)
    return { result: 'joined', incident: await announceLeftovers(incident, deps) };
  const leased = await takeIncidentLease(deps.store, incident, {
    runId: deps.runId,
    now: deps.clock.now(),
    leaseMs: deps.leaseMs,
    handedOverBy: request.continuation?.leaseOwner,
    statuses: retrying ? ['partially-forwarded'] : ['detected', 'forwarding'],
  });
  if (!leased) return { result: 'joined', incident };
  // The first page, unless the run that opened the incident sent it (or died before or after it).
  incident = await announceOwed(leased, deps);
  if (retrying) {
    incident = await updateUnderLease(deps.store, incident, deps.runId, () => ({ status: 'forwarding' }));
    await deps.log.record(
      incident,
      TIMELINE.forwardingStarted,
      `Retrying the ${incident.numbers.failed} numbers that could not be forwarded`,
      { retryFailed: true, failed: incident.numbers.failed },
    );
  }

  if (incident.status === 'detected') {
    incident = await updateUnderLease(deps.store, incident, deps.runId, (current) => ({
      status: 'forwarding',
      ...oweAlert(
        current,
        { kind: 'forwarding-started', headline: `forwarding ${entries.length} numbers at the carriers` },
        deps.clock.now(),
      ),
    }));
    await deps.log.record(
      incident,
      TIMELINE.forwardingStarted,
      `Forwarding ${entries.length} numbers at the carriers`,
      {
        numbers: entries.length,
      },
    );
    incident = await announceOwed(incident, deps);
  }

  // The routes first: a native failover or a switch carries most numbers in no or a few requests.
  let remaining = entries;
  let carried = 0;
  if (deps.routes) {
    const step = await carryRoutes(incident, entries, deps.routes.of(request.siteId), {
      ...deps.routes,
      store: deps.store,
      log: deps.log,
      clock: deps.clock,
      runId: deps.runId,
    });
    ({ incident, remaining, carried } = step);
  }
  const forwarded = await deps.forward(incident.id, remaining, deps.deadlineMs, { retryFailed: retrying });
  const summary = {
    ...forwarded,
    total: forwarded.total + carried,
    forwarded: forwarded.forwarded + carried,
  };
  if (summary.pending > 0) {
    incident = await updateUnderLease(deps.store, incident, deps.runId, (current) => ({
      numbers: {
        ...current.numbers,
        total: summary.total,
        forwarded: summary.forwarded,
        failed: summary.failed.length,
      },
      lease: { owner: `${deps.runId}:continuation`, until: deps.clock.now() + deps.leaseMs },
    }));
    await deps.log.record(
      incident,
      TIMELINE.forwardingProgress,
      `Forwarded ${summary.forwarded} of ${summary.total}; continuing`,
      {
        forwarded: summary.forwarded,
        pending: summary.pending,
      },
    );
    return {
      result: 'continue',
      incident,
      continuation: {
        ...request,
        continuation: { incidentId: incident.id, leaseOwner: `${deps.runId}:continuation` },
      },
    };
  }
  return { result: 'done', incident: await finish(incident, entries, summary, deps), summary };
}

/**
 * Opens or joins the incident on the strongly consistent table. A replicated write conflict wrote
 * nothing and another region was writing the same item (most likely opening this very incident):
 * wait a jittered moment and open-or-join again, which reads the pointer and joins what the other
 * region opened, or opens it if that region's write did not go through either. An isolated replica
 * is returned, not thrown: nothing this run can do reaches the other replicas, and what it may
 * have left (a pointer without its incident item, no timeline event, no alert owed anywhere an alert
 * is sent from) is completed by the next open of the site, from any region.
 */
async function openOrJoinReplicated(
  request: FailoverRequest,
  total: number,
  deps: FailoverDependencies,
): Promise<Incident | ReplicaIsolatedError> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openOrJoin(request, total, deps);
    } catch (error) {
      if (error instanceof ReplicaIsolatedError) return error;
      if (!(error instanceof ReplicatedWriteConflictError) || attempt >= OPEN_CONFLICT_ATTEMPTS) throw error;
      const ceiling = OPEN_CONFLICT_BASE_DELAY_MS * 2 ** (attempt - 1);
      await deps.clock.sleep(Math.floor((deps.random ?? Math.random)() * ceiling));
    }
  }
}

async function openOrJoin(
  request: FailoverRequest,
  total: number,
  deps: FailoverDependencies,
): Promise<Incident> {
  const { incident, created } = await deps.store.openOrJoin({
    id: outageIncidentId(request.siteId, request.outageStartedAt),
    siteId: request.siteId,
    kind: 'outage',
    outageStartedAt: request.outageStartedAt,
    openedAt: request.detectedAt,
    regions: [...request.regions].sort(),
    openedBy: request.trigger,
    failureKind: request.failureKind,
    reason: request.reason,
    numbers: { total, forwarded: 0, failed: 0, restored: 0 },
    // The first page is owed from the moment the incident exists: created in the same conditional write.
    ...oweAlert({}, { kind: 'detected', headline: `DOWN: ${request.reason}` }, request.detectedAt),
  });
  if (created) {
    await deps.log.record(
      incident,
      TIMELINE.outageStarted,
      'First failed probe of the outage',
      {},
      request.outageStartedAt,
      request.trigger,
    );
    await deps.log.record(
      incident,
      TIMELINE.detected,
      `${describeTrigger(request)}: ${request.reason}`,
      { regions: request.regions, trigger: request.trigger },
      request.detectedAt,
      request.trigger,
    );
    // Sent by the run that takes the lease next (alert-outbox.ts): this one, or whoever comes after
    // it when it dies here.
    return incident;
  }
  const newRegions = request.regions.filter((region) => !incident.regions.includes(region));
  const who =
    request.trigger.type === 'operator'
      ? `Operator ${request.trigger.name ?? 'unknown'}`
      : `The probe in ${request.trigger.region}`;
  await deps.log.record(
    incident,
    TIMELINE.joined,
    `${who} also asked for this failover; joined the open incident`,
    { regions: request.regions, trigger: request.trigger },
    deps.clock.now(),
    request.trigger,
  );
  if (newRegions.length === 0) return incident;
  return mergeRegions(incident, newRegions, deps.store);
}

async function mergeRegions(
  incident: Incident,
  newRegions: string[],
  store: IncidentStore,
): Promise<Incident> {
  let current = incident;
  for (;;) {
    try {
      return await store.update(current.id, current.version, {
        regions: [...new Set([...current.regions, ...newRegions])].sort(),
      });
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError)) throw error;
      current = await requireIncident(store, current.id);
    }
  }
}

async function finish(
  incident: Incident,
  entries: readonly PlanEntry[],
  summary: ForwardingRunSummary,
  deps: FailoverDependencies,
): Promise<Incident> {
  const partial = summary.failed.length > 0;
  const { routes } = deps;
  const shares = modeShares(entries, incident.routes, (carrier) =>
    routes ? routes.slowModeOf(incident.siteId, carrier) : 'per-number',
  );
  const headline = `forwarded ${summary.forwarded} of ${summary.total} numbers${partial ? `, ${summary.failed.length} failed` : ''}`;
  // The lease is kept until the alert is out: a failback tick taking it meanwhile would send it too.
  const finished = await updateUnderLease(deps.store, incident, deps.runId, (current) => ({
    status: partial ? 'partially-forwarded' : 'forwarded',
    numbers: {
      ...current.numbers,
      total: summary.total,
      forwarded: summary.forwarded,
      failed: summary.failed.length,
    },
    ...oweAlert(
      current,
      {
        kind: partial ? 'partially-forwarded' : 'forwarded',
        headline,
        details: [...describeModeShares(routes ? shares : []), ...describeFailures(summary.failed)],
        runbookKind: partial ? 'carrier-api-failing' : undefined,
      },
      deps.clock.now(),
    ),
  }));
  await deps.log.record(finished, TIMELINE.forwardingFinished, headline, {
    forwarded: summary.forwarded,
    failed: summary.failed,
    ...(routes ? { byMode: shares } : {}),
  });
  const announced = await announceOwed(finished, deps);
  return (await releaseIncidentLease(deps.store, announced.id, deps.runId)) ?? announced;
}

/**
 * A run that only joins an incident past forwarding still sends what an earlier run left owed (its
 * publish failed, or it died between the state change and the alert), when no live run holds it.
 */
async function announceLeftovers(incident: Incident, deps: FailoverDependencies): Promise<Incident> {
  if (incident.status === 'resolved' || !owesAlerts(incident)) return incident;
  const leased = await takeIncidentLease(deps.store, incident, {
    runId: deps.runId,
    now: deps.clock.now(),
    leaseMs: deps.leaseMs,
    statuses: [incident.status],
  });
  if (!leased) return incident;
  const announced = await announceOwed(leased, deps);
  return (await releaseIncidentLease(deps.store, announced.id, deps.runId)) ?? announced;
}

/** Failed numbers with their reasons, at most 20 lines, so the alert stays readable. */
function describeFailures(failed: ForwardingRunSummary['failed']): string[] {
  if (failed.length === 0) return [];
  const shown = failed.slice(0, 20).map((item) => `  ${item.number}: ${item.reason}`);
  const more =
    failed.length > shown.length ? [`  ... and ${failed.length - shown.length} more (see the incident)`] : [];
  return ['Failed numbers:', ...shown, ...more];
}

function describeTrigger(request: FailoverRequest): string {
  const { trigger } = request;
  if (trigger.type === 'operator')
    return `Operator ${trigger.name ?? 'unknown'} asked for a failover from ${trigger.region}`;
  return `Quorum reached (${request.regions.join(', ')}), tripped in ${trigger.region}`;
}

async function requireIncident(store: IncidentStore, incidentId: string): Promise<Incident> {
  const incident = await store.get(incidentId);
  if (!incident) throw new ValidationError(`unknown incident "${incidentId}"`);
  return incident;
}
