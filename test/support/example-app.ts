import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadDeployment } from '../../lib/config/load-config';
import { addCarrierFailoverStacks, type CarrierFailoverStacks } from '../../lib/deploy/carrier-failover-app';
import { EXAMPLE_CONFIG } from './config-files';

/** Builds the app for a config file (default: the embedded example) with cdk-nag attached, as bin/app.ts does. */
export function buildApp(configPath = EXAMPLE_CONFIG): { app: App; stacks: CarrierFailoverStacks } {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'carrier-failover-cdk-')) });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stacks = addCarrierFailoverStacks(app, loadDeployment(configPath));
  return { app, stacks };
}

/** Templates are synthesized once per test file; tests only read them. */
export function templateOf(stack: import('aws-cdk-lib').Stack): Template {
  return Template.fromStack(stack);
}
