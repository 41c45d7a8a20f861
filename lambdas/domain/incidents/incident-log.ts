import type { Runbook } from '../../contracts/config/schema';
import type { Alert, Notifier } from '../../ports/alerts';
import type { Clock } from '../../ports/clock';
import type { Actor, Incident, IncidentAlert, IncidentStore } from '../../ports/incidents';
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
  /**
   * Told when an alert could not be published (it stays owed and a later run publishes it).
   * @default nothing is told
   */
  onPublishFailed?: (alert: Alert, error: unknown) => void;
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

  /**
   * Publishes one alert the incident owes, with the runbook of its failure kind, and returns it; the
   * caller marks it sent (alert-outbox.ts). Tells `onPublishFailed` and rethrows when publishing fails.
   */
  async publish(incident: Incident, owed: IncidentAlert, alertId: string): Promise<Alert> {
    const alert = composeAlert({
      kind: owed.kind as AlertKind,
      deployment: this.options.deployment,
      region: this.actor.region,
      incident,
      headline: owed.headline,
      details: owed.details,
      runbook: this.options.runbooks[owed.runbookKind ?? incident.failureKind],
      sentAt: this.options.clock.now(),
      alertId,
    });
    try {
      await this.options.notifier.publish(alert);
    } catch (error) {
      this.options.onPublishFailed?.(alert, error);
      throw error;
    }
    return alert;
  }

  /** Records on the timeline that `alert` was sent, so every alert sent is itself on the record. */
  async recordSent(incident: Incident, alert: Alert): Promise<void> {
    await this.record(incident, TIMELINE.alertSent, alert.subject, {
      kind: alert.kind,
      severity: alert.severity,
      alertId: alert.alertId,
    });
  }
}
