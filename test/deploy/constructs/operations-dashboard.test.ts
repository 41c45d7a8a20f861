import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { operationsDashboardName } from '../../../lib/deploy/constructs/operations-dashboard';
import { exampleConfigObject, writeDeploymentFiles } from '../../support/config-files';
import {
  type DashboardWidget,
  dashboardsOf,
  metricsOf,
  type ParsedDashboard,
} from '../../support/dashboard-body';
import { buildApp } from '../../support/example-app';

const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'];

/** The graph widgets of a dashboard between the text widget naming `section` and the next section. */
function section(dashboard: ParsedDashboard, heading: string): DashboardWidget[] {
  const start = dashboard.widgets.findIndex((widget) => widget.properties.markdown?.includes(heading));
  if (start < 0) throw new Error(`no section "${heading}" in ${dashboard.name}`);
  const end = dashboard.widgets.findIndex(
    (widget, index) => index > start && widget.properties.markdown?.startsWith('###'),
  );
  return dashboard.widgets
    .slice(start + 1, end < 0 ? undefined : end)
    .filter((widget) => widget.type === 'metric');
}

function widgetTitled(widgets: DashboardWidget[], title: string): DashboardWidget {
  const widget = widgets.find((candidate) => candidate.properties.title?.startsWith(title));
  if (!widget)
    throw new Error(`no widget "${title}" among ${widgets.map((w) => w.properties.title).join(', ')}`);
  return widget;
}

/** Each drawn metric as `name region [stat]`, the region being where CloudWatch is asked. */
function drawn(widget: DashboardWidget, stackRegion: string): string[] {
  return metricsOf(widget).map((metric) =>
    [metric.name, metric.options.region ?? stackRegion, metric.options.stat].filter(Boolean).join(' '),
  );
}

describe('OperationsDashboard', () => {
  const { stacks } = buildApp();
  const templates = new Map<Stack, Template>(
    stacks.watchdogs.map((stack) => [stack, Template.fromStack(stack)]),
  );
  const dashboardOf = (stack: Stack) => {
    const dashboards = dashboardsOf(templates.get(stack)!);
    expect(dashboards).toHaveLength(1);
    return dashboards[0];
  };

  it('is one dashboard per watchdog region, named after the deployment and the region', () => {
    expect(stacks.watchdogs.map((stack) => dashboardOf(stack).name)).toEqual(
      REGIONS.map((region) => `acme-voice-${region}`),
    );
    expect(operationsDashboardName('acme-voice', 'us-east-2')).toBe('acme-voice-us-east-2');
  });

  it.each(REGIONS.map((region, index) => [region, index]))(
    'shows in %s every site as every watchdog region sees it: success, trip state, SIP and HTTP latency, call setup time',
    (region, index) => {
      const dashboard = dashboardOf(stacks.watchdogs[index as number]);
      const phx = section(dashboard, 'Site phx-primary (primary)');
      const dal = section(dashboard, 'Site dal-standby (standby)');

      expect(drawn(widgetTitled(phx, 'Probe success'), region as string)).toEqual(
        REGIONS.map((r) => `ProbeSuccess ${r}`),
      );
      expect(drawn(widgetTitled(phx, 'Down by quorum'), region as string)).toEqual(
        REGIONS.map((r) => `SiteDown ${r} Maximum`),
      );
      expect(drawn(widgetTitled(phx, 'SIP OPTIONS latency'), region as string)).toEqual(
        REGIONS.flatMap((r) => [`ProbeLatency ${r} p50`, `ProbeLatency ${r} p99`]),
      );
      expect(drawn(widgetTitled(phx, 'HTTP health latency'), region as string)).toEqual(
        REGIONS.flatMap((r) => [`ProbeLatency ${r} p50`, `ProbeLatency ${r} p99`]),
      );
      // Test calls: their setup time per region, read where the probe writes it (Kind call).
      const setup = widgetTitled(phx, 'Test call setup time');
      expect(drawn(setup, region as string)).toEqual(
        REGIONS.flatMap((r) => [`CallSetupTime ${r} p50`, `CallSetupTime ${r} p99`]),
      );
      expect(metricsOf(setup).every((metric) => metric.dimensions.Kind === 'call')).toBe(true);
      // dal-standby has SIP endpoints only: no empty HTTP widget, no test-call widget.
      expect(dal.map((widget) => widget.properties.title)).toEqual([
        'Probe success (1: every probe healthy)',
        expect.stringMatching(/^Down by quorum/),
        'SIP OPTIONS latency (ms)',
      ]);
      for (const widget of [...phx, ...dal]) {
        for (const metric of metricsOf(widget)) {
          expect(metric.dimensions.Site).toBe(phx.includes(widget) ? 'phx-primary' : 'dal-standby');
          expect(metric.dimensions.Region).toBe(metric.options.region ?? region);
        }
      }
    },
  );

  it("draws this region's SiteDown alarm on the trip-state widget and names the site's web records", () => {
    const dashboard = dashboardOf(stacks.watchdogs[1]);
    const down = widgetTitled(section(dashboard, 'Site phx-primary'), 'Down by quorum');

    expect(down.properties.annotations?.horizontal).toEqual([expect.objectContaining({ value: 1 })]);
    const text = dashboard.widgets.map((widget) => widget.properties.markdown ?? '').join('\n');
    expect(text).toContain('`portal.example.net`');
    expect(text).toContain('route53/healthchecks');
  });

  it('shows the running incident: numbers forwarded, failed, pending and failback progress from every region', () => {
    const incidents = section(dashboardOf(stacks.watchdogs[0]), 'Running incidents');

    expect(incidents.map((widget) => [widget.properties.title, drawn(widget, 'us-east-1')])).toEqual(
      [
        ['Numbers forwarded', 'NumbersForwarded'],
        ['Numbers failed', 'NumbersFailed'],
        ['Numbers pending', 'NumbersPending'],
        ['Failback: share of numbers home (%)', 'FailbackWave'],
      ].map(([title, name]) => [title, REGIONS.map((r) => `${name} ${r} Maximum`)]),
    );
    for (const metric of incidents.flatMap(metricsOf)) {
      expect(metric.dimensions).toEqual({ Deployment: 'acme-voice', Site: 'phx-primary' });
    }
  });

  it('shows the heartbeat of every region, and whether each reached its control targets', () => {
    const heartbeat = section(dashboardOf(stacks.watchdogs[2]), 'Probe heartbeat');

    expect(heartbeat.flatMap((widget) => drawn(widget, 'us-west-2'))).toEqual([
      ...REGIONS.map((r) => `ProbeHeartbeat ${r} Sum`),
      // Minimum: one round of the minute that reached no control target shows as 0.
      ...REGIONS.map((r) => `ControlReachable ${r} Minimum`),
      // Sum: rounds whose incident-table replica reached no other replica (the region abstained).
      ...REGIONS.map((r) => `ReplicationAbstained ${r} Sum`),
    ]);
  });

  it.each([
    ['Probe', 'ProbeFunction', 'ProbeDeadLetters'],
    ['Orchestrator', 'OrchestratorFunction', 'OrchestratorDeadLetters'],
    ['Failback', 'FailbackFunction', 'FailbackDeadLetters'],
    ['Practice', 'PracticeFunction', 'PracticeDeadLetters'],
  ])("shows the %s function's errors, throttles, duration and dead letters", (name, functionId, queueId) => {
    const dashboard = dashboardOf(stacks.watchdogs[0]);
    const lambda = section(dashboard, `${name} function`).flatMap(metricsOf);
    const queue = section(dashboard, `${name} dead-letter queue`).flatMap(metricsOf);

    const ofFunction = lambda.filter((metric) =>
      metric.dimensions.FunctionName?.startsWith(`Ref:${functionId}`),
    );
    expect(ofFunction.map((metric) => metric.name)).toEqual(
      expect.arrayContaining(['Errors', 'Throttles', 'Duration']),
    );
    expect(queue).toContainEqual(
      expect.objectContaining({
        name: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: expect.stringMatching(new RegExp(`^GetAtt:${queueId}`)) },
      }),
    );
  });

  it('alarms to the region topic on each function, dead-letter queue and the heartbeat, with single-metric alarms', () => {
    const template = templates.get(stacks.watchdogs[0])!;
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm.Properties,
    );

    // 2 sites + heartbeat + 4 functions (probe, orchestrator, failback, practice) x (errors, throttles, dead letters)
    expect(alarms).toHaveLength(2 + 1 + 1 + 12);
    for (const alarm of alarms) {
      // Route 53 metric health checks accept no metric-math alarm; keep every alarm plain.
      expect(alarm.Metrics).toBeUndefined();
      expect(alarm.MetricName).toEqual(expect.any(String));
      if (alarm.AlarmName === 'acme-voice-phx-primary-down-us-east-1')
        expect(alarm.AlarmActions).toBeUndefined();
      else expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlertsTopic/) }]);
    }
    const byMetric = (name: string) => alarms.filter((alarm) => alarm.MetricName === name);
    expect(byMetric('Errors')).toHaveLength(4);
    expect(byMetric('Throttles')).toHaveLength(4);
    expect(byMetric('ApproximateNumberOfMessagesVisible')).toHaveLength(4);
    for (const alarm of [
      ...byMetric('Errors'),
      ...byMetric('Throttles'),
      ...byMetric('ApproximateNumberOfMessagesVisible'),
    ]) {
      expect(alarm).toMatchObject({
        Period: 60,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    expect(byMetric('ProbeHeartbeat')).toEqual([
      expect.objectContaining({
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        OKActions: [{ Ref: expect.stringMatching(/^AlertsTopic/) }],
      }),
    ]);
    // Blind for five minutes in a row: the quorum has one region less; a silent probe is not blind.
    expect(byMetric('ControlReachable')).toEqual([
      expect.objectContaining({
        Statistic: 'Minimum',
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 5,
        DatapointsToAlarm: 5,
        TreatMissingData: 'notBreaching',
        Dimensions: expect.arrayContaining([{ Name: 'Region', Value: 'us-east-1' }]),
        OKActions: [{ Ref: expect.stringMatching(/^AlertsTopic/) }],
      }),
    ]);
  });

  it('sets no control-target alarm when the config has no control targets', () => {
    const config = exampleConfigObject();
    config.detection.controlTargets = [];
    const { stacks: bare } = buildApp(writeDeploymentFiles(config));

    const alarms = Object.values(
      Template.fromStack(bare.watchdogs[0]).findResources('AWS::CloudWatch::Alarm'),
    );

    expect(alarms.filter((alarm) => alarm.Properties.MetricName === 'ControlReachable')).toEqual([]);
  });

  it('leaves out web records and the HTTP widget when a deployment has neither', () => {
    const config = exampleConfigObject();
    delete config.dns;
    config.sites[0].http = [];
    const { stacks: bare } = buildApp(writeDeploymentFiles(config));

    const dashboard = dashboardsOf(Template.fromStack(bare.watchdogs[0]))[0];

    const text = dashboard.widgets.map((widget) => widget.properties.markdown ?? '').join('\n');
    expect(text).not.toContain('Web records');
    expect(section(dashboard, 'Site phx-primary').map((widget) => widget.properties.title)).not.toContain(
      'HTTP health latency (ms)',
    );
  });
});
