import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { ConfigError } from '../../lambdas/contracts/config/config-error';
import { loadConfig } from '../../lib/config/load-config';

export const EXAMPLE_CONFIG = resolve(__dirname, '../../config/example.yaml');
export const EXAMPLE_PLAN = resolve(__dirname, '../../config/numbers.csv');

/** The example config as a plain object, to mutate in a test. */
// biome-ignore lint/suspicious/noExplicitAny: tests reach into the parsed YAML freely to break it.
export function exampleConfigObject(): Record<string, any> {
  return parse(readFileSync(EXAMPLE_CONFIG, 'utf8'));
}

/**
 * Writes a config (object or raw YAML text) and a plan (default: the example plan) into a fresh
 * temporary folder and returns the config's path.
 */
export function writeDeploymentFiles(config: Record<string, unknown> | string, plan?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'carrier-failover-config-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, typeof config === 'string' ? config : stringify(config));
  writeFileSync(join(dir, 'numbers.csv'), plan ?? readFileSync(EXAMPLE_PLAN, 'utf8'));
  return configPath;
}

/**
 * The problems loading `config` (written as a deployment's files) gives, each without its `<file>: `
 * prefix; empty when it loads.
 */
export function configProblemsOf(config: Record<string, unknown>): string[] {
  const configPath = writeDeploymentFiles(config);
  try {
    loadConfig(configPath);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((problem) => problem.replace(`${configPath}: `, ''));
  }
}
