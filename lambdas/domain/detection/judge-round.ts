/**
 * The round verdict (step 1 of the decision in decide-site-health.ts): one region's observations of
 * one site at one instant, collapsed into pass, fail or abstain.
 */
import { endpointKind } from '../../contracts/endpoint-ids';
import type { Observation } from '../../ports/detection';

/** The verdict of one region's probe round of one site. */
export interface RoundVerdict {
  ok: boolean;
  /** Every control target failed too: the region cannot tell, so it votes neither way. */
  abstain?: boolean;
  /** The failing endpoints and why, or the healthy summary. */
  reason: string;
}

/** One region's probe round, already judged (its start time is the instant it is absorbed at). */
export interface JudgedRound extends RoundVerdict {
  region: string;
}

/**
 * Collapses one region's observations of one round into a verdict: the round fails when every SIP
 * endpoint failed or every HTTP endpoint failed (see decide-site-health.ts for why not "any"), and is
 * an abstention when it failed while every control target failed too.
 */
export function judgeRound(observations: readonly Observation[]): RoundVerdict {
  const sip: Observation[] = [];
  const http: Observation[] = [];
  const control: Observation[] = [];
  for (const observation of observations) {
    const kind = endpointKind(observation.endpoint);
    (kind === 'sip' ? sip : kind === 'http' ? http : control).push(observation);
  }
  const site = [...sip, ...http];
  const allFailed = (group: readonly Observation[]) => group.length > 0 && group.every((o) => !o.ok);
  const failing = site.filter((o) => !o.ok);
  const describe = (group: readonly Observation[]) =>
    group.map((o) => `${o.endpoint}: ${o.reason ?? (o.ok ? 'ok' : 'failed')}`).join('; ');
  if (allFailed(sip) || allFailed(http) || site.length === 0) {
    const reason = site.length === 0 ? 'no endpoint probed' : describe(failing);
    if (allFailed(control)) {
      return { ok: false, abstain: true, reason: `abstains, every control target failed too: ${reason}` };
    }
    return { ok: false, reason };
  }
  return {
    ok: true,
    reason: failing.length === 0 ? 'all endpoints healthy' : `degraded: ${describe(failing)}`,
  };
}
