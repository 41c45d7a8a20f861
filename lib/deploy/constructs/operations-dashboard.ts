import { Duration, Stack, Token } from 'aws-cdk-lib';
import {
  ComparisonOperator,
  type Dashboard,
  type IAlarm,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import {
  type CustomMetric,
  type CustomMetricGroup,
  DefaultDashboardFactory,
  type IMetricAdjuster,
  MonitoringFacade,
  noopAction,
  SnsAlarmActionStrategy,
} from 'cdk-monitoring-constructs';
import { Construct } from 'constructs';
import type { Config, Site } from '../../../lambdas/contracts/config/schema';
import {
  METRIC_NAMESPACE,
  type MetricDefinition,
  ORCHESTRATOR_METRICS,
  PROBE_METRICS,
  type ProbeKind,
  regionDimensions,
  siteDimensions,
  siteRegionDimensions,
  siteRegionKindDimensions,
} from '../../../lambdas/contracts/metric-names';
import type { WatchdogFunction } from './watchdog-function';

/** The dashboard of a deployment in a region; names are account-wide, so the region is part of it. */
export function operationsDashboardName(deployment: string, region: string): string {
  return `${deployment}-${region}`;
}

/** The SiteDown alarm of a site in a region: named, because Route 53 health checks find it by name. */
export function siteDownAlarmName(deployment: string, siteId: string, region: string): string {
  return `${deployment}-${siteId}-down-${region}`;
}

/**
 * Alarms watch the metric itself, not a one-metric math query: Route 53 CLOUDWATCH_METRIC health
 * checks do not accept metric-math alarms, and CDK writes one whenever the metric has a label
 * (which the dashboard's legend needs). So each alarm gets the metric without its label.
 */
const WITHOUT_LABEL: IMetricAdjuster = {
  adjustMetric: (metric) =>
    metric instanceof Metric
      ? new Metric({
          namespace: metric.namespace,
          metricName: metric.metricName,
          dimensionsMap: metric.dimensions as Record<string, string> | undefined,
          statistic: metric.statistic,
          period: metric.period,
          unit: metric.unit,
        })
      : metric,
};

export interface OperationsDashboardProps {
  /** The deployment: its name, sites, watchdog regions and web records. */
  readonly config: Config;
  /** This region's alert topic: every alarm that alerts publishes here. */
  readonly alertTopic: ITopic;
  /**
   * This region's functions by the name the dashboard and alarms show (`Probe`, `Orchestrator`, ...),
   * each watched for errors, throttles, duration and dead letters.
   */
  readonly functions: Readonly<Record<string, WatchdogFunction>>;
}

/**
 * A watchdog region's operations view and alarms, on cdk-monitoring-constructs: one CloudWatch
 * dashboard named after the deployment and region, and the alarms, each alerting to the region's
 * topic (SnsAlarmActionStrategy).
 *
 * Per site: probe success, SIP and HTTP latency (p50, p99) and the quorum decision (SiteDown) as
 * every watchdog region sees them; CloudWatch metrics stay in the region that wrote them, so each
 * widget reads the other regions' metrics across regions and a surviving region's dashboard still
 * shows the whole picture. Per stack: the running incident's numbers and failback progress, the
 * probe heartbeat of every region, and this region's functions and dead-letter queues.
 *
 * Alarms (alarms cannot read another region's metrics, so each region alarms on its own): the
 * SiteDown alarm of every site (fixed name, Route 53 CLOUDWATCH_METRIC health checks find it by
 * name; a standby site's alerts, a primary site's does not because its incident alerts once per
 * state change), the heartbeat ("the monitor stopped reporting", missing data breaching), and each
 * function's errors, throttles and dead letters.
 *
 * Route 53's own HealthCheckStatus of the web records is not shown: the DNS stack creates those
 * checks in the home region after (and from) the watchdog stacks, so their ids could only reach
 * this stack through a cross-region, circular reference. Route 53 decides with the SiteDown alarms
 * shown here; each site's text names its records and links to the Route 53 console.
 */
export class OperationsDashboard extends Construct {
  readonly monitoring: MonitoringFacade;
  readonly dashboard: Dashboard;
  /** The SiteDown alarm of each site in this region, by site id. */
  readonly siteDownAlarms: ReadonlyMap<string, IAlarm>;
  readonly heartbeatAlarm: IAlarm;

  private readonly config: Config;
  private readonly region: string;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const { config } = props;
    this.config = config;
    this.region = Stack.of(this).region;
    if (Token.isUnresolved(this.region)) {
      // Widgets tell this region's metrics from the others' by name, and alarms must be local.
      throw new Error(
        'OperationsDashboard needs a stack with an explicit region (`env.region` of the stack)',
      );
    }
    const dashboards = new DefaultDashboardFactory(this, 'Dashboards', {
      dashboardNamePrefix: operationsDashboardName(config.deployment, this.region),
      detailDashboardRange: Duration.hours(3),
    });
    this.monitoring = new MonitoringFacade(this, 'Monitoring', {
      metricFactoryDefaults: { period: Duration.minutes(1) },
      alarmFactoryDefaults: {
        alarmNamePrefix: config.deployment,
        actionsEnabled: true,
        // One bad minute alarms (a failed function, a dead letter, a site down); the heartbeat waits longer.
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        action: new SnsAlarmActionStrategy({ onAlarmTopic: props.alertTopic }),
      },
      dashboardFactory: dashboards,
    });
    this.dashboard = dashboards.dashboard!;

    this.monitoring.addLargeHeader(
      `${config.deployment} seen from ${this.region}: sites from every watchdog region, then this region's functions`,
    );
    const siteDownAlarms = new Map<string, IAlarm>();
    for (const site of config.sites) siteDownAlarms.set(site.id, this.addSite(site));
    this.siteDownAlarms = siteDownAlarms;
    this.addIncidents();
    this.heartbeatAlarm = this.addHeartbeat(props.alertTopic);
    for (const [name, watchdog] of Object.entries(props.functions)) this.addFunction(name, watchdog);
  }

  /** A site's section; returns this region's SiteDown alarm of the site. */
  private addSite(site: Site): IAlarm {
    const { deployment, watchdogRegions } = this.config;
    const alarmName = siteDownAlarmName(deployment, site.id, this.region);
    const latency = (kind: ProbeKind, title: string): CustomMetricGroup => ({
      title,
      metrics: watchdogRegions.flatMap((region) =>
        (['p50', 'p99'] as const).map((statistic) =>
          this.metric(
            PROBE_METRICS.probeLatency,
            siteRegionKindDimensions(deployment, site.id, region, kind),
            {
              region,
              statistic,
              label: `${region} ${statistic}`,
            },
          ),
        ),
      ),
    });
    const groups: CustomMetricGroup[] = [
      {
        title: 'Probe success (1: every probe healthy)',
        graphWidgetAxis: { min: 0, max: 1 },
        metrics: watchdogRegions.map((region) =>
          this.metric(PROBE_METRICS.probeSuccess, siteRegionDimensions(deployment, site.id, region), {
            region,
            statistic: Stats.AVERAGE,
            label: region,
          }),
        ),
      },
      {
        title: 'Down by quorum (SiteDown, 1: down)',
        graphWidgetAxis: { min: 0, max: 1 },
        metrics: watchdogRegions.map((region): CustomMetric => {
          const metric = this.metric(
            PROBE_METRICS.siteDown,
            siteRegionDimensions(deployment, site.id, region),
            {
              region,
              statistic: Stats.MAXIMUM,
              label: region,
            },
          );
          if (region !== this.region) return metric;
          return {
            metric,
            alarmFriendlyName: `${site.id}-down`,
            addAlarm: {
              Down: {
                alarmNameOverride: alarmName,
                alarmDescriptionOverride: `${site.id} is down by quorum, as the probe in ${this.region} decides`,
                threshold: 1,
                comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                metricAdjuster: WITHOUT_LABEL,
                // A silent probe is the heartbeat alarm's news; keep the site's last known state.
                treatMissingDataOverride: TreatMissingData.IGNORE,
                // A primary site alerts through its incident (one alert per state change, not one
                // per region); a standby site is only watched, so its alarm is the alert.
                ...(site.role === 'primary' ? { actionOverride: noopAction() } : {}),
              },
            },
          };
        }),
      },
      ...(site.sip.length > 0 ? [latency('sip', 'SIP OPTIONS latency (ms)')] : []),
      ...(site.http.length > 0 ? [latency('http', 'HTTP health latency (ms)')] : []),
    ];
    this.monitoring.monitorCustom({
      alarmFriendlyName: site.id,
      humanReadableName: `Site ${site.id} (${site.role})`,
      description: this.describeSite(site),
      descriptionWidgetHeight: 2,
      metricGroups: groups,
    });
    const alarm = this.monitoring.createdAlarms().find((created) => created.alarmName === alarmName);
    if (!alarm) throw new Error(`the SiteDown alarm ${alarmName} was not created`);
    return alarm.alarm;
  }

  /** Markdown under a site's header: its endpoints, and its web records with where Route 53 shows them. */
  private describeSite(site: Site): string {
    const endpoints = `${site.sip.length} SIP endpoint(s), ${site.http.length} health URL(s), probed from ${this.config.watchdogRegions.join(', ')}.`;
    const records = (this.config.dns?.records ?? []).filter((record) => record.site === site.id);
    if (records.length === 0) return endpoints;
    const names = records.map((record) => `\`${record.name}\``).join(', ');
    // Route 53 health checks are global; their console lives in us-east-1.
    return `${endpoints} Web records failing over with it: ${names}; Route 53 fails them over on the SiteDown alarms below and its own HTTPS checks ([health checks](https://us-east-1.console.aws.amazon.com/route53/healthchecks/home)).`;
  }

  /** The running incidents: numbers forwarded, failed, pending, and failback progress, per primary site. */
  private addIncidents(): void {
    const primaries = this.config.sites.filter((site) => site.role === 'primary');
    if (primaries.length === 0) return;
    const group = (definition: MetricDefinition, title: string): CustomMetricGroup => ({
      title,
      metrics: primaries.flatMap((site) =>
        this.config.watchdogRegions.map((region) =>
          this.metric(definition, siteDimensions(this.config.deployment, site.id), {
            region,
            statistic: Stats.MAXIMUM,
            label: primaries.length === 1 ? region : `${site.id} ${region}`,
          }),
        ),
      ),
    });
    this.monitoring.monitorCustom({
      alarmFriendlyName: 'Incidents',
      humanReadableName: 'Running incidents (written by the region that works them)',
      metricGroups: [
        group(ORCHESTRATOR_METRICS.numbersForwarded, 'Numbers forwarded'),
        group(ORCHESTRATOR_METRICS.numbersFailed, 'Numbers failed'),
        group(ORCHESTRATOR_METRICS.numbersPending, 'Numbers pending'),
        group(ORCHESTRATOR_METRICS.failbackWave, 'Failback: share of numbers home (%)'),
      ],
    });
  }

  /**
   * Every region's probe heartbeat and control-target reach; this region's alarms when it stops ("the
   * monitor stopped reporting") and when it has been blind for minutes.
   */
  private addHeartbeat(alertTopic: ITopic): IAlarm {
    const { deployment, watchdogRegions } = this.config;
    const heartbeats = watchdogRegions.map((region): CustomMetric => {
      const metric = this.metric(PROBE_METRICS.probeHeartbeat, regionDimensions(deployment, region), {
        region,
        statistic: Stats.SUM,
        label: region,
      });
      if (region !== this.region) return metric;
      return {
        metric,
        alarmFriendlyName: 'Heartbeat',
        addAlarm: {
          Silent: {
            alarmDescriptionOverride: `The probe in ${this.region} stopped reporting: this region no longer watches the sites`,
            threshold: 1,
            comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluationPeriods: 3,
            datapointsToAlarm: 3,
            treatMissingDataOverride: TreatMissingData.BREACHING,
            metricAdjuster: WITHOUT_LABEL,
            // Also tell when it reports again: nobody else will.
            actionOverride: new SnsAlarmActionStrategy({ onAlarmTopic: alertTopic, onOkTopic: alertTopic }),
          },
        },
      };
    });
    // Minimum over the minute: 0 means a round of that region reached no control target and abstained.
    const controlReached = watchdogRegions.map((region): CustomMetric => {
      const metric = this.metric(PROBE_METRICS.controlReachable, regionDimensions(deployment, region), {
        region,
        statistic: Stats.MINIMUM,
        label: region,
      });
      if (region !== this.region || this.config.detection.controlTargets.length === 0) return metric;
      return {
        metric,
        alarmFriendlyName: 'ControlTargets',
        addAlarm: {
          Blind: {
            alarmDescriptionOverride: `The probe in ${this.region} reached no control target for 5 minutes: its own network is in trouble, and it abstains on every site it cannot reach (the quorum has one region less)`,
            threshold: 1,
            comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluationPeriods: 5,
            datapointsToAlarm: 5,
            // A silent probe is the heartbeat alarm's to report.
            treatMissingDataOverride: TreatMissingData.NOT_BREACHING,
            metricAdjuster: WITHOUT_LABEL,
            actionOverride: new SnsAlarmActionStrategy({ onAlarmTopic: alertTopic, onOkTopic: alertTopic }),
          },
        },
      };
    });
    // Sum over the minute: rounds in which the region's incident-table replica reached no other
    // replica, so it recorded no decision (it abstains; the other regions decide without it).
    const replicationAbstained = watchdogRegions.map((region) =>
      this.metric(PROBE_METRICS.replicationAbstained, regionDimensions(deployment, region), {
        region,
        statistic: Stats.SUM,
        label: region,
      }),
    );
    this.monitoring.monitorCustom({
      alarmFriendlyName: 'Probe',
      humanReadableName: 'Probe heartbeat (runs per minute)',
      metricGroups: [
        { title: 'Probe invocations that ran their rounds', metrics: heartbeats },
        { title: 'Control targets reached (0: the region abstains)', metrics: controlReached },
        {
          title: 'Rounds abstained: incident table replicas out of reach',
          metrics: replicationAbstained,
        },
      ],
    });
    const alarm = this.monitoring.createdAlarms().find((created) => created.alarmNameSuffix === 'Heartbeat');
    if (!alarm) throw new Error('the heartbeat alarm was not created');
    return alarm.alarm;
  }

  /** A function's errors, throttles and duration, and its dead-letter queue, with alarms. */
  private addFunction(name: string, watchdog: WatchdogFunction): void {
    this.monitoring.monitorLambdaFunction({
      lambdaFunction: watchdog.function,
      alarmFriendlyName: name,
      humanReadableName: `${name} function`,
      addFaultCountAlarm: {
        Errors: {
          maxErrorCount: 0,
          alarmDescriptionOverride: `${name} function failed (see its log group)`,
          metricAdjuster: WITHOUT_LABEL,
        },
      },
      addThrottlesCountAlarm: {
        Throttles: {
          maxErrorCount: 0,
          alarmDescriptionOverride: `${name} function was throttled`,
          metricAdjuster: WITHOUT_LABEL,
        },
      },
    });
    this.monitoring.monitorSqsQueue({
      queue: watchdog.deadLetterQueue,
      alarmFriendlyName: `${name}DeadLetters`,
      humanReadableName: `${name} dead-letter queue`,
      addQueueMaxSizeAlarm: {
        DeadLetters: {
          maxMessageCount: 0,
          treatMissingDataOverride: TreatMissingData.NOT_BREACHING,
          alarmDescriptionOverride: `${name} dropped an asynchronous invocation into its dead-letter queue`,
          metricAdjuster: WITHOUT_LABEL,
        },
      },
    });
  }

  /** One of our metrics, by its definition in metric-names.ts, over one minute. */
  private metric(
    definition: MetricDefinition,
    dimensionsMap: Record<string, string>,
    options: { region: string; statistic: string; label: string },
  ): Metric {
    return new Metric({
      namespace: METRIC_NAMESPACE,
      metricName: definition.name,
      dimensionsMap,
      statistic: options.statistic,
      period: Duration.minutes(1),
      label: options.label,
      // Another region's metric is read there; this region's stays unqualified so alarms may use it.
      region: options.region === this.region ? undefined : options.region,
    });
  }
}
