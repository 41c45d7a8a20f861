import { formatOutages, parseOutages } from '../../../lib/operator/replay/outages-format';

const T = Date.UTC(2026, 10, 3, 14, 0, 0);

describe('outages format', () => {
  it('reads site,start,end lines in any order, with extra columns, sorted by site then start', () => {
    const text = [
      '# known outages, November',
      'site,start,end,kind',
      `phx-primary,2026-11-03T16:00:00Z,${T + 2 * 3_600_000 + 300_000},unreachable`,
      'phx-primary,2026-11-03T14:00:00Z,2026-11-03T14:15:00Z,"sip, out of sync"',
      'dal-standby,2026-11-04T00:00:00Z,2026-11-04T00:05:00Z,',
    ].join('\n');

    const parsed = parseOutages(text, 'outages.csv');

    expect(parsed.problems).toEqual([]);
    expect(parsed.outages).toEqual([
      { siteId: 'dal-standby', start: Date.UTC(2026, 10, 4), end: Date.UTC(2026, 10, 4, 0, 5), line: 5 },
      { siteId: 'phx-primary', start: T, end: T + 900_000, line: 4 },
      { siteId: 'phx-primary', start: T + 7_200_000, end: T + 7_500_000, line: 3 },
    ]);
  });

  it('takes a header alone as "no outages"', () => {
    expect(parseOutages('site,start,end\n', 'outages.csv')).toEqual({
      file: 'outages.csv',
      outages: [],
      problems: [],
    });
  });

  it('reports every bad line, an end before its start and overlapping outages of one site', () => {
    const text = [
      'site,start,end',
      ',2026-11-03T14:00:00Z,2026-11-03T14:15:00Z',
      'phx-primary,soon,2026-11-03T14:15:00Z',
      'phx-primary,2026-11-03T14:15:00Z,2026-11-03T14:00:00Z',
      'phx-primary,2026-11-05T10:00:00Z,2026-11-05T11:00:00Z',
      'phx-primary,2026-11-05T10:30:00Z,2026-11-05T10:40:00Z',
    ].join('\n');

    const parsed = parseOutages(text, 'outages.csv');

    expect(parsed.problems).toEqual([
      'outages.csv:2: site: expected the id of the site that was down, such as phx-primary, got nothing',
      'outages.csv:3: start: expected an ISO 8601 UTC time such as 2026-11-01T00:00:10Z or epoch milliseconds, got "soon"',
      'outages.csv:4: end: expected a time after start (2026-11-03T14:15:00Z), got "2026-11-03T14:00:00Z"',
      'outages.csv:6: start: overlaps the outage of phx-primary at line 5; merge them into one line',
    ]);
    expect(parsed.outages).toEqual([]);
  });

  it('names the missing columns of a bad header', () => {
    expect(parseOutages('site,from,to\n', 'outages.csv').problems).toEqual([
      'outages.csv:1: header: missing columns start, end; expected the header site,start,end',
    ]);
  });

  it('writes outages it reads back', () => {
    const text = formatOutages([{ siteId: 'phx-primary', start: T, end: T + 90_000, kind: 'unreachable' }]);

    expect(text).toBe(
      'site,start,end,kind\nphx-primary,2026-11-03T14:00:00Z,2026-11-03T14:01:30Z,unreachable\n',
    );
    expect(parseOutages(text, 'outages.csv').outages).toEqual([
      { siteId: 'phx-primary', start: T, end: T + 90_000, line: 2 },
    ]);
  });
});
