/**
 * Alerts as an outbox on the incident. The update that changes an incident's state also records the
 * alert that change owes people (`oweAlert`); the run holding the incident's lease then publishes
 * what is owed, oldest first, and marks each one with a conditional update once SNS took it
 * (`announceOwed`). A publish that fails, or a run that dies before or right after publishing,
 * leaves the alert owed, and the next run to hold the lease (a Lambda retry, another region's trip,
 * a failback tick in any region) publishes it. So a page is sent at least once; a run dying between
 * publishing and marking sends it once more, with the same alert id for people to drop the repeat.
 */

import type { Alert } from '../../ports/alerts';
import type { Clock } from '../../ports/clock';
import type { Incident, IncidentAlert, IncidentStore } from '../../ports/incidents';
import type { AlertKind } from '../alerts/compose-alert';
import { updateUnderLease } from './incident-lease';
import type { IncidentLog } from './incident-log';

/** What an owed alert says; `kind` picks its severity. */
export interface AlertToOwe {
  kind: AlertKind;
  headline: string;
  details?: string[];
  /** The runbook to attach, when not the incident's failure kind's. */
  runbookKind?: string;
}

export interface AlertOutboxDependencies {
  store: IncidentStore;
  log: IncidentLog;
  clock: Clock;
  /** The run holding the incident's lease. */
  runId: string;
}

/** The change that adds `alert` to what `current` owes; spread it into the state change's update. */
export function oweAlert(
  current: Pick<Incident, 'alerts'>,
  alert: AlertToOwe,
  now: number,
): Pick<Incident, 'alerts'> {
  const owed: IncidentAlert = { kind: alert.kind, headline: alert.headline, owedAt: now };
  // DynamoDB stores no undefined attribute: set the optional ones only when there is something.
  if (alert.details && alert.details.length > 0) owed.details = alert.details;
  if (alert.runbookKind) owed.runbookKind = alert.runbookKind;
  return { alerts: [...(current.alerts ?? []), owed] };
}

/** True while some alert of the incident has not been published. */
export function owesAlerts(incident: Incident): boolean {
  return (incident.alerts ?? []).some((alert) => alert.announcedAt === undefined);
}

/** The id every copy of the incident's `index`-th alert carries. */
export function alertIdOf(incident: Incident, index: number): string {
  return `${incident.id}#${index + 1}`;
}

/**
 * Publishes every alert the incident still owes, in order, marking each as published; call it only
 * while holding the incident's lease, so two live runs never publish the same one. Stops at the first
 * that cannot be published (a later alert never overtakes an earlier one) and returns: the alert
 * stays owed, and this run's next call or a later run's publishes it. Forwarding never waits for SNS.
 */
export async function announceOwed(incident: Incident, deps: AlertOutboxDependencies): Promise<Incident> {
  let current = incident;
  for (let index = 0; index < (current.alerts?.length ?? 0); index++) {
    const owed = current.alerts![index];
    if (owed.announcedAt !== undefined) continue;
    let alert: Alert;
    try {
      alert = await deps.log.publish(current, owed, alertIdOf(current, index));
    } catch {
      return current; // the log told onPublishFailed; the alert stays owed
    }
    current = await updateUnderLease(deps.store, current, deps.runId, (fresh) => ({
      alerts: (fresh.alerts ?? []).map((item, at) =>
        at === index ? { ...item, announcedAt: deps.clock.now() } : item,
      ),
    }));
    await deps.log.recordSent(current, alert);
  }
  return current;
}
