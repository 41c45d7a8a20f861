#!/usr/bin/env node
/** CDK entry: load the config (`-c config=PATH`, default config/example.yaml) and create the stacks. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../lambdas/contracts/config/config-error';
import { DEFAULT_CONFIG_PATH, loadDeployment } from '../lib/config/load-config';
import { addCarrierFailoverStacks } from '../lib/deploy/carrier-failover-app';

const app = new App();
// Security findings fail the synth, so a deploy never skips them.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const configPath = (app.node.tryGetContext('config') as string | undefined) ?? DEFAULT_CONFIG_PATH;
try {
  addCarrierFailoverStacks(app, loadDeployment(configPath));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // A config mistake is the operator's to fix: print every problem, no stack trace.
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
