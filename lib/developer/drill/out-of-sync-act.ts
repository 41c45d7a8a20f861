/**
 * The drill's `out-of-sync` scenario: the second act of 8/12/2022. The site comes back answering
 * OPTIONS and its health URL, but every test call through it fails. For several recovery holds the
 * drill watches that no number comes home and failback does not start, and records why the regions
 * held back (their latest test-call verdicts); then the softswitch is "in sync" again and the drill
 * goes on to failback as after any outage.
 */

import type { SiteHealthStore } from '../../../lambdas/ports/detection';
import type { IncidentStatus, IncidentStore } from '../../../lambdas/ports/incidents';
import { systemClock } from '../../../lambdas/runtime/system-clock';
import type { DrillProgress } from './drill-result';
import type { LocalSite } from './local-site';

/** The drill's scenarios (`--scenario`): `outage` (the default) and this act after it. */
export const DRILL_SCENARIOS = ['outage', 'out-of-sync'] as const;
/** One of {@link DRILL_SCENARIOS}. */
export type DrillScenario = (typeof DRILL_SCENARIOS)[number];

/** The incident's statuses once the site was declared up again. */
const FAILBACK_STATUSES: readonly IncidentStatus[] = ['recovering', 'failing-back', 'resolved'];

/** Recovery holds the site spends out of sync before its calls succeed again. */
const OUT_OF_SYNC_HOLDS = 4;

/** Why failback waited while the site answered OPTIONS and HTTP but failed its test calls. */
export interface FailbackWaited {
  /** The regions' latest test-call verdicts, e.g. `us-east-1: call:udp:...: SIP 503 Out Of Sync`. */
  reason: string;
  /** When the site came back out of sync and when its calls succeeded again, ms from the kill. */
  fromMs: number;
  toMs: number;
  /** Numbers restored while the calls failed: any is a failure of the drill. */
  restoredWhileCallsFailed: number;
  /** Whether the incident moved to recovering or failback while the calls failed (expected: false). */
  failbackStartedWhileCallsFailed: boolean;
}

/** What the act reads and drives. */
export interface OutOfSyncActParts {
  site: LocalSite;
  siteHealth: SiteHealthStore;
  incidents: Pick<IncidentStore, 'get'>;
  incidentId: string;
  siteId: string;
  regions: readonly string[];
  recoveryHoldMinutes: number;
  killedAt: number;
  /** Where the act says what it saw. */
  progress: Pick<DrillProgress, 'phase'>;
}

/** Plays the act; resolves once the calls succeed again, with what it saw. */
export async function playOutOfSync(parts: OutOfSyncActParts): Promise<FailbackWaited> {
  const from = systemClock.now();
  await parts.site.reviveOutOfSync();
  const until = from + OUT_OF_SYNC_HOLDS * parts.recoveryHoldMinutes * 60_000;
  let restored = 0;
  let failbackStarted = false;
  const reasons = new Map<string, string>();
  while (systemClock.now() < until) {
    const incident = await parts.incidents.get(parts.incidentId);
    restored = Math.max(restored, incident?.numbers.restored ?? 0);
    if (incident && FAILBACK_STATUSES.includes(incident.status)) failbackStarted = true;
    for (const region of parts.regions) {
      const calls = (await parts.siteHealth.get(parts.siteId, region))?.state.regions[region]?.lastCalls;
      if (calls && !calls.ok) reasons.set(region, calls.reason);
    }
    await systemClock.sleep(200);
  }
  parts.site.syncCalls();
  const to = systemClock.now();
  const reason =
    reasons.size > 0
      ? `test calls failing: ${[...reasons].map(([region, why]) => `${region}: ${why}`).join('; ')}`
      : 'no region recorded a failing test call';
  parts.progress.phase(`Failback waited while ${parts.siteId} was out of sync: ${reason}`);
  return {
    reason,
    fromMs: from - parts.killedAt,
    toMs: to - parts.killedAt,
    restoredWhileCallsFailed: restored,
    failbackStartedWhileCallsFailed: failbackStarted,
  };
}
