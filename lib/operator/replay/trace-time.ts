/**
 * Times in probe traces, outage lists and the replay's flags: ISO 8601 in UTC
 * (`2026-11-01T00:00:10Z`, fractions of a second allowed) or epoch milliseconds. Local times are
 * refused rather than guessed, because a trace mixes regions in different time zones.
 */

const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|[+-]00:?00)$/;
const EPOCH_MS = /^\d{1,15}$/;
/** Epoch values below this (3 March 1973 in ms) are almost surely seconds, not milliseconds. */
const SMALLEST_PLAUSIBLE_EPOCH_MS = 100_000_000_000;

/** What a time field must look like, for messages. */
export const TIME_EXPECTATION =
  'expected an ISO 8601 UTC time such as 2026-11-01T00:00:10Z or epoch milliseconds';

/** A parsed time (epoch ms), or why the text is not one. */
export type ParsedTime = { ms: number } | { problem: string };

/** Start (epoch ms) of each `YYYY-MM-DD` already seen, or null for a date that does not exist. */
const dayStarts = new Map<string, number | null>();

/** Parses an ISO 8601 UTC time or epoch milliseconds. */
export function parseTraceTime(text: string): ParsedTime {
  const fast = parseCommonIsoTime(text);
  return fast !== undefined ? { ms: fast } : parseAnyTime(text);
}

function parseAnyTime(text: string): ParsedTime {
  if (EPOCH_MS.test(text)) {
    const ms = Number(text);
    if (ms < SMALLEST_PLAUSIBLE_EPOCH_MS) {
      return { problem: `${TIME_EXPECTATION} (this looks like epoch seconds: multiply by 1000)` };
    }
    return { ms };
  }
  const match = ISO_UTC.exec(text);
  if (match === null) {
    const offset = /T\d{2}:\d{2}(:\d{2})?(\.\d+)?([+-]\d{2}:?\d{2})$/.exec(text);
    return {
      problem: offset ? `${TIME_EXPECTATION} (a time in UTC, not at offset ${offset[3]})` : TIME_EXPECTATION,
    };
  }
  const [, year, month, day, hour, minute, second, fraction = ''] = match;
  const ms = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
    Number(fraction.slice(0, 3).padEnd(3, '0')),
  );
  // Date.UTC rolls 30 February over into March; a trace with such a date is broken, not early March.
  const roundTrip = new Date(ms);
  if (
    roundTrip.getUTCDate() !== Number(day) ||
    roundTrip.getUTCHours() !== Number(hour) ||
    roundTrip.getUTCMinutes() !== Number(minute) ||
    roundTrip.getUTCSeconds() !== Number(second)
  ) {
    return { problem: `${TIME_EXPECTATION} (no such date or time of day)` };
  }
  return { ms };
}

/**
 * The common shapes `2026-11-01T00:00:10Z` and `2026-11-01T00:00:10.250Z` without a regular
 * expression or a Date per line (a month of probes is close to a million times); undefined for
 * anything else, which the general parser then handles or explains.
 */
function parseCommonIsoTime(text: string): number | undefined {
  const length = text.length;
  if (length !== 20 && length !== 24) return undefined;
  if (text.charCodeAt(length - 1) !== 90 /* Z */ || text.charCodeAt(10) !== 84 /* T */) return undefined;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 /* : */) return undefined;
  if (length === 24 && text.charCodeAt(19) !== 46 /* . */) return undefined;
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  const millisecond = length === 24 ? twoDigits(text, 20) * 10 + digit(text, 22) : 0;
  if (!(hour < 24 && minute < 60 && second < 60 && millisecond >= 0)) return undefined;
  const date = text.slice(0, 10);
  let dayStart = dayStarts.get(date);
  if (dayStart === undefined) {
    const parsed = parseAnyTime(`${date}T00:00:00Z`);
    dayStart = 'ms' in parsed ? parsed.ms : null;
    dayStarts.set(date, dayStart);
  }
  if (dayStart === null) return undefined;
  return dayStart + ((hour * 60 + minute) * 60 + second) * 1000 + millisecond;
}

/** The number of two decimal digits at `index`, or NaN. */
function twoDigits(text: string, index: number): number {
  return digit(text, index) * 10 + digit(text, index + 1);
}

function digit(text: string, index: number): number {
  const code = text.charCodeAt(index) - 48;
  return code >= 0 && code <= 9 ? code : Number.NaN;
}

/** An epoch-ms time as trace files write it: `2026-11-01T00:00:10Z`, with `.250` only when needed. */
export function formatTraceTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('.000Z', 'Z');
}
