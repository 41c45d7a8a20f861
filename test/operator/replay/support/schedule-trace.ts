/**
 * Hand-made traces from schedules: one string per region, one character per probe interval,
 * `o` a passing round, `x` a failing one, `-` a failing one whose control targets failed too (the
 * region's own network is down), `.` no round. Round starts are on interval boundaries
 * plus the region's offset, so the replay's expectations can be computed by hand. Test calls have
 * their own strings, one character per interval too: `o` a call answered, `x` every call failed
 * (the round then fails: a line's `ok` is the round's verdict), anything else or past the end no
 * call placed.
 */
import {
  formatTraceRow,
  type TraceObservation,
  traceHeader,
} from '../../../../lib/operator/replay/trace-format';

/** A morning to start traces at: 1 November 2026, 00:00 UTC. */
export const T0 = Date.UTC(2026, 10, 1);
export const SITE = 'phx-primary';
export const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'] as const;
/** The example config's interval. */
export const INTERVAL_MS = 10_000;

/** What a schedule describes. */
export interface Schedule {
  /** Per region, its rounds (see the module comment). */
  regions: Record<string, string>;
  site?: string;
  start?: number;
  intervalMs?: number;
  /** Per region, milliseconds after each boundary its rounds start. @default 0 */
  offsets?: Record<string, number>;
  /**
   * The regions probe control targets: `o` and `x` rounds reached one. `-` rounds always carry a
   * failed control verdict. @default false
   */
  control?: boolean;
  /** Per region, its test calls (see the module comment). @default none */
  calls?: Record<string, string>;
}

/** The schedule's rounds, sorted as the parser returns them. */
export function scheduleObservations(schedule: Schedule): TraceObservation[] {
  const start = schedule.start ?? T0;
  const intervalMs = schedule.intervalMs ?? INTERVAL_MS;
  const siteId = schedule.site ?? SITE;
  const observations: TraceObservation[] = [];
  for (const [region, rounds] of Object.entries(schedule.regions)) {
    [...rounds].forEach((cell, step) => {
      if (cell === '.') return;
      const call = schedule.calls?.[region]?.[step];
      const calls = call === 'o' || call === 'x' ? { calls: call === 'o' } : {};
      observations.push({
        at: start + step * intervalMs + (schedule.offsets?.[region] ?? 0),
        region,
        siteId,
        ok: cell === 'o' && call !== 'x',
        ...(cell === '-' ? { control: false } : schedule.control ? { control: true } : {}),
        ...calls,
        line: 0,
      });
    });
  }
  observations.sort(
    (a, b) =>
      a.at - b.at ||
      (a.siteId < b.siteId ? -1 : a.siteId > b.siteId ? 1 : 0) ||
      (a.region < b.region ? -1 : 1),
  );
  return observations.map((observation, index) => ({ ...observation, line: index + 2 }));
}

/** The schedule as trace CSV text. */
export function scheduleCsv(...schedules: Schedule[]): string {
  const rows = schedules.flatMap(scheduleObservations).sort((a, b) => a.at - b.at);
  const layout = { calls: schedules.some((schedule) => schedule.calls !== undefined) };
  return (
    traceHeader(layout) +
    rows.map((row) => formatTraceRow({ ...row, latencyMs: row.ok ? 40 : undefined }, layout)).join('')
  );
}

/**
 * Test calls every `every` intervals for `intervals` intervals: `verdicts` gives each call's
 * character in turn (`o` or `x`), e.g. sparseCalls(9, 3, 'oxo') is `o..x..o..`.
 */
export function sparseCalls(intervals: number, every: number, verdicts: string): string {
  return Array.from({ length: intervals }, (_, step) =>
    step % every === 0 ? (verdicts[step / every] ?? '.') : '.',
  ).join('');
}

/** Every region the same schedule. */
export function allRegions(rounds: string): Record<string, string> {
  return Object.fromEntries(REGIONS.map((region) => [region, rounds]));
}

/**
 * Two hours of the three regions with one real outage (rounds 300-359, from 0.5 s before round 300)
 * and the noise that rules settings out: us-east-1 down alone for 20 minutes (quorum 1 trips on it)
 * and a blip of 2 rounds seen by us-east-2 and us-west-2 (failuresToTrip 1 and 2 trip on it with
 * quorum 2). Regions start their rounds 4, 11 and 23 ms after each boundary.
 */
export const NOISY_TWO_HOURS: Schedule = {
  regions: {
    'us-east-1': `${'o'.repeat(60)}${'x'.repeat(120)}${'o'.repeat(120)}${'x'.repeat(60)}${'o'.repeat(360)}`,
    'us-east-2': `${'o'.repeat(200)}xx${'o'.repeat(98)}${'x'.repeat(60)}${'o'.repeat(360)}`,
    'us-west-2': `${'o'.repeat(200)}xx${'o'.repeat(98)}${'x'.repeat(60)}${'o'.repeat(360)}`,
  },
  offsets: { 'us-east-1': 4, 'us-east-2': 11, 'us-west-2': 23 },
};

/** The real outage of NOISY_TWO_HOURS. */
export const NOISY_TWO_HOURS_OUTAGE = {
  siteId: SITE,
  start: T0 + 299 * INTERVAL_MS + 500,
  end: T0 + 360 * INTERVAL_MS,
};
