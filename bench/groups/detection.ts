/**
 * Group `detection`: the example config's detection settings replayed over a simulated month of
 * probes (lib/operator/replay/simulate-noise.ts: lost probes, one region's network failing for minutes, brief
 * blips seen by two regions, slow answers near the timeout, six real outages of several lengths),
 * scored against the month's real outages: false trips, outages caught and missed, detection delay
 * against the bound probeIntervalSeconds × failuresToTrip. Also how long the replay takes (the
 * prepared trace through absorbRounds, against the baseline of pushing every line through a
 * SiteHealthTracker, which must find the same trips) and the sweep of the whole settings grid.
 *
 * The seed is the project's bench seed (the incident's date), fixed before any result was seen; a
 * month is one draw of the noise, so the markdown also explains each false trip by the noise that
 * made it.
 */
import { initialSiteHealthState } from '../../lambdas/domain/detection/decide-site-health';
import { SiteHealthTracker } from '../../lambdas/domain/detection/site-health-tracker';
import type { SiteHealthTransition } from '../../lambdas/ports/detection';
import { loadDeployment } from '../../lib/config/load-config';
import { sweepSettingsInParallel } from '../../lib/operator/replay/parallel-sweep';
import { prepareTrace, replayTrace, toObservations } from '../../lib/operator/replay/replay-trace';
import { scoreReplay } from '../../lib/operator/replay/score-replay';
import {
  noiseDuring,
  simulateProbeTrace,
  writeSimulatedTrace,
} from '../../lib/operator/replay/simulate-noise';
import { parseTrace } from '../../lib/operator/replay/trace-format';
import { formatTraceTime } from '../../lib/operator/replay/trace-time';
import type { BenchGroup } from '../support/bench-group';
import { formatNumber, renderFigureTable } from '../support/figure-table';
import { median } from '../support/statistics';

const SEED = 20220812;
const DAYS = 30;
const RUNS = 3;

export const detectionGroup: BenchGroup = {
  name: 'detection',
  description:
    "The example config's detection settings replayed over a simulated month of probes from its three watchdog regions (seeded noise and six real outages), scored against the real outages; replay time of the prepared trace through absorbRounds, against the baseline of pushing every line through a SiteHealthTracker; and the sweep of the settings grid.",
  async run(context) {
    const { config } = loadDeployment();
    const settings = config.detection;
    const site = config.sites.find((candidate) => candidate.role === 'primary') ?? config.sites[0];
    const simulation = simulateProbeTrace({
      days: DAYS,
      seed: SEED,
      siteId: site.id,
      regions: config.watchdogRegions,
      probeIntervalSeconds: settings.probeIntervalSeconds,
      probeTimeoutMs: settings.probeTimeoutMs,
      endpoint: 'sip',
      controlTargets: settings.controlTargets.length,
    });
    const chunks: string[] = [];
    writeSimulatedTrace(simulation, (chunk) => chunks.push(chunk));
    const text = chunks.join('');
    context.log(
      `simulated ${DAYS} days (seed ${SEED}): ${simulation.observations} rounds, ${formatNumber(text.length / 1e6, 1)} MB of CSV`,
    );

    const parseMs: number[] = [];
    let trace = parseTrace(text, 'trace.csv');
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      trace = parseTrace(text, 'trace.csv');
      parseMs.push(performance.now() - started);
    }
    if (trace.problemCount > 0) throw new Error(`the simulated trace does not parse: ${trace.problems[0]}`);
    const outages = simulation.outages.map((outage, index) => ({ ...outage, line: index + 2 }));

    const replayMs: number[] = [];
    let trips = replayTrace(prepareTrace(trace.observations), settings).trips;
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      trips = replayTrace(prepareTrace(trace.observations), settings).trips;
      replayMs.push(performance.now() - started);
    }
    const trackerMs: number[] = [];
    let trackerTransitions: SiteHealthTransition[] = [];
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      const tracker = new SiteHealthTracker(initialSiteHealthState(site.id), settings);
      const transitions: SiteHealthTransition[] = [];
      for (const observation of trace.observations)
        transitions.push(...toObservations(observation).flatMap((o) => tracker.push(o)));
      transitions.push(...tracker.advanceTo(Number.POSITIVE_INFINITY));
      trackerMs.push(performance.now() - started);
      trackerTransitions = transitions;
    }
    const sameTrips =
      trackerTransitions
        .filter((t) => t.kind === 'tripped')
        .map((t) => t.at)
        .join() === trips.map((trip) => trip.trippedAt).join();
    if (!sameTrips) throw new Error('the prepared replay and the SiteHealthTracker found different trips');
    context.log(
      `replay ${formatNumber(median(replayMs), 0)} ms (tracker ${formatNumber(median(trackerMs), 0)} ms), ${trips.length} trips`,
    );

    const score = scoreReplay(trips, outages);
    // The same month as a deployment without control targets would have recorded it: the baseline.
    const withoutControl = trace.observations.map(({ control: _control, ...observation }) => observation);
    const blindScore = scoreReplay(replayTrace(prepareTrace(withoutControl), settings).trips, outages);
    const boundMs = settings.probeIntervalSeconds * settings.failuresToTrip * 1000;

    const sweepStarted = performance.now();
    const sweep = await sweepSettingsInParallel(trace.observations, outages, settings, {
      onProgress: (done, total) => {
        if (done % 48 === 0 || done === total) context.log(`sweep ${done}/${total}`);
      },
    });
    const sweepMs = performance.now() - sweepStarted;
    const [best] = sweep.settings;
    const exampleInSweep = sweep.settings.find(
      (entry) =>
        entry.quorum === settings.quorum &&
        entry.failuresToTrip === settings.failuresToTrip &&
        entry.recoveryHoldMinutes === settings.recoveryHoldMinutes,
    );
    const sameQuorum = sweep.settings.filter((entry) => entry.quorum === settings.quorum);
    const fastestSameQuorum = sameQuorum[0];

    const falseTripCauses = score.falseTripList.map((trip) => ({
      trippedAt: formatTraceTime(trip.trippedAt),
      regions: trip.regions,
      noise: noiseDuring(
        simulation,
        trip.outageStartedAt - settings.probeIntervalSeconds * 1000,
        trip.trippedAt,
      ).map((event) => ({
        kind: event.kind,
        regions: event.regions,
        start: formatTraceTime(event.start),
        seconds: Math.round((event.end - event.start) / 1000),
      })),
    }));
    const json = {
      detection: {
        days: DAYS,
        observations: trace.observations.length,
        falseTrips: score.falseTrips,
        falseTripsWithoutControlTargets: blindScore.falseTrips,
        controlTargets: settings.controlTargets.length,
        caught: score.caught,
        missed: score.missed,
        detectDelayMs: score.detectDelayMs,
        boundMs,
        replayMs: Math.round(median(replayMs)),
        seed: SEED,
        outages: score.outages,
        settings: {
          quorum: settings.quorum,
          failuresToTrip: settings.failuresToTrip,
          recoveryHoldMinutes: settings.recoveryHoldMinutes,
          probeIntervalSeconds: settings.probeIntervalSeconds,
        },
        parseMs: Math.round(median(parseMs)),
        trackerReplayMs: Math.round(median(trackerMs)),
        falseTripCauses,
        sweep: {
          tried: sweep.tried,
          passing: sweep.settings.length,
          sweepMs: Math.round(sweepMs),
          threads: sweep.workers,
          best: best ?? null,
          exampleSettingsPass: exampleInSweep !== undefined,
          fastestWithSameQuorum: fastestSameQuorum ?? null,
        },
      },
    };

    const describeSetting = (entry: (typeof sweep.settings)[number]) =>
      `quorum ${entry.quorum}, failuresToTrip ${entry.failuresToTrip}, hold ${entry.recoveryHoldMinutes} min: worst-case delay ${formatNumber((entry.detectDelayMs.max ?? 0) / 1000, 1)} s`;
    const markdown = [
      `Settings (example config): quorum ${settings.quorum} of ${config.watchdogRegions.length} regions, failuresToTrip ${settings.failuresToTrip}, recoveryHoldMinutes ${settings.recoveryHoldMinutes}, interval ${settings.probeIntervalSeconds} s, probe timeout ${settings.probeTimeoutMs} ms, ${settings.controlTargets.length} control targets (a region that reaches none of them while the site fails abstains). Trace: \`npm run simulate -- --days ${DAYS} --seed ${SEED}\`, ${formatNumber(trace.observations.length, 0)} rounds, ${score.outages} real outages.`,
      '',
      '| score | value |',
      '|---|--:|',
      `| outages caught | ${score.caught} of ${score.outages} |`,
      `| outages missed | ${score.missed} |`,
      `| **false trips** | ${score.falseTrips} |`,
      `| false trips of the same month without control targets (baseline) | ${blindScore.falseTrips} (caught ${blindScore.caught}) |`,
      `| detection delay, max | ${score.detectDelayMs.max === null ? '—' : `${formatNumber(score.detectDelayMs.max / 1000, 1)} s`} |`,
      `| detection delay, mean | ${score.detectDelayMs.mean === null ? '—' : `${formatNumber(score.detectDelayMs.mean / 1000, 1)} s`} |`,
      `| bound (probeIntervalSeconds × failuresToTrip) | ${formatNumber(boundMs / 1000, 1)} s |`,
      '',
      renderFigureTable([
        { label: 'parse the month (CSV text → sorted rounds)', unit: 'ms', values: parseMs, digits: 0 },
        {
          label: 'replay the month (prepare + absorbRounds)',
          unit: 'ms',
          values: replayMs,
          baseline: { label: 'SiteHealthTracker.push per line', values: trackerMs },
          digits: 0,
        },
      ]),
      '',
      `Sweep of ${sweep.tried} settings over the month: ${formatNumber(sweepMs / 1000, 1)} s on ${sweep.workers} thread${sweep.workers === 1 ? '' : 's'}; ${sweep.settings.length} catch every outage with no false trip. ${best ? `Best: ${describeSetting(best)}.` : ''} ${fastestSameQuorum ? `Best with quorum ${settings.quorum}: ${describeSetting(fastestSameQuorum)}.` : `No setting with quorum ${settings.quorum} passes.`} The example settings ${exampleInSweep ? 'pass' : 'do not pass'}.`,
      ...(falseTripCauses.length > 0
        ? [
            '',
            'Each false trip and the noise active from one interval before its failure runs began until it tripped:',
            '',
            ...falseTripCauses.map(
              (cause) =>
                `- ${cause.trippedAt}, regions ${cause.regions.join(' + ')}: ${
                  cause.noise
                    .map(
                      (event) =>
                        `${event.kind} (${event.regions.join(' + ')}, ${event.seconds} s from ${event.start})`,
                    )
                    .join('; ') || 'only lost probes'
                }`,
            ),
            '',
            ...explainCauses(falseTripCauses.flatMap((cause) => cause.noise.map((event) => event.kind))),
          ]
        : []),
    ].join('\n');
    return { json, markdown };
  },
};

/** Why such noise trips a quorum, for the kinds of noise found behind the false trips. */
function explainCauses(kinds: readonly string[]): string[] {
  const notes: string[] = [];
  if (kinds.includes('region-network')) {
    notes.push(
      'A region whose own network fails sees the site fail. It abstains only when its control targets (`detection.controlTargets`) fail with it; a region that still reached one, or a config without control targets, votes the site down exactly like a region that sees a real outage. Two such regions at once make a quorum of 2 of 3; no `failuresToTrip` or hold tells these apart.',
    );
  }
  if (kinds.includes('slow-answers')) {
    notes.push(
      'During slow periods some answers cross the probe timeout at random; with `failuresToTrip` 3, three in a row in two regions (or in one while another region is blind) trip. A higher `failuresToTrip` absorbs them, at one interval of detection delay per failure.',
    );
  }
  return notes.flatMap((note) => ['', note]).slice(1);
}
