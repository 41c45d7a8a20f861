import { ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { OrchestratorEnvironment } from '../../lambdas/runtime/environments/orchestrator-environment';
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
    this.grantOrchestrator(config);
    this.addFunctionAlarms('Orchestrator', this.orchestrator);

    new CfnOutput(this, 'AlertTopicArn', {
      value: this.alerts.topic.topicArn,
      description: 'The alert topic of this watchdog region.',
    });
    new CfnOutput(this, 'OrchestratorFunctionName', {
      value: this.orchestrator.function.functionName,
      description: 'The orchestrator of this region; the operator CLI invokes it for a manual failover.',
    });
  }

  /** Incidents and number states, this topic, its own re-invocation, and the carriers' secrets: nothing else. */
  private grantOrchestrator(config: Config): void {
    const fn = this.orchestrator.function;
    this.incidentTable.grantIncidentReadWrite(fn);
    this.alerts.grantPublish(fn);
    // Its name is fixed, so the ARN for re-invoking itself needs no reference to the function (a cycle).
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.functionArn(orchestratorFunctionName(config.deployment))],
      }),
    );
    const secretNames = Object.values(config.carriers).map((carrier) => carrier.secretName);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        // Secrets Manager appends a random 6-character suffix to every secret ARN.
        resources: secretNames.map((name) =>
          this.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${name}-??????`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );
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
