import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../../lambdas/contracts/config/config-error';
import { formatZodIssues } from '../../lambdas/contracts/config/format-issues';
import { type ParsedPlan, parseForwardingPlan } from '../../lambdas/contracts/config/forwarding-plan';
import type { PlanEntry } from '../../lambdas/contracts/config/plan-entry';
import { CARRIER_NAMES, type Config, canariesOf, configSchema } from '../../lambdas/contracts/config/schema';

/** The embedded default config: the example deployment that synthesizes and drills out of the box. */
export const DEFAULT_CONFIG_PATH = resolve(__dirname, '../../config/example.yaml');

/** A validated config together with its forwarding plan. */
export interface Deployment {
  config: Config;
  plan: PlanEntry[];
  /** Absolute paths of the files read. */
  configPath: string;
  planPath: string;
}

/**
 * Reads, validates and cross-checks a config file and the forwarding plan it names. Every problem in
 * both files is collected and thrown at once as a ConfigError; nothing is returned half-valid.
 */
export function loadDeployment(configPath: string = DEFAULT_CONFIG_PATH): Deployment {
  const absoluteConfigPath = resolve(configPath);
  const config = loadConfig(absoluteConfigPath);
  const planPath = resolve(dirname(absoluteConfigPath), config.forwardingPlan);
  const plan = loadPlan(planPath, config);
  if (plan.problems.length > 0) throw new ConfigError(plan.problems);
  return { config, plan: plan.entries, configPath: absoluteConfigPath, planPath };
}

/** Reads and validates a config file alone (no plan), throwing a ConfigError with every problem. */
export function loadConfig(configPath: string): Config {
  const label = displayPath(configPath);
  const text = readText(configPath, label, 'a YAML config file');
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    // Later YAML errors are usually echoes of the first.
    const [error] = document.errors;
    throw new ConfigError([
      `${label}:${error.linePos?.[0].line ?? '?'}: not valid YAML: ${firstLine(error.message)}`,
    ]);
  }
  const parsed = configSchema.safeParse(document.toJS() ?? {}, { reportInput: true });
  if (!parsed.success) throw new ConfigError(formatZodIssues(label, parsed.error.issues));
  return parsed.data;
}

/** Reads and validates the forwarding plan against a config. Problems are returned, not thrown. */
export function loadPlan(planPath: string, config: Config): ParsedPlan {
  const label = displayPath(planPath);
  let text: string;
  try {
    text = readText(planPath, label, 'the forwarding plan CSV');
  } catch (error) {
    if (error instanceof ConfigError) return { entries: [], problems: error.problems };
    throw error;
  }
  return parseForwardingPlan(text, label, {
    carriers: CARRIER_NAMES.filter((name) => config.carriers[name] !== undefined),
    sites: config.sites,
    canaries: canariesOf(config.carriers),
  });
}

function readText(path: string, label: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : `cannot read it (${code ?? String(error)})`;
    throw new ConfigError([`${label}: ${reason}; expected ${what}`]);
  }
}

/** Paths in messages are relative to the working directory when that is shorter. */
function displayPath(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith('..') ? path : fromHere;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
