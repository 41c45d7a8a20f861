/**
 * Whose turn it is to practice, and where practice runs live in the incident log. Pure functions of
 * time and the region list, so every region, the CLI and the tests agree without talking.
 */
import { PRACTICE_SITE_PREFIX } from '../../contracts/config/config-constants';

/**
 * The pseudo-site every practice run is logged under. Practice never takes a real site's
 * active-incident pointer; sharing this one pointer means at most one practice runs at a time,
 * whichever region or operator starts it.
 */
export const PRACTICE_SITE_ID = 'practice';

/** Monday 1970-01-05 00:00 UTC: weeks are counted from here, so they run on across year ends. */
const FIRST_MONDAY_MS = Date.UTC(1970, 0, 5);
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Whole weeks (Monday 00:00 UTC to Monday) since 1970-01-05. Unlike the ISO week number, it never
 * restarts at 1 in January, so the rotation below never gives one region two weeks in a row.
 */
export function weekNumber(epochMs: number): number {
  return Math.floor((epochMs - FIRST_MONDAY_MS) / WEEK_MS);
}

/** The region whose week it is: regions take turns in config order, one week each. */
export function practiceRegionOfWeek(epochMs: number, regions: readonly string[]): string | undefined {
  if (regions.length === 0) return undefined;
  return regions[weekNumber(epochMs) % regions.length];
}

/** True when `region` practices in the week of `epochMs`. */
export function isPracticeTurn(epochMs: number, regions: readonly string[], region: string): boolean {
  return practiceRegionOfWeek(epochMs, regions) === region;
}

/** True for the practice pseudo-site (and ids reserved for it), which no real site may use. */
export function isPracticeSiteId(siteId: string): boolean {
  return siteId === PRACTICE_SITE_ID || siteId.startsWith(PRACTICE_SITE_PREFIX);
}
