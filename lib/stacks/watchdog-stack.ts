import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Config } from '../config/schema';
import { AlertTopic } from '../constructs/alert-topic';
import { IncidentTableReplica } from '../constructs/incident-table-replica';

export interface WatchdogStackProps extends StackProps {
  readonly config: Config;
  /** The incident table's name (its replica in this region is used). */
  readonly tableName: string;
}

/**
 * One watchdog region: its alert topic and its view of the incident table. The probe, orchestrator
 * and failback functions of this region are added here, each granted only what it needs.
 */
export class WatchdogStack extends Stack {
  readonly alerts: AlertTopic;
  readonly incidentTable: IncidentTableReplica;

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
    new CfnOutput(this, 'AlertTopicArn', {
      value: this.alerts.topic.topicArn,
      description: 'The alert topic of this watchdog region.',
    });
  }
}
