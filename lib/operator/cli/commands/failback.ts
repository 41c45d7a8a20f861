/**
 * `carrier-failover failback --site ID [--approve]`: with --approve, the operator's approval of the
 * site's failback (manual mode); without, one step of failback now instead of at the next minute.
 * Either way the failback function of the first watchdog region that answers runs it synchronously
 * and the outcome is printed.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { deploymentNames } from '../../../../lambdas/contracts/deployment-names';
import { type FailbackEvent, failbackEventSchema } from '../../../../lambdas/contracts/events/failback-event';
import type { FailbackOutcome } from '../../../../lambdas/domain/failback/run-failback';
import type { FailbackResult } from '../../../../lambdas/handlers/failback';
import { CliError } from '../support/cli-error';
import type { CommandContext, CommandHandler } from '../support/command-context';
import { ExitCode } from '../support/exit-codes';

export interface FailbackArgs {
  site: string;
  /** Approve the failback (manual mode) instead of only advancing it. */
  approve: boolean;
  /** Who approves; defaults to the login name. */
  operator?: string;
}

/** The `--json` result. */
export interface FailbackCommandResult {
  siteId: string;
  action: 'approve' | 'tick';
  region: string;
  functionName: string;
  result: FailbackOutcome['result'];
  incidentId: string | null;
  incidentStatus: string | null;
  detail: string | null;
  /** What the operator can do next. */
  next: string | null;
}

/** The failback function's timeout (lib/deploy/stacks/watchdog-stack.ts) plus a margin: how long to wait for it. */
const FAILBACK_WAIT_MS = 5 * 60_000 + 30_000;

/** Outcomes that need someone's attention: the command exits 5 on them. */
const FAILING_RESULTS = new Set<FailbackOutcome['result']>(['halted']);

/** Sends the approve or tick event and reports the site's outcome. */
export const runFailback: CommandHandler<FailbackArgs> = async (args, context) => {
  const site = context.site(args.site, { role: 'primary' });
  const operator = args.approve ? context.operatorName(args.operator) : undefined;
  const { deployment } = context.config();
  const functionName = deploymentNames.failbackFunction(deployment);
  const aws = await context.aws();
  const invoked = await aws.lambda(
    async ({ region, client }) => {
      const event: FailbackEvent = failbackEventSchema.parse(
        operator !== undefined
          ? { action: 'approve', siteId: site.id, approvedBy: { name: operator, region } }
          : { action: 'tick', siteId: site.id },
      );
      context.out.info(`${args.approve ? 'Approving' : 'Advancing'} failback of ${site.id} in ${region}...`);
      const response = await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(event)),
        }),
      );
      return { region, response };
    },
    { requestTimeoutMs: FAILBACK_WAIT_MS },
  );

  const { region, response } = invoked;
  const text = response.Payload ? new TextDecoder().decode(response.Payload) : '';
  if (response.FunctionError) {
    const { errorType, errorMessage } = parseJson<{ errorType?: string; errorMessage?: string }>(text) ?? {};
    throw new CliError(
      ExitCode.partialFailure,
      `the failback function ${functionName} failed in ${region} (${errorType ?? response.FunctionError}: ${errorMessage ?? 'no message'}); see its CloudWatch logs, then retry`,
    );
  }
  const payload = parseJson<FailbackResult>(text);
  if (!payload || (payload.status !== 'ok' && payload.status !== 'rejected')) {
    throw new CliError(
      ExitCode.partialFailure,
      `the failback function ${functionName} in ${region} answered something unexpected: ${text.slice(0, 200) || '(nothing)'}`,
    );
  }
  if (payload.status === 'rejected') {
    throw new CliError(ExitCode.invalid, `the failback function ${functionName} rejected the request`, {
      problems: payload.problems,
    });
  }
  const outcome = payload.sites.find((candidate) => candidate.siteId === site.id);
  if (!outcome) {
    throw new CliError(
      ExitCode.partialFailure,
      `the failback function ${functionName} in ${region} reported no outcome for ${site.id}`,
    );
  }
  if (outcome.result === 'no-incident') {
    throw new CliError(
      ExitCode.notFound,
      `${site.id} has no open incident: nothing to fail back (see ${context.commandLine('incidents list')})`,
    );
  }
  const result: FailbackCommandResult = {
    siteId: site.id,
    action: args.approve ? 'approve' : 'tick',
    region,
    functionName,
    result: outcome.result,
    incidentId: outcome.incident.id,
    incidentStatus: outcome.incident.status,
    detail: 'detail' in outcome ? outcome.detail : null,
    next: nextStep(outcome.result, site.id, context),
  };
  context.out.result(result, () =>
    [
      `${site.id}: ${result.result}${result.detail ? ` (${result.detail})` : ''}`,
      `Incident ${result.incidentId} is ${result.incidentStatus} (failback function in ${region}).`,
      ...(result.next ? [result.next] : []),
    ].join('\n'),
  );
  return FAILING_RESULTS.has(outcome.result) ? ExitCode.partialFailure : ExitCode.ok;
};

/** The advice that goes with an outcome. */
function nextStep(result: FailbackOutcome['result'], siteId: string, context: CommandContext): string | null {
  switch (result) {
    case 'awaiting-recovery':
      return 'Failback starts once the site has been healthy by quorum for the recovery hold.';
    case 'awaiting-approval':
      return `Approve it with: ${context.commandLine(`failback --site ${siteId} --approve`)}`;
    case 'halted':
      return `The remaining numbers stay forwarded. Find out why the site degraded, then approve again: ${context.commandLine(`failback --site ${siteId} --approve`)}`;
    case 'busy':
      return 'Another run is working this incident; check again in a minute.';
    case 'waiting':
    case 'in-progress':
      return `The next waves follow every minute; watch them with: ${context.commandLine('status')}`;
    default:
      return null;
  }
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
