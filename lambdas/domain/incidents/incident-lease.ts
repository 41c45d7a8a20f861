import { ConcurrentModificationError } from '../../contracts/errors';
import type { Incident, IncidentStatus, IncidentStore } from '../../ports/incidents';

export interface LeaseRequest {
  /** This run's identity. */
  runId: string;
  now: number;
  /** How long the lease outlives a run that dies without releasing it. */
  leaseMs: number;
  /** A lease owner name that handed the incident to this run (a continuation). */
  handedOverBy?: string;
  /** The statuses in which this run may work the incident. */
  statuses: readonly IncidentStatus[];
}

/**
 * Takes an incident's lease when it is free, expired, already ours, or handed to us, so that only one
 * run in one region works an incident at a time. Returns the updated incident, or undefined when
 * another live run holds it or the incident left the wanted statuses meanwhile.
 */
export async function takeIncidentLease(
  store: IncidentStore,
  incident: Incident,
  request: LeaseRequest,
): Promise<Incident | undefined> {
  let current = incident;
  for (;;) {
    if (!request.statuses.includes(current.status)) return undefined;
    const lease = current.lease;
    const ours = lease && (lease.owner === request.runId || lease.owner === request.handedOverBy);
    if (lease && lease.until > request.now && !ours) return undefined;
    try {
      return await store.update(current.id, current.version, {
        lease: { owner: request.runId, until: request.now + request.leaseMs },
      });
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError)) throw error;
      const reread = await store.get(current.id);
      if (!reread) return undefined;
      current = reread;
    }
  }
}

/**
 * Changes an incident whose lease `runId` holds. Others still write it meanwhile (a joining region or
 * operator adds its regions, an operator approves failback), so a version conflict re-reads it and
 * applies the change again, computed from the fresh copy, as long as the lease is still this run's; a
 * run that lost its lease gives up with the conflict.
 */
export async function updateUnderLease(
  store: IncidentStore,
  incident: Incident,
  runId: string,
  changes: (current: Incident) => Partial<Omit<Incident, 'id' | 'siteId' | 'version'>>,
): Promise<Incident> {
  let current = incident;
  for (;;) {
    try {
      return await store.update(current.id, current.version, changes(current));
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError)) throw error;
      const reread = await store.get(current.id);
      if (reread?.lease?.owner !== runId) throw error;
      current = reread;
    }
  }
}

/**
 * Frees the lease `runId` holds, so the next run need not wait for it to expire, and returns the
 * incident as it now is. Changes nothing when the incident resolved or another run holds it now.
 */
export async function releaseIncidentLease(
  store: IncidentStore,
  incidentId: string,
  runId: string,
): Promise<Incident | undefined> {
  const current = await store.get(incidentId);
  if (!current || current.status === 'resolved' || current.lease?.owner !== runId) return current;
  try {
    return await updateUnderLease(store, current, runId, () => ({ lease: { owner: runId, until: 0 } }));
  } catch (error) {
    // Another run took the lease meanwhile (ours had expired): it is theirs now.
    if (!(error instanceof ConcurrentModificationError)) throw error;
    return store.get(incidentId);
  }
}
