/** `carrier-failover incidents note ID (--cause TEXT | --text TEXT)`: adds a line to an incident's timeline. */
import { userInfo } from 'node:os';
import { DynamoDbIncidentStore } from '../../../../lambdas/adapters/dynamodb/incident-store';
import { TIMELINE } from '../../../../lambdas/domain/incidents/timeline';
import { CliError } from '../support/cli-error';
import type { CommandHandler } from '../support/command-context';
import { ExitCode } from '../support/exit-codes';

export interface IncidentsNoteArgs {
  incidentId: string;
  cause?: string;
  text?: string;
  operator?: string;
}

/**
 * Appends an operator's note to the timeline: `--cause` fills the report's "Root Cause of Problem",
 * `--text` is a plain note. Events are append-only; nothing else of the incident changes.
 */
export const runIncidentsNote: CommandHandler<IncidentsNoteArgs> = async (args, context) => {
  const message = (args.cause ?? args.text ?? '').trim();
  if (message === '' || (args.cause !== undefined && args.text !== undefined)) {
    throw new CliError(
      ExitCode.invalid,
      'give exactly one of --cause TEXT (the root cause) or --text TEXT (a note)',
    );
  }
  if (message.length > 2000)
    throw new CliError(ExitCode.invalid, `the note is ${message.length} characters; keep it under 2000`);
  const aws = await context.aws();
  const recorded = await aws.dynamo(async ({ region, documentClient, tableName }) => {
    const store = new DynamoDbIncidentStore(documentClient, tableName);
    const incident = await store.get(args.incidentId);
    if (!incident) {
      throw new CliError(
        ExitCode.notFound,
        `unknown incident "${args.incidentId}": not in ${tableName} (read in ${region}); list the incidents with ${context.commandLine('incidents list')}`,
      );
    }
    const event = {
      incidentId: incident.id,
      at: Date.now(),
      type: args.cause !== undefined ? TIMELINE.cause : TIMELINE.note,
      actor: { type: 'operator' as const, region, name: args.operator ?? userInfo().username },
      message,
    };
    await store.appendEvent(event);
    return event;
  });
  context.out.result(recorded, (event) => `Added to ${event.incidentId}: ${event.type} "${event.message}"`);
  return ExitCode.ok;
};
