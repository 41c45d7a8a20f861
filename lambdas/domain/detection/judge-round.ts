/**
 * The round verdict (step 1 of the decision in decide-site-health.ts): one region's observations of
 * one site at one instant, collapsed into pass, fail or abstain.
 */
import { endpointKind } from '../../contracts/endpoint-ids';
import type { CallsVerdict, Observation } from '../../ports/detection';

/** The verdict of one region's probe round of one site. */
export interface RoundVerdict {
  ok: boolean;
  /** Every control target failed too: the region cannot tell, so it votes neither way. */
  abstain?: boolean;
  /**
   * Failed only by the test calls of an earlier round (none were placed this round): the region
   * stays failing, so it cannot vote the site up, but the round adds nothing to its failure run.
   */
  carried?: boolean;
  /** The verdict of the test calls placed in this round, when any were. */
  calls?: { ok: boolean; reason: string };
  /** The failing endpoints and why, or the healthy summary. */
  reason: string;
}

/** One region's probe round, already judged (its start time is the instant it is absorbed at). */
export interface JudgedRound extends RoundVerdict {
  region: string;
}

/**
 * Collapses one region's observations of one round into a verdict: the round fails when every SIP
 * endpoint failed, every HTTP endpoint failed or every test call failed (see decide-site-health.ts
 * for why not "any"), and is an abstention when it failed while every control target failed too.
 * A round without test calls of a site that has them (calls placed every few rounds) is judged with
 * the region's latest call verdict, `carriedCalls`: a site that fails calls is not healthy between
 * two calls.
 */
export function judgeRound(observations: readonly Observation[], carriedCalls?: CallsVerdict): RoundVerdict {
  const groups = { sip: [] as Observation[], http: [] as Observation[], call: [] as Observation[] };
  const control: Observation[] = [];
  for (const observation of observations) {
    const kind = endpointKind(observation.endpoint);
    if (kind === 'control') control.push(observation);
    else groups[kind].push(observation);
  }
  const site = [...groups.sip, ...groups.http, ...groups.call];
  const allFailed = (group: readonly Observation[]) => group.length > 0 && group.every((o) => !o.ok);
  const failing = site.filter((o) => !o.ok);
  const describe = (group: readonly Observation[]) =>
    group.map((o) => `${o.endpoint}: ${o.reason ?? (o.ok ? 'ok' : 'failed')}`).join('; ');
  const calls =
    groups.call.length > 0
      ? {
          ok: !allFailed(groups.call),
          reason: describe(groups.call.filter((o) => !o.ok)) || 'test calls answered',
        }
      : undefined;
  const withCalls = calls ? { calls } : {};
  const abstainOr = (verdict: RoundVerdict): RoundVerdict =>
    allFailed(control)
      ? {
          ok: false,
          abstain: true,
          reason: `abstains, every control target failed too: ${verdict.reason}`,
          ...withCalls,
        }
      : verdict;
  if (allFailed(groups.sip) || allFailed(groups.http) || allFailed(groups.call) || site.length === 0) {
    const reason = site.length === 0 ? 'no endpoint probed' : describe(failing);
    return abstainOr({ ok: false, reason, ...withCalls });
  }
  if (!calls && carriedCalls && !carriedCalls.ok) {
    // Endpoint first, as every round reason, so alerts group it with the round that placed the calls.
    const reason = `${carriedCalls.reason} (test calls of ${new Date(carriedCalls.at).toISOString()})`;
    return abstainOr({ ok: false, carried: true, reason });
  }
  return {
    ok: true,
    reason: failing.length === 0 ? 'all endpoints healthy' : `degraded: ${describe(failing)}`,
    ...withCalls,
  };
}
