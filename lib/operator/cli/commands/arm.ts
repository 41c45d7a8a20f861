/**
 * `carrier-failover arm [--site ID]`: sets the carriers' own failover ahead of any outage, so calls
 * reach the backup even when nothing of ours can run. First each site's routes in native mode (a
 * trunk's origination priorities, a connection's targets in sequence, a SIP peer's route plan), each
 * read back and kept for the failover; then, for every number no armed route carries, its per-number
 * fallback (forward on failure to its plan destination). Runs from the operator's machine,
 * credentials from the environment, at the config's rate limits, with a progress bar on a terminal.
 */
import { carrierLimitsFromConfig } from '../../../../lambdas/composition/forward-run';
import type { CarrierName } from '../../../../lambdas/contracts/config/schema';
import { type ArmResult, type ArmSummary, armFallbacks } from '../../../../lambdas/domain/forwarding/pre-arm';
import { systemClock } from '../../../../lambdas/runtime/system-clock';
import { carrierExitCode, openCarrierSession } from '../support/carrier-session';
import type { CommandHandler } from '../support/command-context';
import { ExitCode } from '../support/exit-codes';
import { formatTable, type Progress } from '../support/output';
import { type RouteResults, readRoutesForCommand, renderRouteResults } from '../support/route-read-backs';
import {
  type BaselineResult,
  refreshBaselineForCommand,
  renderBaselineResults,
} from '../support/routing-baseline';

export interface ArmArgs {
  site?: string;
}

/** Counts of one carrier's numbers by outcome. */
export type ArmCounts = Record<ArmResult['outcome'], number> & { numbers: number };

/** The `--json` result. */
export interface ArmCommandResult extends ArmSummary {
  siteId: string | null;
  total: number;
  byCarrier: Partial<Record<CarrierName, ArmCounts>>;
  /** The routes armed and read back (native), or read back (switch). */
  routes: RouteResults;
  /** The routing baseline taken once armed, one row a site and carrier. */
  baseline: BaselineResult[];
}

/** Arms every selected number; exit 0 when none failed, 5 when some did (4/3 for credentials/unreachable). */
export const runArm: CommandHandler<ArmArgs> = async (args, context) => {
  const { config } = context.deployment();
  const entries = context.planEntries(args.site);
  const scope = args.site ?? 'every site';
  if (entries.length === 0) {
    context.out.result(emptyResult(args.site), () => `${scope} has no numbers in the plan: nothing to arm.`);
    return ExitCode.ok;
  }
  let progress: Progress | undefined;
  const session = await openCarrierSession(config.carriers, entries, {
    env: context.io.env,
    onProgress: (done) => progress?.update(done),
  });
  const reading = await readRoutesForCommand(config, entries, args.site, 'arm', session, context);
  const perNumber = entries.filter(
    (entry) => !reading.carriedByNative.has(`${entry.siteId}|${entry.number}`),
  );
  context.out.info(
    `Arming the carrier fallback of ${perNumber.length} numbers of ${scope} no route carries...`,
  );
  progress = context.out.progress(perNumber.length, 'Arming');
  let summary: ArmSummary;
  try {
    summary = await armFallbacks({
      entries: perNumber,
      carriers: session.carriers,
      clock: systemClock,
      random: Math.random,
      limits: carrierLimitsFromConfig(config.carriers),
    });
    progress.update(perNumber.length);
  } finally {
    progress.stop();
  }
  // Taken once armed: the routing a failback restores is the armed one.
  const baseline = await refreshBaselineForCommand(config, entries, session, context);

  const byCarrier: Partial<Record<CarrierName, ArmCounts>> = {};
  for (const result of summary.results) {
    const counts = byCarrier[result.carrier] ?? {
      numbers: 0,
      armed: 0,
      'already-armed': 0,
      skipped: 0,
      failed: 0,
      pending: 0,
    };
    byCarrier[result.carrier] = counts;
    counts.numbers += 1;
    counts[result.outcome] += 1;
  }
  const result: ArmCommandResult = {
    siteId: args.site ?? null,
    total: entries.length,
    byCarrier,
    ...summary,
    routes: reading.results,
    baseline: baseline.results,
  };
  context.out.result(result, () => renderArm(result, scope));
  if (reading.authFailure) {
    context.out.info(`carrier-failover: ${reading.authFailure.message}`);
    return ExitCode.credentials;
  }
  // A baseline not kept only costs reads during an outage: said in the output, not a failure.
  const unsuccessful = summary.failed + summary.pending + reading.unsuccessful;
  return carrierExitCode(session, { unsuccessful, total: entries.length }, (line) => context.out.info(line));
};

function emptyResult(siteId: string | undefined): ArmCommandResult {
  return {
    siteId: siteId ?? null,
    total: 0,
    byCarrier: {},
    results: [],
    armed: 0,
    alreadyArmed: 0,
    skipped: 0,
    failed: 0,
    pending: 0,
    retries: 0,
    routes: { routes: [], stored: true },
    baseline: [],
  };
}

function renderArm(result: ArmCommandResult, scope: string): string {
  const counts = Object.entries(result.byCarrier) as [CarrierName, ArmCounts][];
  const table = formatTable(
    ['CARRIER', 'NUMBERS', 'ARMED', 'ALREADY ARMED', 'SKIPPED', 'FAILED', 'PENDING'],
    [
      ...counts.map(([carrier, count]) => [
        carrier,
        String(count.numbers),
        String(count.armed),
        String(count['already-armed']),
        String(count.skipped),
        String(count.failed),
        String(count.pending),
      ]),
      [
        'total',
        String(result.total),
        String(result.armed),
        String(result.alreadyArmed),
        String(result.skipped),
        String(result.failed),
        String(result.pending),
      ],
    ],
  );
  const notable = result.results.filter((item) => ['skipped', 'failed', 'pending'].includes(item.outcome));
  const carried = result.total - result.results.length;
  const lines = [
    ...(result.routes.routes.length > 0
      ? [`Routes of ${scope}:`, ...renderRouteResults(result.routes), '']
      : []),
    `Carrier fallback of ${scope}: ${result.armed + result.alreadyArmed} of ${result.results.length} numbers armed${
      carried > 0 ? ` one by one; ${carried} more carried by armed routes` : ''
    }`,
    '',
    table,
  ];
  if (notable.length > 0) {
    lines.push(
      '',
      formatTable(
        ['NUMBER', 'CARRIER', 'OUTCOME', 'REASON'],
        notable.map((item) => [item.number, item.carrier, item.outcome, item.reason ?? '']),
      ),
    );
  }
  if (result.baseline.length > 0) lines.push('', ...renderBaselineResults(result.baseline));
  return lines.join('\n');
}
