import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../contracts/config/config-error';
import { formatZodIssues } from '../contracts/config/format-issues';
import { parseForwardingPlan } from '../contracts/config/forwarding-plan';
import type { PlanEntry } from '../contracts/config/plan-entry';
import { CARRIER_NAMES, type Config, canariesOf, configSchema } from '../contracts/config/schema';

/**
 * The deployment's validated config and forwarding plan, shipped beside each function's code (not in
 * the template or an environment variable, so neither grows with the plan). Synth writes them; the
 * function reads them once per cold start and validates them again with the same schema.
 */
export const DEPLOYMENT_FILES = { config: 'deployment/config.json', plan: 'deployment/numbers.csv' } as const;

export interface DeploymentFiles {
  config: Config;
  plan: PlanEntry[];
}

/** Reads and validates the deployment files under `dir`; throws ConfigError listing every problem. */
export function readDeploymentFiles(dir: string): DeploymentFiles {
  const config = readDeploymentConfig(dir);
  const planPath = join(dir, DEPLOYMENT_FILES.plan);
  const plan = parseForwardingPlan(readFileSync(planPath, 'utf8'), planPath, {
    carriers: CARRIER_NAMES.filter((name) => config.carriers[name] !== undefined),
    sites: config.sites,
    canaries: canariesOf(config.carriers),
  });
  if (plan.problems.length > 0) throw new ConfigError(plan.problems);
  return { config, plan: plan.entries };
}

/**
 * Reads and validates only the config under `dir`, for a function that never reads the plan (the
 * probe): its bundle then leaves out the plan's CSV parser.
 */
export function readDeploymentConfig(dir: string): Config {
  const configPath = join(dir, DEPLOYMENT_FILES.config);
  const parsed = configSchema.safeParse(JSON.parse(readFileSync(configPath, 'utf8')), { reportInput: true });
  if (!parsed.success) throw new ConfigError(formatZodIssues(configPath, parsed.error.issues));
  return parsed.data;
}
