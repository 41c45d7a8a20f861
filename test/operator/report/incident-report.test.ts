import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildIncidentReport,
  formatDuration,
  mermaidText,
  renderIncidentReportMarkdown,
  renderTimelineChart,
} from '../../../lib/operator/report/incident-report';
import { sampleOutage } from './sample-outage';

const GOLDEN = join(__dirname, '../../golden/incident-report.md');

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

  it('draws every step of the outage in a mermaid gantt chart: detection, alert, forwarding, recovery, waves, resolution', () => {
    const { incident, events } = sampleOutage();

    const report = buildIncidentReport(incident, events);

    expect(report.phases.map((phase) => [phase.section, phase.name, phase.milestone])).toEqual([
      ['Site', 'Site down until recovered', false],
      ['Response', 'Detection by quorum', false],
      ['Response', 'Alerted', true],
      ['Response', 'Forwarding', false],
      ['Response', 'Forwarded 23 of 24', true],
      ['Failback', 'Recovered', true],
      ['Failback', 'Failback approved', true],
      ['Failback', 'Wave 1 done', true],
      ['Failback', 'Wave 4 done', true],
      ['Failback', 'Resolved', true],
    ]);
    expect(report.phases[3]).toMatchObject({
      from: '2026-08-12T08:45:31.900Z',
      to: '2026-08-12T08:45:36.800Z',
    });
    const markdown = renderIncidentReportMarkdown(report);
    const chart = markdown.slice(
      markdown.indexOf('```mermaid'),
      markdown.indexOf('```\n', markdown.indexOf('```mermaid') + 3) + 3,
    );
    expect(chart.split('\n').slice(0, 6)).toEqual([
      '```mermaid',
      'gantt',
      '  title phx-primary outage 2026-08-12, times in UTC',
      '  dateFormat YYYY-MM-DD HH:mm:ss.SSS',
      '  axisFormat %H:%M',
      '  todayMarker off',
    ]);
    expect(chart).toContain('  Forwarding :p4, 2026-08-12 08:45:31.900, 2026-08-12 08:45:36.800');
    expect(chart).toContain('  Resolved :milestone, p10, 2026-08-12 12:45:00.000, 0s');
  });

  it('draws a wave as a bar from its start to its end when both are in the log', () => {
    const { incident, events } = sampleOutage();
    const waveStart = events.find((event) => event.type === 'failback-wave-finished')!;
    const withStart = [
      ...events,
      { ...waveStart, at: waveStart.at - 30_000, type: 'failback-wave-started', details: { wave: 1 } },
    ];

    const report = buildIncidentReport(incident, withStart);

    expect(report.phases.find((phase) => phase.name === 'Wave 1')).toMatchObject({
      milestone: false,
      from: '2026-08-12T11:46:30.000Z',
      to: '2026-08-12T11:47:00.000Z',
    });
  });

  it('keeps every task line parseable by mermaid: no name holds a colon, hash, semicolon or parenthesis', () => {
    const { incident, events } = sampleOutage();
    const report = buildIncidentReport({ ...incident, siteId: 'phx#1: (main); 100%' }, events);

    const lines = renderTimelineChart({
      ...report,
      phases: report.phases.map((p) => ({ ...p, name: `${p.name}: #2 (x); 5%` })),
    });

    const tasks = lines.filter(
      (line) => /^ {2}\S/.test(line) && !/^ {2}(title|dateFormat|axisFormat|todayMarker|section) /.test(line),
    );
    expect(tasks).toHaveLength(report.phases.length);
    for (const task of tasks) {
      const [name, data] = [task.slice(0, task.indexOf(':')), task.slice(task.indexOf(':') + 1)];
      expect(name).not.toMatch(/[#;()%]/);
      expect(data).toMatch(
        /^(crit, )?(milestone, )?p\d+, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}, (0s|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})$/,
      );
    }
    expect(lines.find((line) => line.startsWith('  title'))).toBe(
      '  title phx 1 main 100 outage 2026-08-12, times in UTC',
    );
    expect(mermaidText('a: b # c; (d) %% e')).toBe('a b c d e');
  });

  it('draws no chart for an incident with an empty timeline', () => {
    const { incident } = sampleOutage();

    const markdown = renderIncidentReportMarkdown(buildIncidentReport(incident, []));

    expect(markdown).not.toContain('```mermaid');
  });
});
