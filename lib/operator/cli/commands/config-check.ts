/** `carrier-failover config check [FILE]`: validates a config and its plan offline, as synth does. */
import { loadDeployment } from '../../../config/load-config';
import type { CommandHandler } from '../support/command-context';
import { ExitCode } from '../support/exit-codes';
import { carriersTable, countPlan, type PlanCounts, sitesTable } from '../support/plan-summary';

export interface ConfigCheckArgs {
  /** The config to check; the global --config when absent. */
  file?: string;
}

/** The `--json` result. */
export interface ConfigCheckResult {
  valid: true;
  configFile: string;
  planFile: string;
  deployment: string;
  homeRegion: string;
  watchdogRegions: string[];
  quorum: number;
  failbackMode: string;
  sites: { id: string; role: string; sip: number; http: number; numbers: number }[];
  numbers: PlanCounts;
}

/**
 * Loads the config and the plan it names with the loader synth uses, so the problems (a ConfigError,
 * exit 1) are word for word synth's; on success prints what the deployment covers.
 */
export const runConfigCheck: CommandHandler<ConfigCheckArgs> = async (args, context) => {
  const { config, plan, configPath, planPath } = loadDeployment(args.file ?? context.globals.config);
  const numbers = countPlan(config, plan);
  const result: ConfigCheckResult = {
    valid: true,
    configFile: context.displayPath(configPath),
    planFile: context.displayPath(planPath),
    deployment: config.deployment,
    homeRegion: config.homeRegion,
    watchdogRegions: config.watchdogRegions,
    quorum: config.detection.quorum,
    failbackMode: config.failback.mode,
    sites: config.sites.map((site) => ({
      id: site.id,
      role: site.role,
      sip: site.sip.length,
      http: site.http.length,
      numbers: numbers.bySite[site.id] ?? 0,
    })),
    numbers,
  };
  context.out.result(result, () =>
    [
      `${result.configFile} is valid: deployment ${config.deployment}, home region ${config.homeRegion}, ` +
        `watchdog regions ${config.watchdogRegions.join(', ')} (quorum ${config.detection.quorum}), ` +
        `failback ${config.failback.mode}`,
      '',
      sitesTable(config, numbers),
      '',
      `${numbers.total} numbers in ${result.planFile}:`,
      carriersTable(numbers),
    ].join('\n'),
  );
  return ExitCode.ok;
};
