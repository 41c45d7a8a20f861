import { ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import {
  METRIC_NAMESPACE,
  PROBE_METRICS,
  regionDimensions,
  siteRegionDimensions,
} from '../../lambdas/metrics/metric-names';
import type { FailbackEnvironment } from '../../lambdas/runtime/environments/failback-environment';
import type { OrchestratorEnvironment } from '../../lambdas/runtime/environments/orchestrator-environment';
import type { ProbeEnvironment } from '../../lambdas/runtime/environments/probe-environment';
import type { Config } from '../config/schema';
import { AlertTopic } from '../constructs/alert-topic';
import { IncidentTableReplica } from '../constructs/incident-table-replica';
import { type DeploymentFilesDirectory, WatchdogFunction } from '../constructs/watchdog-function';

/**
 * The orchestrator's name in every region: fixed, because the operator CLI and the function itself
 * (to continue a long run) must find it.
 */
export function orchestratorFunctionName(deployment: string): string {
  return `${deployment}-orchestrator`;
}

/** The SiteDown alarm of a site in a region: named, because Route 53 health checks find it by name. */
export function siteDownAlarmName(deployment: string, siteId: string, region: string): string {
  return `${deployment}-${siteId}-down-${region}`;
}

/** The failback function's name in every region: fixed, because the operator CLI sends approvals to it. */
export function failbackFunctionName(deployment: string): string {
  return `${deployment}-failback`;
}

export interface WatchdogStackProps extends StackProps {
  readonly config: Config;
  /** The incident table's name (its replica in this region is used). */
  readonly tableName: string;
  /** The validated config and plan, shipped with each function's code. */
  readonly deploymentFiles: DeploymentFilesDirectory;
}

/**
 * One watchdog region: its alert topic, its view of the incident table, and its functions, each
 * granted only what it needs, with alarms on their own failures to the region's topic.
 */
export class WatchdogStack extends Stack {
  readonly alerts: AlertTopic;
  readonly incidentTable: IncidentTableReplica;
  readonly orchestrator: WatchdogFunction;
  readonly probe: WatchdogFunction;
  readonly failback: WatchdogFunction;

  constructor(scope: Construct, id: string, props: WatchdogStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.alerts = new AlertTopic(this, 'Alerts', {
      displayName: `${config.deployment}-${this.region}`,
      emails: config.alerts.emails,
      smsNumbers: config.alerts.sms,
      httpsEndpoints: config.alerts.https,
    });
    this.incidentTable = new IncidentTableReplica(this, 'IncidentTable', { tableName: props.tableName });

    const orchestratorEnvironment: OrchestratorEnvironment = {
      DEPLOYMENT_NAME: config.deployment,
      TABLE_NAME: props.tableName,
      ALERT_TOPIC_ARN: this.alerts.topic.topicArn,
      POWERTOOLS_SERVICE_NAME: 'orchestrator',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    this.orchestrator = new WatchdogFunction(this, 'Orchestrator', {
      handler: 'orchestrator',
      functionName: orchestratorFunctionName(config.deployment),
      description: `Fails ${config.deployment} sites over at the carriers`,
      environment: orchestratorEnvironment,
      deploymentFiles: props.deploymentFiles,
      timeout: Duration.minutes(15),
      memorySize: 1024,
    });
    this.grantCarrierWork(this.orchestrator.function, config);
    // Its name is fixed, so the ARN for re-invoking itself needs no reference to the function (a cycle).
    this.orchestrator.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.functionArn(orchestratorFunctionName(config.deployment))],
      }),
    );
    this.addFunctionAlarms('Orchestrator', this.orchestrator);
    this.failback = this.addFailback(config, props);

    this.probe = this.addProbe(config, props);

    new CfnOutput(this, 'AlertTopicArn', {
      value: this.alerts.topic.topicArn,
      description: 'The alert topic of this watchdog region.',
    });
    new CfnOutput(this, 'FailbackFunctionName', {
      value: this.failback.function.functionName,
      description: 'The failback function of this region; the operator CLI sends approvals to it.',
    });
    new CfnOutput(this, 'OrchestratorFunctionName', {
      value: this.orchestrator.function.functionName,
      description: 'The orchestrator of this region; the operator CLI invokes it for a manual failover.',
    });
  }

  /**
   * What a function that changes routing at the carriers needs: incidents and number states, this
   * region's topic, and the carriers' secrets (by name; Secrets Manager appends a 6-character suffix).
   */
  private grantCarrierWork(fn: IFunction, config: Config): void {
    this.incidentTable.grantIncidentReadWrite(fn);
    this.alerts.grantPublish(fn);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: Object.values(config.carriers).map((carrier) =>
          this.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${carrier.secretName}-??????`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );
  }

  /** The failback function: every minute and on approval; restores numbers in checked waves. */
  private addFailback(config: Config, props: WatchdogStackProps): WatchdogFunction {
    const environment: FailbackEnvironment = {
      DEPLOYMENT_NAME: config.deployment,
      TABLE_NAME: props.tableName,
      ALERT_TOPIC_ARN: this.alerts.topic.topicArn,
      POWERTOOLS_SERVICE_NAME: 'failback',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    const failback = new WatchdogFunction(this, 'Failback', {
      handler: 'failback',
      functionName: failbackFunctionName(config.deployment),
      description: `Brings ${config.deployment} numbers home in checked waves`,
      environment,
      deploymentFiles: props.deploymentFiles,
      timeout: Duration.minutes(5),
      retryAttempts: 0,
    });
    this.grantCarrierWork(failback.function, config);
    new Rule(this, 'FailbackSchedule', {
      description: 'Advances failback every minute (waits, health checks, waves)',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [
        new LambdaFunction(failback.function, { retryAttempts: 0, maxEventAge: Duration.seconds(60) }),
      ],
    });
    this.addFunctionAlarms('Failback', failback);
    return failback;
  }

  /**
   * The probe: every minute, probing every probeIntervalSeconds within it. It writes observations and
   * site health only, and invokes only this region's orchestrator. A SiteDown alarm per site (its
   * name is fixed, Route 53 health checks find it by name) and a heartbeat alarm watch it.
   */
  private addProbe(config: Config, props: WatchdogStackProps): WatchdogFunction {
    const environment: ProbeEnvironment = {
      DEPLOYMENT_NAME: config.deployment,
      TABLE_NAME: props.tableName,
      ALERT_TOPIC_ARN: this.alerts.topic.topicArn,
      POWERTOOLS_SERVICE_NAME: 'probe',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ORCHESTRATOR_FUNCTION_NAME: orchestratorFunctionName(config.deployment),
      WATCHDOG_REGIONS: config.watchdogRegions.join(','),
      PROBE_WINDOW_SECONDS: '55',
    };
    const probe = new WatchdogFunction(this, 'Probe', {
      handler: 'probe',
      description: `Probes ${config.deployment} sites from ${this.region} and decides by quorum`,
      environment,
      deploymentFiles: props.deploymentFiles,
      timeout: Duration.seconds(60),
      retryAttempts: 0,
    });
    this.incidentTable.grantObservationWrites(probe.function);
    probe.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.functionArn(orchestratorFunctionName(config.deployment))],
      }),
    );
    new Rule(this, 'ProbeSchedule', {
      description: 'Starts the probe every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(probe.function, { retryAttempts: 0, maxEventAge: Duration.seconds(60) })],
    });
    this.addFunctionAlarms('Probe', probe);

    const action = new SnsAction(this.alerts.topic);
    const heartbeat = new Alarm(this, 'ProbeHeartbeat', {
      alarmDescription: `The probe in ${this.region} stopped reporting: this region no longer watches the sites`,
      metric: new Metric({
        namespace: METRIC_NAMESPACE,
        metricName: PROBE_METRICS.probeHeartbeat.name,
        dimensionsMap: regionDimensions(config.deployment, this.region),
        statistic: Stats.SUM,
        period: Duration.minutes(1),
      }),
      threshold: 1,
      evaluationPeriods: 3,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
    });
    heartbeat.addAlarmAction(action);
    heartbeat.addOkAction(action);
    for (const site of config.sites) {
      const alarm = new Alarm(this, `SiteDown-${site.id}`, {
        alarmName: siteDownAlarmName(config.deployment, site.id, this.region),
        alarmDescription: `${site.id} is down by quorum, as the probe in ${this.region} decides`,
        metric: new Metric({
          namespace: METRIC_NAMESPACE,
          metricName: PROBE_METRICS.siteDown.name,
          dimensionsMap: siteRegionDimensions(config.deployment, site.id, this.region),
          statistic: Stats.MAXIMUM,
          period: Duration.minutes(1),
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // A silent probe is the heartbeat alarm's news; keep the site's last known state.
        treatMissingData: TreatMissingData.IGNORE,
      });
      // Primary sites alert through their incident (one alert per state change, not one per region);
      // standby sites are only watched, so their alarm is the alert.
      if (site.role === 'standby') alarm.addAlarmAction(action);
    }
    return probe;
  }

  private functionArn(name: string): string {
    return this.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** Errors, throttles and dead letters of a function alarm to the region's topic. */
  private addFunctionAlarms(id: string, watchdog: WatchdogFunction): void {
    const action = new SnsAction(this.alerts.topic);
    const alarms = [
      new Alarm(this, `${id}Errors`, {
        alarmDescription: `${id} function failed (see its log group)`,
        metric: watchdog.function.metricErrors({ period: Duration.minutes(1) }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, `${id}Throttles`, {
        alarmDescription: `${id} function was throttled`,
        metric: watchdog.function.metricThrottles({ period: Duration.minutes(1) }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, `${id}DeadLetters`, {
        alarmDescription: `${id} dropped an asynchronous invocation into its dead-letter queue`,
        metric: watchdog.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    ];
    for (const alarm of alarms) alarm.addAlarmAction(action);
  }
}
