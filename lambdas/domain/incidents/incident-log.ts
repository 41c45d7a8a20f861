import type { Runbook } from '../../../lib/config/schema';
import type { Actor, Clock, Incident, IncidentStore, Notifier } from '../../ports';
import { type AlertKind, composeAlert } from '../alerts/compose-alert';
import { TIMELINE, type TimelineEventType } from './timeline';

export interface IncidentLogOptions {
  store: IncidentStore;
  notifier: Notifier;
  clock: Clock;
  /** Who is acting (this region's function, or an operator). */
  actor: Actor;
  deployment: string;
  runbooks: Partial<Record<string, Runbook>>;
}

/**
 * Writes an incident's timeline and sends its alerts, so every state change leaves both a record and
 * (where it matters) one alert, and every alert sent is itself on the timeline.
 */
export class IncidentLog {
  constructor(private readonly options: IncidentLogOptions) {}

  get actor(): Actor {
    return this.options.actor;
  }

  /** Appends one event, at `at` (default now), by `actor` (default this log's). */
  async record(
    incident: Incident,
    type: TimelineEventType,
    message: string,
    details?: Record<string, unknown>,
    at = this.options.clock.now(),
    actor: Actor = this.actor,
  ): Promise<void> {
    await this.options.store.appendEvent({ incidentId: incident.id, at, type, actor, message, details });
  }

  /** Publishes one alert with the runbook of the incident's failure kind, and records that it was sent. */
  async alert(
    incident: Incident,
    kind: AlertKind,
    headline: string,
    details?: string[],
    runbookKind?: string,
  ): Promise<void> {
    const alert = composeAlert({
      kind,
      deployment: this.options.deployment,
      region: this.actor.region,
      incident,
      headline,
      details,
      runbook: this.options.runbooks[runbookKind ?? incident.failureKind],
      sentAt: this.options.clock.now(),
    });
    await this.options.notifier.publish(alert);
    await this.record(incident, TIMELINE.alertSent, alert.subject, { kind, severity: alert.severity });
  }
}
