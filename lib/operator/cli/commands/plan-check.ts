/** `carrier-failover plan check [FILE]`: validates a forwarding plan against the --config config. */
import { resolve } from 'node:path';
import { ConfigError } from '../../../../lambdas/contracts/config/config-error';
import { loadConfig, loadPlan } from '../../../config/load-config';
import type { CommandHandler } from '../support/command-context';
import { ExitCode } from '../support/exit-codes';
import { carriersTable, countPlan, type PlanCounts, sitesTable } from '../support/plan-summary';

export interface PlanCheckArgs {
  /** The plan CSV to check; the one the config names when absent. */
  file?: string;
}

/** The `--json` result. */
export interface PlanCheckResult {
  valid: true;
  planFile: string;
  configFile: string;
  numbers: PlanCounts;
}

/**
 * Checks every row of the plan (E.164 numbers, configured carriers, primary sites, duplicates) with
 * the parser synth uses; every bad row is reported with its line number (ConfigError, exit 1).
 */
export const runPlanCheck: CommandHandler<PlanCheckArgs> = async (args, context) => {
  const configPath = resolve(context.globals.config);
  const config = loadConfig(configPath);
  const planPath = args.file !== undefined ? resolve(args.file) : context.planPathOf(configPath, config);
  const { entries, problems } = loadPlan(planPath, config);
  if (problems.length > 0) throw new ConfigError(problems);
  const numbers = countPlan(config, entries);
  const result: PlanCheckResult = {
    valid: true,
    planFile: context.displayPath(planPath),
    configFile: context.displayPath(configPath),
    numbers,
  };
  context.out.result(result, () =>
    [
      `${result.planFile} is valid for ${config.deployment} (${result.configFile}): ${numbers.total} numbers`,
      '',
      carriersTable(numbers),
      '',
      sitesTable(config, numbers),
    ].join('\n'),
  );
  return ExitCode.ok;
};
