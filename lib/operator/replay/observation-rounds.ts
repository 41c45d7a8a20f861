/**
 * Stored probe observations (one per endpoint) as trace rows (one per round): the rows
 * `observations export` writes. A round's `ok` is judgeRound's verdict of its observations, the
 * verdict the probe's decision folds, so replaying the export decides as the probes did.
 */
import { endpointKind } from '../../../lambdas/contracts/endpoint-ids';
import { judgeRound } from '../../../lambdas/domain/detection/judge-round';
import type { Observation } from '../../../lambdas/ports/detection';
import { byTimeSiteRegion, type TraceRow } from './trace-format';

/**
 * Groups observations into rounds (same site, region and start) and judges each. `latencyMs` is
 * the slowest latency the round measured of the site (empty when none answered), `control` whether
 * a control target answered (empty when none was probed), `endpoint` the failing
 * endpoints and `reason` the verdict's explanation, both empty for a round with every endpoint
 * healthy. Rows come sorted by time, then site, then region.
 */
export function traceRowsFromObservations(observations: readonly Observation[]): TraceRow[] {
  const rounds = new Map<string, Observation[]>();
  for (const observation of observations) {
    const key = `${observation.at}\u0000${observation.siteId}\u0000${observation.region}`;
    const round = rounds.get(key);
    if (round) round.push(observation);
    else rounds.set(key, [observation]);
  }
  const rows: TraceRow[] = [];
  for (const round of rounds.values()) {
    const [first] = round;
    const verdict = judgeRound(round);
    const control = round.filter((o) => endpointKind(o.endpoint) === 'control');
    const site = round.filter((o) => endpointKind(o.endpoint) !== 'control');
    const latencies = site.flatMap((o) => (o.latencyMs === undefined ? [] : [o.latencyMs]));
    const failing = round.filter((o) => !o.ok).map((o) => o.endpoint);
    rows.push({
      at: first.at,
      region: first.region,
      siteId: first.siteId,
      ok: verdict.ok,
      ...(latencies.length > 0 ? { latencyMs: Math.max(...latencies) } : {}),
      ...(control.length > 0 ? { control: control.some((o) => o.ok) } : {}),
      ...(failing.length > 0 ? { endpoint: failing.join(' '), reason: verdict.reason } : {}),
    });
  }
  return rows.sort(byTimeSiteRegion);
}
