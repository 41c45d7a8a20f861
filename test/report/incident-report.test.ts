import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildIncidentReport,
  formatDuration,
  renderIncidentReportMarkdown,
} from '../../lib/report/incident-report';
import { sampleOutage } from './sample-outage';

const GOLDEN = join(__dirname, '../golden/incident-report.md');

describe('incident report', () => {
  it('renders the sample outage exactly as the golden file (UPDATE_GOLDEN=1 rewrites it)', () => {
    const { incident, events } = sampleOutage();

    const markdown = renderIncidentReportMarkdown(buildIncidentReport(incident, events));

    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, markdown);
    expect(markdown).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('measures detection, forwarding and the time callers were without service', () => {
    const { incident, events } = sampleOutage();

    const report = buildIncidentReport(incident, events);

    expect(report.durations).toEqual({
      detectionMs: 31_000,
      forwardingMs: 5_800,
      callersWithoutServiceMs: 36_800,
      incidentMs: 4 * 3600_000,
    });
    expect(report.numbers.failed).toEqual([
      { number: '+16025550021', reason: 'bandwidth: order FAILED: 5005 number not on account' },
    ]);
    expect(report.timeline.map((step) => step.sincePreviousMs).slice(0, 3)).toEqual([0, 31_000, 400]);
    expect(report.causes).toHaveLength(1);
  });

  it('keeps the timeline in time order even when events arrive out of order', () => {
    const { incident, events } = sampleOutage();

    const report = buildIncidentReport(incident, [...events].reverse());

    expect(report.timeline.map((step) => step.type)).toEqual(events.map((event) => event.type));
  });

  it('formats durations the way the 8/12/2022 report reads', () => {
    expect([850, 42_100, 185_000, 9 * 3600_000 + 15 * 60_000].map(formatDuration)).toEqual([
      '850 ms',
      '42.1 s',
      '3 min 05 s',
      '9 h 15 min',
    ]);
  });
});
