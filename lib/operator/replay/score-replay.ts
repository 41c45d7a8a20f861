/**
 * Scores a replay's trips against the known outages.
 *
 * A trip stands for the time the site was declared down, from `trippedAt` to `recoveredAt` (or on,
 * when the trace ends with the site down). It overlaps an outage of its site when the two intervals
 * meet. A trip that overlaps no outage is a false trip (numbers moved for nothing); an outage that
 * no trip overlaps was missed. A caught outage's detection delay is `trippedAt - start` of the
 * first trip that overlaps it, counted as 0 when the site was already declared down as the outage
 * began (its numbers were already forwarded).
 */
import type { Outage } from './outages-format';
import type { ReplayTrip } from './replay-trace';

/** What happened to one known outage. */
export interface OutageVerdict {
  outage: Outage;
  /** The first trip that overlaps it, if any. */
  trip: ReplayTrip | null;
  /** `trip.trippedAt - outage.start`, at least 0; null when missed. */
  detectDelayMs: number | null;
}

/** The score of one setting on one trace. */
export interface ReplayScore {
  outages: number;
  caught: number;
  missed: number;
  falseTrips: number;
  /** Over the caught outages; null when none was caught. */
  detectDelayMs: { max: number | null; mean: number | null };
  /** Per outage, in the order given. */
  perOutage: OutageVerdict[];
  /** The trips that overlap no outage. */
  falseTripList: ReplayTrip[];
}

/** True when the trip's down time meets the outage. */
export function tripOverlapsOutage(trip: ReplayTrip, outage: Outage): boolean {
  return (
    trip.siteId === outage.siteId &&
    trip.trippedAt <= outage.end &&
    (trip.recoveredAt === null || trip.recoveredAt >= outage.start)
  );
}

/** Scores `trips` against `outages` (see the module comment). */
export function scoreReplay(trips: readonly ReplayTrip[], outages: readonly Outage[]): ReplayScore {
  const perOutage = outages.map((outage): OutageVerdict => {
    let first: ReplayTrip | null = null;
    for (const trip of trips) {
      if (tripOverlapsOutage(trip, outage) && (first === null || trip.trippedAt < first.trippedAt)) {
        first = trip;
      }
    }
    return {
      outage,
      trip: first,
      detectDelayMs: first === null ? null : Math.max(0, first.trippedAt - outage.start),
    };
  });
  const falseTripList = trips.filter((trip) => !outages.some((outage) => tripOverlapsOutage(trip, outage)));
  const delays = perOutage.flatMap((verdict) =>
    verdict.detectDelayMs === null ? [] : [verdict.detectDelayMs],
  );
  return {
    outages: outages.length,
    caught: delays.length,
    missed: outages.length - delays.length,
    falseTrips: falseTripList.length,
    detectDelayMs: {
      max: delays.length > 0 ? Math.max(...delays) : null,
      mean:
        delays.length > 0 ? Math.round(delays.reduce((sum, delay) => sum + delay, 0) / delays.length) : null,
    },
    perOutage,
    falseTripList,
  };
}
