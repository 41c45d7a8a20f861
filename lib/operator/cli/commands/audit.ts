/**
 * `carrier-failover audit [--site ID] [--expect armed|normal|forwarded]`: the drift report. Reads
 * every planned number's routing at its carrier and lists each one that differs from what the plan
 * expects now: by default its pre-armed fallback (`armed`); `forwarded` during an incident; `normal`
 * when only "no forwarding left on" matters. Read-only; credentials from the environment.
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
import { formatTable, type Progress } from '../support/output';

export interface AuditArgs {
  site?: string;
  expect: RoutingExpectation;
}

/** The `--json` result. */
export interface AuditCommandResult extends AuditReport {
  siteId: string | null;
  total: number;
  /** True when every number was read and none drifted. */
  clean: boolean;
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
  progress = context.out.progress(entries.length, 'Auditing');
  let report: AuditReport;
  try {
    report = await auditRouting({
      entries,
      carriers: session.carriers,
      expect: args.expect,
      clock: systemClock,
      random: Math.random,
      limits: carrierLimitsFromConfig(config.carriers),
    });
    progress.update(entries.length);
  } finally {
    progress.stop();
  }
  const unread = report.unreadable.length + report.notChecked.length;
  const result: AuditCommandResult = {
    siteId: args.site ?? null,
    total: entries.length,
    clean: report.drifted.length === 0 && unread === 0,
    ...report,
  };
  context.out.result(result, () => renderAudit(result, scope));
  return carrierExitCode(
    session,
    { unsuccessful: report.drifted.length + unread, total: entries.length },
    (line) => context.out.info(line),
  );
};

function renderAudit(result: AuditCommandResult, scope: string): string {
  const lines = [
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
  if (result.clean) lines.push('No drift.');
  return lines.join('\n');
}
