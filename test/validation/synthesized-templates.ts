/**
 * The templates AWS's own validators check: both configs (the example and all-features, which turns
 * every optional feature on) synthesized once per test file, each into its own temporary folder.
 * cdk-nag is not attached here (test/app/synth.test.ts runs it); the templates are the same.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadDeployment } from '../../lib/config/load-config';
import { addCarrierFailoverStacks } from '../../lib/deploy/carrier-failover-app';
import { EXAMPLE_CONFIG } from '../support/config-files';

/** Every optional feature on: DNS, every carrier with a canary, practice, an eventually consistent region set. */
export const ALL_FEATURES_CONFIG = resolve(__dirname, '../fixtures/configs/all-features.yaml');

/** The configs validated, by a short name used in test titles. */
export const VALIDATED_CONFIGS = { example: EXAMPLE_CONFIG, 'all-features': ALL_FEATURES_CONFIG } as const;

/** The parts of a CloudFormation template the validators read. */
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  [section: string]: unknown;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  [attribute: string]: unknown;
}

/** One synthesized stack's template. */
export interface SynthesizedTemplate {
  /** `example` or `all-features`. */
  readonly config: string;
  readonly stackName: string;
  readonly region: string;
  /** Absolute path of the `.template.json` file. */
  readonly path: string;
  /** Size of the file in bytes, as CloudFormation counts it. */
  readonly bytes: number;
  readonly template: CfnTemplate;
}

/** Synthesizes one config into a fresh temporary folder; returns each stack's template. */
export function synthesizeConfig(name: string, configPath: string): SynthesizedTemplate[] {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), `carrier-failover-validation-${name}-`)) });
  addCarrierFailoverStacks(app, loadDeployment(configPath));
  const assembly = app.synth();
  return assembly.stacks.map((stack) => {
    const text = readFileSync(stack.templateFullPath, 'utf8');
    return {
      config: name,
      stackName: stack.stackName,
      region: stack.environment.region,
      path: stack.templateFullPath,
      bytes: Buffer.byteLength(text, 'utf8'),
      template: JSON.parse(text) as CfnTemplate,
    };
  });
}

/** Both configs' templates, synthesized now (call once per test file, in `beforeAll`). */
export function synthesizeValidatedConfigs(): SynthesizedTemplate[] {
  return Object.entries(VALIDATED_CONFIGS).flatMap(([name, path]) => synthesizeConfig(name, path));
}

/** A deep copy of a template, to break on purpose. */
export function copyOf(template: CfnTemplate): CfnTemplate {
  return structuredClone(template);
}

/** The template of the first stack whose name ends with `suffix` (e.g. `-incident-log`). */
export function findTemplate(templates: readonly SynthesizedTemplate[], suffix: string): SynthesizedTemplate {
  const found = templates.find((candidate) => candidate.stackName.endsWith(suffix));
  if (!found) {
    throw new Error(
      `no synthesized stack ends with "${suffix}"; stacks: ${templates.map((t) => t.stackName).join(', ')}`,
    );
  }
  return found;
}

/** `[logicalId, resource]` pairs of one type. */
export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}
