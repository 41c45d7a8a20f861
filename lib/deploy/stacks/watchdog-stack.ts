import { ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { Config } from '../../../lambdas/contracts/config/schema';
import { testCallSecretNamesOf } from '../../../lambdas/contracts/config/test-call-secrets';
import { deploymentNames } from '../../../lambdas/contracts/deployment-names';
import type { FailbackEnvironment } from '../../../lambdas/contracts/environments/failback-environment';
import type { OrchestratorEnvironment } from '../../../lambdas/contracts/environments/orchestrator-environment';
import type { PracticeEnvironment } from '../../../lambdas/contracts/environments/practice-environment';
import type { ProbeEnvironment } from '../../../lambdas/contracts/environments/probe-environment';
import { DAILY_BASELINE_EVENT, dailyBaselineHourUtc } from '../../../lambdas/contracts/events/practice-event';
import { AlertTopic } from '../constructs/alert-topic';
import { IncidentTableReplica } from '../constructs/incident-table-replica';
import { ObservationTableReplica } from '../constructs/observation-table-replica';
import { OperationsDashboard } from '../constructs/operations-dashboard';
import { type DeploymentFilesDirectory, WatchdogFunction } from '../constructs/watchdog-function';

// The DNS stack finds each region's SiteDown alarm by this name.
export { siteDownAlarmName } from '../constructs/operations-dashboard';

export interface WatchdogStackProps extends StackProps {
  readonly config: Config;
  /** The incident table's name (its replica in this region is used). */
  readonly tableName: string;
  /** The observation table's name (its replica in this region is used, by the probe only). */
  readonly observationTableName: string;
  /** The validated config and plan, shipped with each function's code. */
  readonly deploymentFiles: DeploymentFilesDirectory;
}

/**
 * One watchdog region: its alert topic, its views of the incident and observation tables, its
 * functions, each granted only what it needs, and its operations dashboard with the alarms (on the
 * sites, the heartbeat and the functions' own failures) to the region's topic.
 */
export class WatchdogStack extends Stack {
  readonly alerts: AlertTopic;
  readonly incidentTable: IncidentTableReplica;
  readonly observationTable: ObservationTableReplica;
  readonly orchestrator: WatchdogFunction;
  readonly probe: WatchdogFunction;
  readonly failback: WatchdogFunction;
  /** The weekly practice of the failover path; absent when `practice.enabled` is false. */
  readonly practice?: WatchdogFunction;
  readonly operations: OperationsDashboard;

  constructor(scope: Construct, id: string, props: WatchdogStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.alerts = new AlertTopic(this, 'Alerts', {
      displayName: `${config.deployment}-${this.region}`,
      emails: config.alerts.emails,
      smsNumbers: config.alerts.sms,
      httpsEndpoints: config.alerts.https,
      // Every alarm of a deployment is named `<deployment>-...`: only those may publish to its topic.
      alarmNamePrefix: `${config.deployment}-`,
    });
    this.incidentTable = new IncidentTableReplica(this, 'IncidentTable', { tableName: props.tableName });
    this.observationTable = new ObservationTableReplica(this, 'ObservationTable', {
      tableName: props.observationTableName,
    });

    const orchestratorEnvironment: OrchestratorEnvironment = {
      DEPLOYMENT_NAME: config.deployment,
      TABLE_NAME: props.tableName,
      ALERT_TOPIC_ARN: this.alerts.topic.topicArn,
      POWERTOOLS_SERVICE_NAME: 'orchestrator',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    this.orchestrator = new WatchdogFunction(this, 'Orchestrator', {
      handler: 'orchestrator',
      functionName: deploymentNames.orchestratorFunction(config.deployment),
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
        resources: [this.functionArn(deploymentNames.orchestratorFunction(config.deployment))],
      }),
    );
    this.failback = this.addFailback(config, props);
    this.probe = this.addProbe(config, props);
    this.practice = config.practice.enabled ? this.addPractice(config, props) : undefined;
    this.operations = new OperationsDashboard(this, 'Operations', {
      config,
      alertTopic: this.alerts.topic,
      functions: {
        Probe: this.probe,
        Orchestrator: this.orchestrator,
        Failback: this.failback,
        ...(this.practice ? { Practice: this.practice } : {}),
      },
    });

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
        resources: Object.values(config.carriers).map((carrier) => this.secretArn(carrier.secretName)),
      }),
    );
  }

  /** A secret's ARN by name: Secrets Manager appends a 6-character suffix to every secret's name. */
  private secretArn(secretName: string): string {
    return this.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${secretName}-??????`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
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
      functionName: deploymentNames.failbackFunction(config.deployment),
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
    return failback;
  }

  /**
   * The probe: every minute, probing every probeIntervalSeconds within it. It writes observations (on
   * the observation table) and site health (on the incident table) only, and invokes only this
   * region's orchestrator. The operations dashboard holds its alarms: a SiteDown alarm per site and
   * the heartbeat.
   */
  private addProbe(config: Config, props: WatchdogStackProps): WatchdogFunction {
    const environment: ProbeEnvironment = {
      DEPLOYMENT_NAME: config.deployment,
      TABLE_NAME: props.tableName,
      OBSERVATION_TABLE_NAME: props.observationTableName,
      ALERT_TOPIC_ARN: this.alerts.topic.topicArn,
      POWERTOOLS_SERVICE_NAME: 'probe',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ORCHESTRATOR_FUNCTION_NAME: deploymentNames.orchestratorFunction(config.deployment),
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
    this.observationTable.grantObservationReadWrite(probe.function);
    this.incidentTable.grantSiteHealthReadWrite(probe.function);
    // Test calls answer digest challenges with their own secrets, and read nothing else.
    const callSecrets = testCallSecretNamesOf(config.sites);
    if (callSecrets.length > 0) {
      probe.function.addToRolePolicy(
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: callSecrets.map((name) => this.secretArn(name)),
        }),
      );
    }
    probe.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.functionArn(deploymentNames.orchestratorFunction(config.deployment))],
      }),
    );
    new Rule(this, 'ProbeSchedule', {
      description: 'Starts the probe every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(probe.function, { retryAttempts: 0, maxEventAge: Duration.seconds(60) })],
    });
    return probe;
  }

  /**
   * The practice function: on the config's schedule in every region, but only the region whose week
   * it is runs (the function checks the turn). Besides carrier work on its canaries it may list its
   * own topic's subscriptions and dry-run invoke the other regions' orchestrators, by their fixed name.
   * A second, daily schedule has it read the routing baseline (staggered by region, an hour apart).
   */
  private addPractice(config: Config, props: WatchdogStackProps): WatchdogFunction {
    const environment: PracticeEnvironment = {
      DEPLOYMENT_NAME: config.deployment,
      TABLE_NAME: props.tableName,
      ALERT_TOPIC_ARN: this.alerts.topic.topicArn,
      POWERTOOLS_SERVICE_NAME: 'practice',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      WATCHDOG_REGIONS: config.watchdogRegions.join(','),
      ORCHESTRATOR_FUNCTION_NAME: deploymentNames.orchestratorFunction(config.deployment),
    };
    const practice = new WatchdogFunction(this, 'Practice', {
      handler: 'practice',
      description: `Practices the ${config.deployment} failover path with the canary numbers`,
      environment,
      deploymentFiles: props.deploymentFiles,
      timeout: Duration.minutes(10),
      retryAttempts: 0,
    });
    this.grantCarrierWork(practice.function, config);
    practice.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['sns:ListSubscriptionsByTopic'],
        resources: [this.alerts.topic.topicArn],
      }),
    );
    const otherRegions = config.watchdogRegions.filter((region) => region !== this.region);
    if (otherRegions.length > 0) {
      practice.function.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: otherRegions.map((region) =>
            this.functionArn(deploymentNames.orchestratorFunction(config.deployment), region),
          ),
        }),
      );
    }
    new Rule(this, 'PracticeSchedule', {
      description: 'Starts the weekly practice (the region whose week it is runs it)',
      schedule: Schedule.expression(config.practice.schedule),
      targets: [
        new LambdaFunction(practice.function, { retryAttempts: 0, maxEventAge: Duration.minutes(10) }),
      ],
    });
    // The same function, no further permission: it reads the carriers and writes the incident table.
    const hour = dailyBaselineHourUtc(Math.max(0, config.watchdogRegions.indexOf(this.region)));
    new Rule(this, 'BaselineSchedule', {
      description: `Reads the routing baseline daily at ${hour}:00 UTC unless another region read it within 20 hours`,
      schedule: Schedule.cron({ minute: '0', hour: String(hour) }),
      targets: [
        new LambdaFunction(practice.function, {
          event: RuleTargetInput.fromObject(DAILY_BASELINE_EVENT),
          retryAttempts: 0,
          // The next region's read an hour later is the retry.
          maxEventAge: Duration.hours(1),
        }),
      ],
    });
    return practice;
  }

  private functionArn(name: string, region?: string): string {
    return this.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      ...(region === undefined ? {} : { region }),
    });
  }
}
