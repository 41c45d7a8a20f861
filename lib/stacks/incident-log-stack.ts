import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { IncidentTable } from '../constructs/incident-table';

export interface IncidentLogStackProps extends StackProps {
  readonly tableName: string;
  /** All watchdog regions; the stack's region is the home replica. */
  readonly regions: readonly string[];
}

/** The home region's stack: the incident table, replicated to every watchdog region. */
export class IncidentLogStack extends Stack {
  readonly incidentTable: IncidentTable;

  constructor(scope: Construct, id: string, props: IncidentLogStackProps) {
    super(scope, id, props);
    this.incidentTable = new IncidentTable(this, 'IncidentTable', {
      tableName: props.tableName,
      regions: props.regions,
    });
    new CfnOutput(this, 'IncidentTableName', {
      value: this.incidentTable.table.tableName,
      description:
        'The incident log global table (same name in every watchdog region); the operator CLI reads it.',
    });
    new CfnOutput(this, 'IncidentTableConsistency', { value: this.incidentTable.consistency });
  }
}
