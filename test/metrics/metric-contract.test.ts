/**
 * The CloudWatch contract between the functions and what reads their metrics. The readers are taken
 * from the synthesized templates (every dashboard widget's metrics and every alarm's metric); the
 * writers from the EMF documents the real handlers print when their code runs (probe, orchestrator,
 * failback). A metric is addressed by namespace, name and its exact set of dimension names, so a
 * reader spelling any of them differently watches a metric nobody writes: the test then fails.
 */
import type { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createCarrierDirectory } from '../../lambdas/adapters/carriers/carrier-directory';
import { DynamoDbForwardingStateStore } from '../../lambdas/adapters/dynamodb/forwarding-state-store';
import { DynamoDbIncidentStore } from '../../lambdas/adapters/dynamodb/incident-store';
import { DynamoDbObservationStore } from '../../lambdas/adapters/dynamodb/observation-store';
import { DynamoDbRouteReadBackStore } from '../../lambdas/adapters/dynamodb/route-read-back-store';
import { DynamoDbSiteHealthStore } from '../../lambdas/adapters/dynamodb/site-health-store';
import { RecordingNotifier } from '../../lambdas/adapters/local/recording-notifier';
import { runProbeInvocation } from '../../lambdas/composition/probe-invocation';
import { longestProbeMs } from '../../lambdas/contracts/config/round-duration';
import type { Site } from '../../lambdas/contracts/config/schema';
import { controlEndpointId, testCallEndpointId } from '../../lambdas/contracts/endpoint-ids';
import {
  DIMENSION_NAMES,
  METRIC_NAMESPACE,
  ORCHESTRATOR_METRICS,
  PROBE_METRICS,
} from '../../lambdas/contracts/metric-names';
import { type FailbackHandlerDependencies, handleFailbackEvent } from '../../lambdas/handlers/failback';
import { handleOrchestratorEvent } from '../../lambdas/handlers/orchestrator';
import type { Clock } from '../../lambdas/ports/clock';
import type { Observation, SiteHealthState } from '../../lambdas/ports/detection';
import type { DeploymentFiles } from '../../lambdas/runtime/deployment-files';
import { createIncidentMetrics } from '../../lambdas/runtime/incident-metrics';
import type { ProbeLogger } from '../../lambdas/runtime/powertools';
import { createProbeMetrics } from '../../lambdas/runtime/probe-metrics';
import { loadDeployment } from '../../lib/config/load-config';
import { startLocalCarriers } from '../../lib/developer/far-side/local-carriers';
import { startLocalIncidentTable } from '../../lib/developer/far-side/local-incident-table';
import { EXAMPLE_CONFIG } from '../support/config-files';
import { dashboardsOf, metricsOf } from '../support/dashboard-body';
import { buildApp } from '../support/example-app';

/** One metric as CloudWatch addresses it, where it was read or written, and the dimension values. */
interface MetricUse {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  /** The region whose CloudWatch holds (written) or is asked for (read) the metric. */
  region: string;
  /** Which dashboard, alarm or EMF document it came from. */
  where: string;
}

/** The address of a metric: namespace, name and the exact set of dimension names. */
function metricKey(use: Pick<MetricUse, 'namespace' | 'name' | 'dimensions'>): string {
  return `${use.namespace} ${use.name} {${Object.keys(use.dimensions).sort().join(',')}}`;
}

/** The reads of our namespace that no write matches, one line each (empty when the contract holds). */
function unwrittenReads(reads: readonly MetricUse[], writes: readonly MetricUse[]): string[] {
  const written = new Set(writes.map(metricKey));
  return [
    ...new Set(
      reads
        .filter((read) => read.namespace === METRIC_NAMESPACE && !written.has(metricKey(read)))
        .map((read) => `${metricKey(read)} read by ${read.where}`),
    ),
  ].sort();
}

// ---------------------------------------------------------------------------------------------
// Readers: the synthesized dashboards and alarms
// ---------------------------------------------------------------------------------------------

/** Every metric a dashboard of the stack draws. */
function dashboardReads(stack: Stack, template: Template): MetricUse[] {
  return dashboardsOf(template).flatMap((dashboard) =>
    dashboard.widgets.flatMap((widget) =>
      metricsOf(widget).map((metric) => ({
        namespace: metric.namespace,
        name: metric.name,
        dimensions: metric.dimensions,
        // A metric with no region of its own is read in the dashboard's region.
        region: metric.options.region ?? stack.region,
        where: `${stack.stackName} dashboard ${dashboard.name} widget "${widget.properties.title}"`,
      })),
    ),
  );
}

interface AlarmMetric {
  Namespace: string;
  MetricName: string;
  Dimensions?: { Name: string; Value: unknown }[];
}

/** Every metric an alarm of the stack watches (single-metric and metric-query alarms alike). */
function alarmReads(stack: Stack, template: Template): MetricUse[] {
  const reads: MetricUse[] = [];
  for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
    const properties = alarm.Properties as AlarmMetric & {
      AlarmName: string;
      Metrics?: { MetricStat?: { Metric: AlarmMetric } }[];
    };
    const metrics = properties.MetricName
      ? [properties]
      : (properties.Metrics ?? []).flatMap((query) => (query.MetricStat ? [query.MetricStat.Metric] : []));
    for (const metric of metrics) {
      reads.push({
        namespace: metric.Namespace,
        name: metric.MetricName,
        dimensions: Object.fromEntries(
          (metric.Dimensions ?? []).map((dimension) => [dimension.Name, String(dimension.Value)]),
        ),
        region: stack.region,
        where: `${stack.stackName} alarm ${properties.AlarmName}`,
      });
    }
  }
  return reads;
}

// ---------------------------------------------------------------------------------------------
// Writers: the handlers' EMF output
// ---------------------------------------------------------------------------------------------

interface EmfDocument {
  _aws: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
  };
  [key: string]: unknown;
}

/** Every metric in the EMF documents printed on stdout, as written in `region`. */
function emfWrites(lines: readonly string[], region: string, where: string): MetricUse[] {
  const documents = lines
    .join('')
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfDocument);
  return documents.flatMap((document) =>
    document._aws.CloudWatchMetrics.flatMap((directive) =>
      directive.Dimensions.flatMap((dimensionSet) =>
        directive.Metrics.map((metric) => ({
          namespace: directive.Namespace,
          name: metric.Name,
          dimensions: Object.fromEntries(dimensionSet.map((name) => [name, String(document[name])])),
          region,
          where,
        })),
      ),
    ),
  );
}

/** A clock whose sleeps move time on at once, so a probe invocation runs one round and ends. */
function instantClock(start: number): Clock {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  };
}

const silentLogger: ProbeLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** A healthy answer from every endpoint of a site. */
function healthyObservations(
  site: Site,
  round: { region: string; at: number },
  controlTargets: readonly string[],
): Observation[] {
  return [
    ...site.sip.map((sip) => `sip:${sip.transport}:${sip.host}:${sip.port}`),
    ...site.http.map((http) => http.url),
    ...site.calls.map(testCallEndpointId),
    // As withControlTargets adds them in the probe function: the region reached its control targets.
    ...controlTargets.map(controlEndpointId),
  ].map((endpoint) => ({
    siteId: site.id,
    region: round.region,
    at: round.at,
    ok: true,
    latencyMs: 12,
    endpoint,
  }));
}

/**
 * Runs each handler's emitting path once with Powertools Metrics writing to a captured stdout: a
 * probe round per region, an orchestrator run that forwards the example plan, then failback from
 * recovery to resolution. Returns what they wrote.
 */
async function writesOfTheHandlers(): Promise<MetricUse[]> {
  const deployment = loadDeployment(EXAMPLE_CONFIG);
  const { config } = deployment;
  const region = config.watchdogRegions[0];
  const table = await startLocalIncidentTable();
  const carriers = await startLocalCarriers(config, deployment.plan);
  const stdout: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  const writes: MetricUse[] = [];
  const take = (writtenIn: string, where: string) =>
    writes.push(...emfWrites(stdout.splice(0), writtenIn, where));
  try {
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
    const siteHealth = new DynamoDbSiteHealthStore(table.documentClient, table.tableName);
    for (const probeRegion of config.watchdogRegions) {
      const clock = instantClock(start);
      await runProbeInvocation(
        {
          deployment: config.deployment,
          sites: config.sites,
          settings: config.detection,
          region: probeRegion,
          regions: config.watchdogRegions,
          clock,
          probeSite: async (site, round) => healthyObservations(site, round, config.detection.controlTargets),
          observations: new DynamoDbObservationStore({
            client: table.documentClient,
            tableName: table.observationTableName,
          }),
          siteHealth,
          tripNotifier: { notifyTrip: async () => {} },
          metrics: createProbeMetrics(),
          logger: silentLogger,
        },
        // Room for exactly one round (its test calls included).
        start + longestProbeMs(config.detection, config.sites) + 1,
      );
      take(probeRegion, `probe in ${probeRegion}`);
    }

    const clock = instantClock(start + 60_000);
    const files: DeploymentFiles = {
      config: {
        ...config,
        carriers: carriers.carriers,
        failback: { ...config.failback, minutesBetweenWaves: 0 },
      },
      plan: deployment.plan,
    };
    const common = {
      files,
      incidents: new DynamoDbIncidentStore(table.documentClient, table.tableName),
      numbers: new DynamoDbForwardingStateStore(table.documentClient, table.tableName),
      readBacks: new DynamoDbRouteReadBackStore(table.documentClient, table.tableName),
      notifier: new RecordingNotifier(clock),
      carriers: () =>
        createCarrierDirectory(files.config.carriers, carriers.credentialSource, { pollIntervalMs: 5 }),
      clock,
      random: () => 0.5,
      region,
    };
    const context = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 300_000 });
    const forwarded = await handleOrchestratorEvent(
      {
        action: 'failover',
        siteId: 'phx-primary',
        outageStartedAt: start,
        detectedAt: start + 30_000,
        regions: config.watchdogRegions,
        trigger: { type: 'probe', region },
        failureKind: 'site-unreachable',
        reason: 'SIP OPTIONS timeout',
      },
      context('failover'),
      { ...common, metrics: createIncidentMetrics(), startContinuation: async () => {} },
    );
    expect(forwarded).toMatchObject({ status: 'done' });
    take(region, 'orchestrator');

    const healthy: SiteHealthState = {
      siteId: 'phx-primary',
      status: 'up',
      processedUpTo: clock.now(),
      regions: Object.fromEntries(
        config.watchdogRegions.map((name) => [
          name,
          {
            lastRoundAt: clock.now(),
            lastRoundOk: true,
            consecutiveFailures: 0,
            failureRunStartedAt: null,
            lastReason: 'SIP 200 OK',
          },
        ]),
      ),
      outage: null,
      healthySince: null,
    };
    const probed = await siteHealth.get('phx-primary', region);
    await siteHealth.put('phx-primary', region, { state: healthy, unannounced: [] }, probed?.version);
    const failbackDeps: FailbackHandlerDependencies = {
      ...common,
      siteHealth,
      metrics: createIncidentMetrics(),
    };
    await handleFailbackEvent({ action: 'tick', siteId: 'phx-primary' }, context('tick'), failbackDeps);
    const resolved = await handleFailbackEvent(
      { action: 'approve', siteId: 'phx-primary', approvedBy: { name: 'jdoe', region } },
      context('approve'),
      failbackDeps,
    );
    expect(resolved).toMatchObject({ sites: [{ result: 'resolved' }] });
    take(region, 'failback');
    return writes;
  } finally {
    spy.mockRestore();
    await carriers.stop();
    await table.stop();
  }
}

// ---------------------------------------------------------------------------------------------

describe('metric contract between the functions and the dashboards and alarms', () => {
  const { config } = loadDeployment(EXAMPLE_CONFIG);
  let app: App;
  let watchdogs: Stack[];
  let reads: MetricUse[];
  let writes: MetricUse[];

  beforeAll(async () => {
    const built = buildApp();
    app = built.app;
    watchdogs = built.stacks.watchdogs;
    reads = watchdogs.flatMap((stack) => {
      const template = Template.fromStack(stack);
      return [...dashboardReads(stack, template), ...alarmReads(stack, template)];
    });
    writes = await writesOfTheHandlers();
  });

  it('reads only metrics a handler writes: same namespace, name and dimension names', () => {
    const ours = reads.filter((read) => read.namespace === METRIC_NAMESPACE);

    expect(ours.length).toBeGreaterThan(50);
    expect(unwrittenReads(reads, writes)).toEqual([]);
  });

  it('shows every metric the handlers write on the dashboard of every region', () => {
    const written = [...new Set(writes.map((write) => write.name))].sort();

    expect(written).toEqual(
      [...Object.values(PROBE_METRICS), ...Object.values(ORCHESTRATOR_METRICS)].map((m) => m.name).sort(),
    );
    for (const stack of watchdogs) {
      const drawn = new Set(dashboardReads(stack, Template.fromStack(stack)).map((read) => read.name));
      expect(written.filter((name) => !drawn.has(name))).toEqual([]);
    }
  });

  it("reads each metric in the region that writes it, with the deployment's own dimension values", () => {
    const sites = new Map(config.sites.map((site) => [site.id, site]));
    const problems = reads
      .filter((read) => read.namespace === METRIC_NAMESPACE)
      .flatMap((read) => {
        const { dimensions: d } = read;
        const site = d[DIMENSION_NAMES.site] === undefined ? undefined : sites.get(d[DIMENSION_NAMES.site]);
        const kind = d[DIMENSION_NAMES.kind];
        return [
          d[DIMENSION_NAMES.deployment] !== config.deployment && 'another deployment',
          d[DIMENSION_NAMES.site] !== undefined && !site && 'an unknown site',
          // A probe writes under its own region's name, into its own region's CloudWatch.
          d[DIMENSION_NAMES.region] !== undefined &&
            d[DIMENSION_NAMES.region] !== read.region &&
            'another region',
          kind !== undefined &&
            (site?.[kind === 'call' ? 'calls' : (kind as 'sip' | 'http')] ?? []).length === 0 &&
            `no ${kind} endpoint`,
        ]
          .filter((problem): problem is string => typeof problem === 'string')
          .map((problem) => `${read.where}: ${JSON.stringify(d)} in ${read.region}: ${problem}`);
      });

    expect(problems).toEqual([]);
  });

  it('reads the very dimension values and region each handler writes', () => {
    const address = (use: MetricUse) =>
      `${metricKey(use)} ${JSON.stringify(Object.entries(use.dimensions).sort())} in ${use.region}`;
    const readKeys = new Set(reads.map(metricKey));
    const readAddresses = new Set(reads.map(address));

    // ProbeSuccess per kind and ProbeLatency over all kinds are written for ad-hoc queries, not read.
    const unread = writes.filter((write) => readKeys.has(metricKey(write))).map(address);

    expect([...new Set(unread.filter((written) => !readAddresses.has(written)))]).toEqual([]);
  });

  it('names, in every Route 53 metric health check, an alarm that exists in that region', () => {
    const dns = app.node.children.find(
      (child) => (child as Stack).stackName === `${config.deployment}-dns`,
    ) as Stack;
    const checks = Object.values(Template.fromStack(dns).findResources('AWS::Route53::HealthCheck'))
      .map(
        (check) =>
          check.Properties.HealthCheckConfig.AlarmIdentifier as { Name: string; Region: string } | undefined,
      )
      .filter((identifier) => identifier !== undefined);
    const alarms = new Set(
      watchdogs.flatMap((stack) =>
        Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map(
          (alarm) => `${stack.region} ${alarm.Properties.AlarmName}`,
        ),
      ),
    );

    expect(checks).toHaveLength(config.watchdogRegions.length);
    expect(checks.filter((check) => !alarms.has(`${check.Region} ${check.Name}`))).toEqual([]);
  });

  it.each([
    ['the dashboard', 'read'],
    ['a handler', 'write'],
  ] as const)('fails when %s renames a metric on its side only', (_side, renamed) => {
    const rename = (use: MetricUse): MetricUse =>
      use.name === ORCHESTRATOR_METRICS.numbersForwarded.name ? { ...use, name: `${use.name}Total` } : use;

    const problems =
      renamed === 'read'
        ? unwrittenReads(reads.map(rename), writes)
        : unwrittenReads(reads, writes.map(rename));

    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((problem) => problem.includes('NumbersForwarded'))).toBe(true);
  });
});
