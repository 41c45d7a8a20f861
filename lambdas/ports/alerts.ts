/** Alerts and the notifier that delivers them (SNS when deployed). */

export type AlertSeverity = 'critical' | 'high' | 'warning' | 'info';

export interface Alert {
  /** Plain text, at most 100 characters (SNS subject limit). */
  subject: string;
  /** Plain text readable in email (and in SMS, where no `sms` text is given). */
  body: string;
  /** A short text for SMS (one message, at most 160 characters). */
  sms?: string;
  severity: AlertSeverity;
  /** Which state change this alert reports: detected, forwarding-started, forwarded, ... */
  kind: string;
  siteId: string;
  incidentId?: string;
  /**
   * `<incident id>#<n>`: the same on every copy of one alert, so a subscriber can drop a repeat (an
   * alert is published at least once; see {@link IncidentAlert}).
   */
  alertId?: string;
}

export interface Notifier {
  publish(alert: Alert): Promise<void>;
}
