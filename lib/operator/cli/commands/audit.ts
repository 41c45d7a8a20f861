/**
 * `carrier-failover audit [--site ID] [--expect armed|normal|forwarded]`: the drift report. Reads
 * back each site's routes in native or switch mode (kept for the failover, naming every number the
 * carrier would not route by them), then every planned number's routing at its carrier, and lists
 * each one that differs from what the plan expects now: by default its pre-armed fallback (`armed`;
 * a number an armed native route carries is expected to have no forwarding of its own); `forwarded`
 * during an incident; `normal` when only "no forwarding left on" matters. Changes nothing at the
 * carriers; credentials from the environment.
 */
import { carrierLimitsFromConfig } from '../../../../lambdas/composition/forward-run';
import {
  type AuditReport,
  auditRouting,
  type RoutingExpectation,
} from '../../../../lambdas/domain/forwarding/drift-audit';
import { describeRouting } from '../../../../lambdas/domain/forwarding/pre-arm';
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

export interface AuditArgs {
  site?: string;
  expect: RoutingExpectation;
}

/** The `--json` result. */
export interface AuditCommandResult extends AuditReport {
  siteId: string | null;
  total: number;
  /** True when every route is ready, every number was read and none drifted. */
  clean: boolean;
  /** The routes read back. */
  routes: RouteResults;
  /** The routing baseline taken after the audit, one row a site and carrier. */
  baseline: BaselineResult[];
}

/** Audits the selected numbers; exit 0 when clean, 5 on drift or unread numbers (4/3 for credentials/unreachable). */
export const runAudit: CommandHandler<AuditArgs> = async (args, context) => {
  const { config } = context.deployment();
  const entries = context.planEntries(args.site);
  const scope = args.site ?? 'every site';
  let progress: Progress | undefined;
  const session = await openCarrierSession(config.carriers, entries, {
    env: context.io.env,
    onProgress: (done) => progress?.update(done),
  });
  context.out.info(
    `Reading the routing of ${entries.length} numbers of ${scope} (expecting ${args.expect})...`,
  );
  const reading = await readRoutesForCommand(config, entries, args.site, 'audit', session, context);
  const carried = (entry: (typeof entries)[number]) =>
    reading.carriedByNative.has(`${entry.siteId}|${entry.number}`);
  progress = context.out.progress(entries.length, 'Auditing');
  let report: AuditReport;
  try {
    const audit = (selected: typeof entries, expect: RoutingExpectation) =>
      auditRouting({
        entries: selected,
        carriers: session.carriers,
        expect,
        clock: systemClock,
        random: Math.random,
        limits: carrierLimitsFromConfig(config.carriers),
      });
    // Numbers an armed native route carries need no fallback of their own: expected normal.
    const [own, byRoute] = await Promise.all([
      audit(
        entries.filter((entry) => args.expect !== 'armed' || !carried(entry)),
        args.expect,
      ),
      audit(
        entries.filter((entry) => args.expect === 'armed' && carried(entry)),
        'normal',
      ),
    ]);
    report = {
      expect: args.expect,
      checked: own.checked + byRoute.checked,
      drifted: [...own.drifted, ...byRoute.drifted],
      unreadable: [...own.unreadable, ...byRoute.unreadable],
      notChecked: [...own.notChecked, ...byRoute.notChecked],
    };
    progress.update(entries.length);
  } finally {
    progress.stop();
  }
  // After the audit, not beside it: the two would share each carrier's rate limit.
  const baseline = await refreshBaselineForCommand(config, entries, session, context);
  const unread = report.unreadable.length + report.notChecked.length;
  const result: AuditCommandResult = {
    siteId: args.site ?? null,
    total: entries.length,
    clean: report.drifted.length === 0 && unread === 0 && reading.unsuccessful === 0,
    ...report,
    routes: reading.results,
    baseline: baseline.results,
  };
  context.out.result(result, () => renderAudit(result, scope));
  if (reading.authFailure) {
    context.out.info(`carrier-failover: ${reading.authFailure.message}`);
    return ExitCode.credentials;
  }
  return carrierExitCode(
    session,
    // A baseline not kept only costs reads during an outage: said in the output, not drift.
    { unsuccessful: report.drifted.length + unread + reading.unsuccessful, total: entries.length },
    (line) => context.out.info(line),
  );
};

function renderAudit(result: AuditCommandResult, scope: string): string {
  const lines = [
    ...(result.routes.routes.length > 0
      ? [`Routes of ${scope}:`, ...renderRouteResults(result.routes), '']
      : []),
    `Routing of ${scope} against the plan (expecting ${result.expect}): ${result.checked} of ${result.total} numbers read, ` +
      `${result.drifted.length} drifted, ${result.unreadable.length} unreadable, ${result.notChecked.length} not checked`,
  ];
  if (result.drifted.length > 0) {
    lines.push(
      '',
      formatTable(
        ['NUMBER', 'CARRIER', 'NOW', 'DRIFT'],
        result.drifted.map((drift) => [
          drift.number,
          drift.carrier,
          describeRouting(drift.actual),
          drift.reason,
        ]),
      ),
    );
  }
  if (result.unreadable.length > 0) {
    lines.push(
      '',
      formatTable(
        ['NUMBER', 'UNREADABLE BECAUSE'],
        result.unreadable.map((failure) => [failure.number, failure.reason]),
      ),
    );
  }
  if (result.baseline.length > 0) lines.push('', ...renderBaselineResults(result.baseline));
  if (result.clean) lines.push('No drift.');
  return lines.join('\n');
}
