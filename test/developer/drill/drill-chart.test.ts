import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  cumulativePoints,
  drillChartSvg,
  escapeXml,
  niceTicks,
  renderNumbersChartSvg,
} from '../../../lib/developer/drill/drill-chart';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

/** The chart's points of one series, in document order. */
function pointsOf(svg: string, series: string): { seconds: number; count: number; cx: number; cy: number }[] {
  const groups = [parser.parse(svg).svg.g].flat() as Record<string, unknown>[];
  const group = groups.find((candidate) => candidate['data-series'] === series);
  return [group?.circle ?? []].flat().map((circle) => {
    const point = circle as Record<string, string>;
    return {
      seconds: Number(point['data-seconds']),
      count: Number(point['data-count']),
      cx: Number(point.cx),
      cy: Number(point.cy),
    };
  });
}

describe('drill chart', () => {
  const chart = {
    title: 'Drill <phx> & "friends"',
    total: 5,
    series: [
      { name: 'forwarded', color: '#d9480f', times: [2.5, 1.0, 1.5, 3.0, 2.0] },
      { name: 'restored', color: '#2b8a3e', times: [9.0, 10.5] },
    ],
    steps: [
      { name: 'site killed', at: 0 },
      { name: 'detected <by quorum>', at: 0.8 },
      { name: 'resolved', at: 11 },
    ],
  };

  it('is well-formed XML even when titles and step names hold markup characters', () => {
    const svg = renderNumbersChartSvg(chart);

    expect(XMLValidator.validate(svg)).toBe(true);
    expect(parser.parse(svg).svg.title).toBe('Drill <phx> & "friends"');
  });

  it('draws a point per event at the running count, in time order, rising left to right', () => {
    const svg = renderNumbersChartSvg(chart);

    const forwarded = pointsOf(svg, 'forwarded');
    expect(forwarded.map((point) => [point.seconds, point.count])).toEqual([
      [1, 1],
      [1.5, 2],
      [2, 3],
      [2.5, 4],
      [3, 5],
    ]);
    for (let index = 1; index < forwarded.length; index++) {
      expect(forwarded[index].cx).toBeGreaterThan(forwarded[index - 1].cx);
      expect(forwarded[index].cy).toBeLessThan(forwarded[index - 1].cy);
    }
    expect(pointsOf(svg, 'restored').map((point) => point.count)).toEqual([1, 2]);
  });

  it('draws a dashed line and a numbered label per step', () => {
    const svg = renderNumbersChartSvg(chart);

    const steps = ([parser.parse(svg).svg.g].flat() as Record<string, unknown>[]).filter(
      (group) => group.class === 'step',
    );
    expect(steps.map((step) => [step['data-step'], Number(step['data-seconds'])])).toEqual([
      ['site killed', 0],
      ['detected <by quorum>', 0.8],
      ['resolved', 11],
    ]);
  });

  it('keeps a series of a million events to a bounded number of points, with exact counts', () => {
    const times = Array.from({ length: 1_000_000 }, (_, index) => index / 1000);

    const points = cumulativePoints(times, 2000);

    expect(points).toHaveLength(2000);
    expect(points.at(-1)).toEqual({ at: 999.999, count: 1_000_000 });
    for (const point of points) expect(point.count).toBe(Math.round(point.at * 1000) + 1);
  });

  it('picks round axis ticks from zero past the largest value', () => {
    expect(niceTicks(24)).toEqual([0, 5, 10, 15, 20, 25]);
    expect(niceTicks(30)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    expect(niceTicks(1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1_000_000)).toEqual([0, 200_000, 400_000, 600_000, 800_000, 1_000_000]);
  });

  it("draws a drill result's numbers, leaving out numbers that were never forwarded or restored", () => {
    const svg = drillChartSvg({
      incidentId: 'phx-primary-20260812T084500Z',
      numbers: { total: 3, forwarded: 2, failed: 1, forwardedTwice: 0 },
      steps: [{ name: 'site killed (incident begins)', atMs: 0 }],
      numberTimes: [
        { number: '+16025550000', carrier: 'telnyx', forwardedAtMs: 4200, restoredAtMs: 20_100 },
        { number: '+16025550001', carrier: 'twilio', forwardedAtMs: 4900, restoredAtMs: null },
        { number: '+16025550002', carrier: 'bandwidth', forwardedAtMs: null, restoredAtMs: null },
      ],
    });

    expect(pointsOf(svg, 'forwarded').map((point) => point.seconds)).toEqual([4.2, 4.9]);
    expect(pointsOf(svg, 'restored').map((point) => point.seconds)).toEqual([20.1]);
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
  });
});
