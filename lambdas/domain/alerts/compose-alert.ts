import type { Runbook } from '../../contracts/config/schema';
import type { Alert, AlertSeverity } from '../../ports/alerts';
import type { Incident } from '../../ports/incidents';

/** Every state change that is worth telling people about; never one alert per number. */
export type AlertKind =
  | 'detected'
  | 'forwarding-started'
  | 'forwarded'
  | 'partially-forwarded'
  | 'recovered'
  | 'failback-wave'
  | 'failback-halted'
  | 'resolved'
  | 'practice-passed'
  | 'practice-failed';

const SEVERITY: Record<AlertKind, AlertSeverity> = {
  detected: 'critical',
  'forwarding-started': 'high',
  forwarded: 'high',
  'partially-forwarded': 'critical',
  recovered: 'warning',
  'failback-wave': 'info',
  'failback-halted': 'critical',
  resolved: 'info',
  'practice-passed': 'info',
  'practice-failed': 'high',
};

/** SNS limits a subject to 100 printable ASCII characters on one line. */
export const MAX_SUBJECT_LENGTH = 100;
const MAX_SMS_LENGTH = 160;

export interface AlertInput {
  kind: AlertKind;
  deployment: string;
  /** The region sending the alert. */
  region: string;
  incident: Incident;
  /** What happened, one line: "unreachable from us-east-1, us-east-2", "forwarded 24 of 24 numbers". */
  headline: string;
  /** Further lines for the body (counts, failed numbers with reasons, ...). */
  details?: string[];
  runbook?: Runbook;
  /** Epoch ms the alert is sent (injected time). */
  sentAt: number;
  /** The same on every copy of this alert (see Alert.alertId). */
  alertId?: string;
}

/**
 * Builds one alert: a plain subject within SNS limits, a body readable in email with the runbook and
 * the command to see the incident, and a one-message SMS text. Contains only what it is given, so no
 * secret can reach it unless a caller passes one.
 */
export function composeAlert(input: AlertInput): Alert {
  const { kind, deployment, incident, headline } = input;
  const practice = incident.kind === 'practice' ? 'PRACTICE ' : '';
  const subject = plainSubject(`[${deployment}] ${practice}${incident.siteId}: ${headline}`);
  const command = `carrier-failover incidents show ${incident.id}`;
  const lines = [
    `${practice}${headline}`,
    '',
    `Site: ${incident.siteId}`,
    `Incident: ${incident.id} (${incident.status})`,
    `Seen from: ${incident.regions.join(', ') || 'n/a'}`,
    `Reason: ${incident.reason}`,
    `Sent by: ${input.region} at ${new Date(input.sentAt).toISOString()}`,
    ...(input.alertId ? [`Alert id: ${input.alertId} (a repeat with this id is the same alert)`] : []),
    ...(input.details && input.details.length > 0 ? ['', ...input.details] : []),
  ];
  if (input.runbook) {
    lines.push(
      '',
      `Runbook: ${input.runbook.title}`,
      ...input.runbook.steps.map((step, index) => `  ${index + 1}. ${step}`),
    );
    if (input.runbook.contacts.length > 0) lines.push(`Contacts: ${input.runbook.contacts.join('; ')}`);
  }
  lines.push('', `See the incident: ${command}`);
  return {
    subject,
    body: lines.join('\n'),
    sms: truncate(`${subject} - ${command}`, MAX_SMS_LENGTH),
    severity: SEVERITY[kind],
    kind,
    siteId: incident.siteId,
    incidentId: incident.id,
    ...(input.alertId ? { alertId: input.alertId } : {}),
  };
}

/** One line of printable ASCII, at most 100 characters. */
export function plainSubject(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return truncate(ascii, MAX_SUBJECT_LENGTH);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
