import {
  isPracticeSiteId,
  isPracticeTurn,
  practiceRegionOfWeek,
  weekNumber,
} from '../../../lambdas/domain/practice/practice-schedule';

const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'];
const DAY = 24 * 60 * 60 * 1000;

describe('practice schedule', () => {
  it('counts weeks from Monday 00:00 UTC', () => {
    const monday = Date.UTC(2026, 10, 23);

    expect(weekNumber(monday)).toBe(weekNumber(monday + 7 * DAY - 1));
    expect(weekNumber(monday - 1)).toBe(weekNumber(monday) - 1);
    expect(weekNumber(monday + 7 * DAY)).toBe(weekNumber(monday) + 1);
  });

  it('gives each region one week in turn, in config order, across a year end', () => {
    const firstMonday = Date.UTC(2026, 11, 14);

    const turns = Array.from({ length: 6 }, (_, week) =>
      practiceRegionOfWeek(firstMonday + week * 7 * DAY, REGIONS),
    );

    const start = REGIONS.indexOf(turns[0] as string);
    expect(turns).toEqual(Array.from({ length: 6 }, (_, week) => REGIONS[(start + week) % 3]));
  });

  it('lets exactly one region practice in any week', () => {
    for (let day = 0; day < 60; day++) {
      const at = Date.UTC(2027, 0, 1) + day * DAY + 15 * 3600_000;
      expect(REGIONS.filter((region) => isPracticeTurn(at, REGIONS, region))).toHaveLength(1);
    }
  });

  it('has no region to practice when there are no regions', () => {
    expect(practiceRegionOfWeek(Date.UTC(2026, 0, 1), [])).toBeUndefined();
  });

  it('recognises the practice pseudo-site and the ids reserved for it', () => {
    expect(isPracticeSiteId('practice')).toBe(true);
    expect(isPracticeSiteId('practice-us-east-1')).toBe(true);
    expect(isPracticeSiteId('phx-primary')).toBe(false);
  });
});
