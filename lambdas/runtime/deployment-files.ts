import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canariesOf } from '../contracts/config/canaries';
import { CARRIER_NAMES } from '../contracts/config/config-constants';
import { ConfigError } from '../contracts/config/config-error';
import { parseForwardingPlan } from '../contracts/config/forwarding-plan';
import type { PlanEntry } from '../contracts/config/plan-entry';
import type { Config } from '../contracts/config/schema';
import { DEPLOYMENT_FILES } from '../contracts/deployment-files';

/** The config and the plan a function works with. */
export interface DeploymentFiles {
  config: Config;
  plan: PlanEntry[];
}

/**
 * Reads the deployment files under `dir`; the plan is parsed and checked against the config (its
 * parser imports no zod). Throws ConfigError listing every problem.
 */
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
 * Reads only the config under `dir`, for a function that never reads the plan (the probe): its
 * bundle then leaves out the plan's CSV parser.
 *
 * The file is taken as the validated {@link Config} without parsing it again: synth writes it
 * (lib/deploy/constructs/watchdog-function.ts) from the output of the full schema
 * (lib/config/load-config.ts), defaults filled in, into the same asset as this code, so it cannot
 * change without the code changing too. Validating it again here would put zod's classic API, which
 * does not tree-shake, in every bundle. The guard below only turns a missing, unreadable or non-object
 * file (a packaging mistake) into a clear error at cold start.
 */
export function readDeploymentConfig(dir: string): Config {
  const configPath = join(dir, DEPLOYMENT_FILES.config);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (error) {
    throw new ConfigError([
      `${configPath}: expected the deployment config written at synth beside the code: ${(error as Error).message}`,
    ]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`${configPath}: expected the deployment config as a JSON object`]);
  }
  return parsed as Config;
}
