import { Duration, Stack, Token } from 'aws-cdk-lib';
import type { Dashboard, IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { DefaultDashboardFactory, MonitoringFacade, SnsAlarmActionStrategy } from 'cdk-monitoring-constructs';
import { Construct } from 'constructs';
import type { Config } from '../../../lambdas/contracts/config/schema';
import type { DashboardScope } from './dashboard-sections/dashboard-scope';
import { addFunctionSection } from './dashboard-sections/function-section';
import { addHeartbeatSection } from './dashboard-sections/heartbeat-section';
import { addIncidentsSection } from './dashboard-sections/incidents-section';
import { addSiteSection } from './dashboard-sections/site-section';
import type { WatchdogFunction } from './watchdog-function';

/** The dashboard of a deployment in a region; names are account-wide, so the region is part of it. */
export function operationsDashboardName(deployment: string, region: string): string {
  return `${deployment}-${region}`;
}

/** The SiteDown alarm of a site in a region: named, because Route 53 health checks find it by name. */
export function siteDownAlarmName(deployment: string, siteId: string, region: string): string {
  return `${deployment}-${siteId}-down-${region}`;
}

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

  private readonly region: string;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const { config } = props;
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
    const drawing: DashboardScope = { monitoring: this.monitoring, config, region: this.region };
    const siteDownAlarms = new Map<string, IAlarm>();
    for (const site of config.sites) {
      const alarmName = siteDownAlarmName(config.deployment, site.id, this.region);
      siteDownAlarms.set(site.id, addSiteSection(drawing, site, alarmName));
    }
    this.siteDownAlarms = siteDownAlarms;
    addIncidentsSection(drawing);
    this.heartbeatAlarm = addHeartbeatSection(drawing, props.alertTopic);
    for (const [name, watchdog] of Object.entries(props.functions))
      addFunctionSection(drawing, name, watchdog);
  }
}
