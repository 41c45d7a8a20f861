/**
 * Stored probe observations (one per endpoint) as trace rows (one per round): the rows
 * `observations export` writes. A round's `ok` is judgeRound's verdict of its observations, the
 * verdict the probe's decision folds, so replaying the export decides as the probes did. That
 * verdict is the round's own: a round without test calls is not failed here by the calls of an
 * earlier round; the replay carries them from the trace's `calls` column as the probe does.
 */
import { endpointKind } from '../../../lambdas/contracts/endpoint-ids';
import { judgeRound } from '../../../lambdas/domain/detection/judge-round';
import type { Observation } from '../../../lambdas/ports/detection';
import { byTimeSiteRegion, type TraceRow } from './trace-format';

/**
 * Groups observations into rounds (same site, region and start) and judges each. `latencyMs` is
 * the slowest latency the round measured of the site's SIP and HTTP endpoints (empty when none
 * answered): not of its test calls, whose latency is their setup time (INVITE to the first answer,
 * seconds for a ringing number), which would hide how close OPTIONS and HTTP come to the timeout.
 * `control` is whether a control target answered (empty when none was probed), `calls` whether a
 * test call answered as expected (empty when none was placed), `endpoint` the failing
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
    const calls = round.filter((o) => endpointKind(o.endpoint) === 'call');
    const probes = round.filter(
      (o) => endpointKind(o.endpoint) === 'sip' || endpointKind(o.endpoint) === 'http',
    );
    const latencies = probes.flatMap((o) => (o.latencyMs === undefined ? [] : [o.latencyMs]));
    const failing = round.filter((o) => !o.ok).map((o) => o.endpoint);
    rows.push({
      at: first.at,
      region: first.region,
      siteId: first.siteId,
      ok: verdict.ok,
      ...(latencies.length > 0 ? { latencyMs: Math.max(...latencies) } : {}),
      ...(control.length > 0 ? { control: control.some((o) => o.ok) } : {}),
      ...(calls.length > 0 ? { calls: calls.some((o) => o.ok) } : {}),
      ...(failing.length > 0 ? { endpoint: failing.join(' '), reason: verdict.reason } : {}),
    });
  }
  return rows.sort(byTimeSiteRegion);
}
