/**
 * `carrier-failover arm [--site ID]`: sets each planned number's carrier-native fallback (forward on
 * failure to its plan destination) ahead of any outage, so the carrier fails calls over even when
 * nothing of ours can run. Runs from the operator's machine, credentials from the environment, at
 * the config's rate limits, with a progress bar on a terminal.
 */
import { carrierLimitsFromConfig } from '../../../../lambdas/composition/forward-run';
import type { CarrierName } from '../../../../lambdas/contracts/config/schema';
import { type ArmResult, type ArmSummary, armFallbacks } from '../../../../lambdas/domain/forwarding/pre-arm';
import { systemClock } from '../../../../lambdas/runtime/system-clock';
import { carrierExitCode, openCarrierSession } from '../support/carrier-session';
import type { CommandHandler } from '../support/command-context';
import { ExitCode } from '../support/exit-codes';
import { formatTable, type Progress } from '../support/output';

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
  context.out.info(`Arming the carrier fallback of ${entries.length} numbers of ${scope}...`);
  progress = context.out.progress(entries.length, 'Arming');
  let summary: ArmSummary;
  try {
    summary = await armFallbacks({
      entries,
      carriers: session.carriers,
      clock: systemClock,
      random: Math.random,
      limits: carrierLimitsFromConfig(config.carriers),
    });
    progress.update(entries.length);
  } finally {
    progress.stop();
  }

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
  };
  context.out.result(result, () => renderArm(result, scope));
  const unsuccessful = summary.failed + summary.pending;
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
  const lines = [
    `Carrier fallback of ${scope}: ${result.armed + result.alreadyArmed} of ${result.total} numbers armed`,
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
  return lines.join('\n');
}
