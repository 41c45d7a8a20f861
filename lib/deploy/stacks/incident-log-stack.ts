import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { IncidentTable } from '../constructs/incident-table';
import { ObservationTable } from '../constructs/observation-table';

export interface IncidentLogStackProps extends StackProps {
  readonly tableName: string;
  /** The observation table's name (`<deployment>-observations`). */
  readonly observationTableName: string;
  /** All watchdog regions; the stack's region is the home replica. */
  readonly regions: readonly string[];
}

/**
 * The home region's stack: the incident table and the observation table, each replicated to every
 * watchdog region. Two tables because the incident table is strongly consistent where the regions
 * allow it, and such a table cannot have the TTL that observations need.
 */
export class IncidentLogStack extends Stack {
  readonly incidentTable: IncidentTable;
  readonly observationTable: ObservationTable;

  constructor(scope: Construct, id: string, props: IncidentLogStackProps) {
    super(scope, id, props);
    this.incidentTable = new IncidentTable(this, 'IncidentTable', {
      tableName: props.tableName,
      regions: props.regions,
    });
    this.observationTable = new ObservationTable(this, 'ObservationTable', {
      tableName: props.observationTableName,
      regions: props.regions,
    });
    new CfnOutput(this, 'IncidentTableName', {
      value: this.incidentTable.table.tableName,
      description:
        'The incident log global table (same name in every watchdog region); the operator CLI reads it.',
    });
    new CfnOutput(this, 'IncidentTableConsistency', { value: this.incidentTable.consistency });
    new CfnOutput(this, 'ObservationTableName', {
      value: this.observationTable.table.tableName,
      description:
        'The probe observations global table (same name in every watchdog region, eventually consistent, TTL on expiresAt); `observations export` reads it.',
    });
  }
}
