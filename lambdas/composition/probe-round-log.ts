/**
 * The probe's log lines about its rounds: a site's round that failed or saw failing endpoints, a
 * round that reached no control target, and a round this region abstained from for replication.
 * Endpoints are logged redacted (redactEndpoint).
 */
import type { ProbeRoundReport, SiteRoundOutcome } from '../domain/detection/probe-cycle';
import type { Observation } from '../ports/detection';
import type { ProbeLogger } from '../runtime/powertools';
import { redactEndpoint } from '../runtime/redact-endpoint';

/** Where one region's probe log lines go. */
export interface ProbeLogScope {
  logger: ProbeLogger;
  region: string;
}

/** Logs one site's round: an error when it failed, a warning when endpoints failed, else a debug line. */
export function logSiteRound(scope: ProbeLogScope, at: number, outcome: SiteRoundOutcome): void {
  const round = { siteId: outcome.siteId, region: scope.region, roundAt: new Date(at).toISOString() };
  // Logged once for the round by logReplicationAbstention.
  if (outcome.abstention !== undefined) return;
  if (outcome.error !== undefined) {
    scope.logger.error('Probe round of a site failed; the next round tries again', {
      ...round,
      error: outcome.error as Error,
    });
    return;
  }
  const failing = outcome.observations.filter((o) => !o.ok);
  const verdict = { ...round, status: outcome.status, failing: failing.map(describeObservation) };
  if (failing.length > 0) scope.logger.warn('Probe round saw failing endpoints', verdict);
  else scope.logger.debug('Probe round healthy', verdict);
}

/** Warns that no control target of the round starting `at` answered. */
export function logUnreachableControl(
  scope: ProbeLogScope,
  at: number,
  control: readonly Observation[],
): void {
  scope.logger.warn(
    "No control target answered: this region's own network is in trouble, and it abstains on any site it cannot reach",
    {
      region: scope.region,
      roundAt: new Date(at).toISOString(),
      control: control.map(describeObservation),
    },
  );
}

/**
 * Logs, once per round, that this region abstained from the sites whose decision could not reach the
 * other replicas of the strongly consistent table (a handled outcome, not an error: the regions that
 * still reach each other decide without this one). Returns whether the round had such a site.
 */
export function logReplicationAbstention(scope: ProbeLogScope, report: ProbeRoundReport): boolean {
  const abstained = report.sites.filter((outcome) => outcome.abstention !== undefined);
  if (abstained.length === 0) return false;
  scope.logger.warn(
    "This region's replica of the incident table could not reach the other replicas: it abstains from this round and does not vote (no decision recorded, nothing announced); the next round tries again",
    {
      region: scope.region,
      roundAt: new Date(report.at).toISOString(),
      abstention: 'replication',
      sites: abstained.map((outcome) => ({
        siteId: outcome.siteId,
        kind: outcome.abstention!.kind,
        reason: outcome.abstention!.error.message,
      })),
    },
  );
  return true;
}

/** Each site's status after the invocation's last round (`undecided` when its decision failed), for the summary line. */
export function lastStatusBySite(reports: readonly ProbeRoundReport[]): Record<string, string> {
  const status: Record<string, string> = {};
  for (const report of reports) {
    for (const outcome of report.sites) status[outcome.siteId] = outcome.status ?? 'undecided';
  }
  return status;
}

/** An observation for the logs. */
function describeObservation(o: Observation): { endpoint: string; reason?: string; latencyMs?: number } {
  return { endpoint: redactEndpoint(o.endpoint), reason: o.reason, latencyMs: o.latencyMs };
}
