/**
 * `carrier-failover failover --site ID --reason TEXT [--yes]`: a manual failover. Sends the
 * orchestrator of the first watchdog region that answers a failover event (asynchronously, as a
 * probe that tripped would) and prints the incident it opens or joins.
 *
 * `carrier-failover failover --site ID --dry-run`: what that failover would do, read from the
 * carriers (credentials from the environment) and nothing written anywhere: no carrier write, no
 * incident, no AWS call at all.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { forwardRequestProblem } from '../../../../lambdas/adapters/carriers/carrier-access';
import { DynamoDbIncidentStore } from '../../../../lambdas/adapters/dynamodb/incident-store';
import { routeCallsFromConfig } from '../../../../lambdas/composition/failover-routes';
import { carrierLimitsFromConfig } from '../../../../lambdas/composition/forward-run';
import { CARRIER_NAMES } from '../../../../lambdas/contracts/config/config-constants';
import { failoverModeOf, siteRoutesOf } from '../../../../lambdas/contracts/config/site-routes';
import { deploymentNames } from '../../../../lambdas/contracts/deployment-names';
import {
  type FailoverEvent,
  failoverEventSchema,
} from '../../../../lambdas/contracts/events/orchestrator-event';
import { outageIncidentId } from '../../../../lambdas/domain/orchestration/run-failover';
import { type FailoverPreview, previewFailover } from '../../../../lambdas/domain/practice/preview-failover';
import { estimateRouteShares } from '../../../../lambdas/domain/routes/route-estimate';
import { systemClock } from '../../../../lambdas/runtime/system-clock';
import { carrierExitCode, openCarrierSession } from '../support/carrier-session';
import { CliError } from '../support/cli-error';
import type { CommandContext, CommandHandler } from '../support/command-context';
import { ExitCode } from '../support/exit-codes';
import { formatTable, type Progress } from '../support/output';

export interface FailoverArgs {
  site: string;
  /** Why; required unless `dryRun`. */
  reason?: string;
  /** Skip the confirmation. */
  yes: boolean;
  /** Who asks; defaults to the login name. */
  operator?: string;
  /** Only show what would happen: read the carriers, write nothing, open no incident. */
  dryRun?: boolean;
}

/** The `--dry-run --json` result. */
export interface FailoverDryRunResult extends FailoverPreview {
  siteId: string;
  dryRun: true;
  total: number;
  /** What each of the site's routes would carry, or why it carries none. */
  routeNotes: string[];
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
  if (args.dryRun) return runDryRun(site.id, context);
  if (args.reason === undefined) {
    throw new CliError(
      ExitCode.invalid,
      "required option '--reason <text>' not specified (or add --dry-run)",
    );
  }
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

/**
 * The dry run: every number of the site read at its carrier, at the config's rate limits, and what
 * a failover would do to it. Exit 0 when every number would be forwarded or skipped cleanly, 5 when
 * some would fail (listed), 4/3 when the carriers refused the credentials or could not be reached.
 */
async function runDryRun(siteId: string, context: CommandContext): Promise<number> {
  const { config } = context.deployment();
  const entries = context.planEntries(siteId);
  let progress: Progress | undefined;
  const session = await openCarrierSession(config.carriers, entries, {
    env: context.io.env,
    onProgress: (done) => progress?.update(done),
  });
  context.out.info(
    `Dry run: reading the routing of ${entries.length} numbers of ${siteId}; nothing is written...`,
  );
  const site = config.sites.find((candidate) => candidate.id === siteId);
  // The routes are read (audit, nothing changed) to know what they would carry.
  const routes = await estimateRouteShares({
    routes: site ? siteRoutesOf(site) : [],
    entries,
    carriers: session.carriers,
    routeCall: routeCallsFromConfig(config.carriers, systemClock),
    clock: systemClock,
  });
  progress = context.out.progress(entries.length, 'Reading');
  let preview: FailoverPreview;
  try {
    preview = await previewFailover({
      entries,
      carriers: session.carriers,
      routes: routes.shares,
      perNumberCarriers: site
        ? CARRIER_NAMES.filter((carrier) => failoverModeOf(site, carrier) === 'per-number')
        : [],
      validate: forwardRequestProblem,
      clock: systemClock,
      random: Math.random,
      limits: carrierLimitsFromConfig(config.carriers),
    });
    progress.update(entries.length);
  } finally {
    progress.stop();
  }
  const result: FailoverDryRunResult = {
    siteId,
    dryRun: true,
    total: entries.length,
    ...preview,
    routeNotes: routes.notes,
  };
  context.out.result(result, () =>
    renderDryRun(result, context.commandLine(`failover --site ${siteId} --reason "..."`)),
  );
  return carrierExitCode(session, { unsuccessful: preview.problems.length, total: entries.length }, (line) =>
    context.out.info(line),
  );
}

function renderDryRun(result: FailoverDryRunResult, command: string): string {
  const lines = [
    `Dry run of a failover of ${result.siteId}: ${result.total} numbers, ${result.toForward} would be forwarded, ` +
      `${result.skipped} skipped, ${result.problems.length} with problems. Nothing was written and no incident opened.`,
    '',
    formatTable(
      ['NUMBER', 'CARRIER', 'FROM', 'TO', 'NOTE'],
      result.numbers.map((number) => [
        number.number,
        number.carrier,
        number.from ?? '(unread)',
        number.action === 'forward' ? number.to : number.action === 'skip' ? '(skipped)' : '(would fail)',
        number.reason ?? '',
      ]),
    ),
  ];
  if (result.byCarrier.length > 0) {
    lines.push(
      '',
      `Estimated duration at the carriers' rate limits: ${formatSeconds(result.estimatedMs)} (carriers in parallel)`,
      ...result.byCarrier.map(
        (estimate) =>
          `  ${estimate.carrier} (${estimate.mode}): ${estimate.numbers} numbers, ${estimate.requests} requests at ${estimate.rateLimitPerSecond}/s: ${formatSeconds(estimate.estimatedMs)}` +
          ` (${estimate.carriedByRoute} by the route; ${estimate.pages} routing pages, ${estimate.singleReads} single reads, ${estimate.writeCalls} writes)`,
      ),
    );
  }
  if (result.routeNotes.length > 0) {
    lines.push('', 'Routes:', ...result.routeNotes.map((note) => `  ${note}`));
  }
  if (result.problems.length > 0) {
    lines.push('', 'Problems a failover would meet:', ...result.problems.map((problem) => `  - ${problem}`));
  }
  lines.push('', `To fail over for real: ${command}`);
  return lines.join('\n');
}

function formatSeconds(ms: number): string {
  return ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}
