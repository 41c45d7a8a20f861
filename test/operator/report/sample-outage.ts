import type { Actor, Incident, TimelineEvent } from '../../../lambdas/ports/incidents';

/** A hand-made outage shaped like 8/12/2022, with fixed times, for golden-file tests of the report. */
export function sampleOutage(): { incident: Incident; events: TimelineEvent[] } {
  const t0 = Date.UTC(2026, 7, 12, 8, 45, 0);
  const east: Actor = { type: 'probe', region: 'us-east-1', name: 'acme-voice-orchestrator' };
  const operator: Actor = { type: 'operator', region: 'us-east-2', name: 'jdoe' };
  const incident: Incident = {
    id: 'phx-primary-20260812T084500Z',
    siteId: 'phx-primary',
    kind: 'outage',
    status: 'resolved',
    outageStartedAt: t0,
    openedAt: t0 + 31_000,
    regions: ['us-east-1', 'us-east-2', 'us-west-2'],
    openedBy: east,
    failureKind: 'site-unreachable',
    reason: 'SIP OPTIONS timeout after 2000 ms from 3 regions',
    numbers: { total: 24, forwarded: 23, failed: 1, restored: 23 },
    resolvedAt: t0 + 4 * 3600_000,
    version: 9,
  };
  const event = (
    offsetMs: number,
    type: string,
    message: string,
    actor: Actor = east,
    details?: Record<string, unknown>,
  ) => ({
    incidentId: incident.id,
    at: t0 + offsetMs,
    type,
    actor,
    message,
    details,
  });
  const events: TimelineEvent[] = [
    event(0, 'outage-started', 'First failed probe of the outage'),
    event(
      31_000,
      'detected',
      'Quorum reached (us-east-1, us-east-2, us-west-2), tripped in us-east-1: SIP OPTIONS timeout',
    ),
    event(
      31_400,
      'alert-sent',
      '[acme-voice] phx-primary: DOWN: SIP OPTIONS timeout after 2000 ms from 3 regions',
    ),
    event(31_900, 'forwarding-started', 'Forwarding 24 numbers at the carriers'),
    event(32_100, 'alert-sent', '[acme-voice] phx-primary: forwarding 24 numbers at the carriers'),
    event(36_800, 'forwarding-finished', 'forwarded 23 of 24 numbers, 1 failed', east, {
      forwarded: 23,
      failed: [{ number: '+16025550021', reason: 'bandwidth: order FAILED: 5005 number not on account' }],
    }),
    event(37_000, 'alert-sent', '[acme-voice] phx-primary: forwarded 23 of 24 numbers, 1 failed'),
    event(
      70 * 60_000,
      'cause',
      'UPS failed to manage power at the primary data center; servers came back out of sync.',
      operator,
    ),
    event(3 * 3600_000, 'recovered', 'Healthy from 3 regions for 10 min'),
    event(3 * 3600_000 + 60_000, 'failback-approved', 'Failback approved', operator),
    event(3 * 3600_000 + 120_000, 'failback-wave-finished', 'Wave 1 (10%): restored 3 numbers', east, {
      wave: 1,
      restored: 3,
      failed: [],
    }),
    event(3 * 3600_000 + 420_000, 'failback-wave-finished', 'Wave 4 (100%): restored 23 numbers', east, {
      wave: 4,
      restored: 23,
      failed: [],
    }),
    event(4 * 3600_000, 'resolved', 'All numbers home; incident resolved', operator),
  ];
  return { incident, events };
}
