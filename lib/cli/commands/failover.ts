/**
 * `carrier-failover failover --site ID --reason TEXT [--yes]`: a manual failover. Sends the
 * orchestrator of the first watchdog region that answers a failover event (asynchronously, as a
 * probe that tripped would) and prints the incident it opens or joins.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb/incident-store';
import { outageIncidentId } from '../../../lambdas/domain/orchestration/run-failover';
import { type FailoverEvent, failoverEventSchema } from '../../../lambdas/runtime/events/orchestrator-event';
import { CliError } from '../cli-error';
import type { CommandHandler } from '../command-context';
import { deploymentNames } from '../deployment-names';
import { ExitCode } from '../exit-codes';

export interface FailoverArgs {
  site: string;
  reason: string;
  /** Skip the confirmation. */
  yes: boolean;
  /** Who asks; defaults to the login name. */
  operator?: string;
}

/** The `--json` result. */
export interface FailoverResult {
  siteId: string;
  incidentId: string;
  /** True when the site already had an open incident, which the orchestrator joins. */
  joinsOpenIncident: boolean;
  incidentStatus: string | null;
  region: string;
  functionName: string;
  numbers: number;
  operator: string;
  reason: string;
  event: FailoverEvent;
}

/** The failover event's `reason` limit (failoverEventSchema). */
const MAX_REASON_LENGTH = 500;

/**
 * Validates the request, reads the site's open incident (to name the incident the orchestrator
 * will work), asks for confirmation unless --yes, then invokes the orchestrator with
 * InvocationType Event. The event is built once, so a retry in another region names the same
 * outage and the orchestrator joins rather than opening a second incident.
 */
export const runFailover: CommandHandler<FailoverArgs> = async (args, context) => {
  const site = context.site(args.site, { role: 'primary' });
  const reason = args.reason.trim();
  if (reason === '' || reason.length > MAX_REASON_LENGTH) {
    throw new CliError(
      ExitCode.invalid,
      `--reason: expected 1-${MAX_REASON_LENGTH} characters saying why, got ${reason.length}`,
    );
  }
  const operator = context.operatorName(args.operator);
  const { config, plan } = context.deployment();
  const numbers = plan.filter((entry) => entry.siteId === site.id).length;
  const aws = await context.aws();
  const active = await aws.dynamo(({ documentClient, tableName }) =>
    new DynamoDbIncidentStore(documentClient, tableName).getActive(site.id),
  );

  if (!args.yes) {
    if (!context.io.interactive) {
      throw new CliError(
        ExitCode.invalid,
        `refusing to fail over ${site.id} without confirmation: there is no terminal to ask on; add --yes to confirm`,
      );
    }
    const what = active
      ? `${site.id} already has open incident ${active.id} (${active.status}); the orchestrator will join it.`
      : `This forwards ${numbers} numbers of ${site.id} at their carriers to the backup destinations.`;
    const answer = await context.io.ask(`${what}\nFail over ${site.id} now? [y/N] `);
    if (!/^y(es)?$/i.test(answer?.trim() ?? '')) {
      throw new CliError(ExitCode.aborted, `aborted: no failover of ${site.id} was requested`);
    }
  }

  const now = context.io.now();
  const functionName = deploymentNames.orchestratorFunction(config.deployment);
  const sent = await aws.lambda(async ({ region, client }) => {
    const event = failoverEventSchema.parse({
      action: 'failover',
      siteId: site.id,
      outageStartedAt: now,
      detectedAt: now,
      regions: [region],
      trigger: { type: 'operator', region, name: operator },
      failureKind: 'site-unreachable',
      reason,
    } satisfies FailoverEvent);
    const response = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    if (response.StatusCode !== 202) {
      throw new CliError(
        ExitCode.unreachable,
        `Lambda did not queue the failover event for ${functionName} in ${region} (HTTP ${response.StatusCode}); retry, or pick another region with --region`,
      );
    }
    return { region, event };
  });

  const result: FailoverResult = {
    siteId: site.id,
    incidentId: active?.id ?? outageIncidentId(site.id, now),
    joinsOpenIncident: active !== undefined,
    incidentStatus: active?.status ?? null,
    region: sent.region,
    functionName,
    numbers,
    operator,
    reason,
    event: sent.event,
  };
  context.out.result(result, () =>
    [
      `Failover of ${site.id} requested from ${sent.region} by ${operator} (${functionName}).`,
      result.joinsOpenIncident
        ? `It joins open incident ${result.incidentId} (${result.incidentStatus}).`
        : `Incident: ${result.incidentId} (${numbers} numbers to forward).`,
      'Follow it with:',
      `  ${context.commandLine('status')}`,
      `  ${context.commandLine(`incidents show ${result.incidentId}`)}`,
    ].join('\n'),
  );
  return ExitCode.ok;
};
