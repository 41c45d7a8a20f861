/** `carrier-failover incidents show ID [--format markdown|json]`: the post-incident report. */
import { DynamoDbForwardingStateStore } from '../../../../lambdas/adapters/dynamodb/forwarding-state-store';
import { DynamoDbIncidentStore } from '../../../../lambdas/adapters/dynamodb/incident-store';
import { buildIncidentReport, renderIncidentReportMarkdown } from '../../report/incident-report';
import { CliError } from '../support/cli-error';
import type { CommandHandler } from '../support/command-context';
import { ExitCode } from '../support/exit-codes';

export interface IncidentsShowArgs {
  incidentId: string;
  format: 'markdown' | 'json';
}

/**
 * Reads the incident, its timeline and its numbers and prints the report: Markdown by default,
 * buildIncidentReport's data with `--format json` (or --json). An unknown id exits 2.
 */
export const runIncidentsShow: CommandHandler<IncidentsShowArgs> = async (args, context) => {
  const aws = await context.aws();
  const report = await aws.dynamo(async ({ region, documentClient, tableName }) => {
    const store = new DynamoDbIncidentStore(documentClient, tableName);
    const incident = await store.get(args.incidentId);
    if (!incident) {
      throw new CliError(
        ExitCode.notFound,
        `unknown incident "${args.incidentId}": not in ${tableName} (read in ${region}); list the incidents with ${context.commandLine('incidents list')}`,
      );
    }
    const [events, numbers] = await Promise.all([
      store.listEvents(incident.id),
      new DynamoDbForwardingStateStore(documentClient, tableName).list(incident.id),
    ]);
    return buildIncidentReport(incident, events, numbers);
  });
  context.out.result(report, renderIncidentReportMarkdown, { json: args.format === 'json' });
  return ExitCode.ok;
};
