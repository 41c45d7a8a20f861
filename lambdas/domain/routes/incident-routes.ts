/** The incident's route entries: one per carrier, replaced whole under the incident's lease. */
import type { Incident, IncidentRoute, IncidentStore } from '../../ports/incidents';
import { updateUnderLease } from '../incidents/incident-lease';

/** Replaces the carrier's route entry on the incident (the run holds the lease). */
export function putIncidentRoute(
  incident: Incident,
  item: IncidentRoute,
  deps: { store: IncidentStore; runId: string },
): Promise<Incident> {
  return updateUnderLease(deps.store, incident, deps.runId, (current) => ({
    routes: [...(current.routes ?? []).filter((route) => route.carrier !== item.carrier), item],
  }));
}
