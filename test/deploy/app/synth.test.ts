import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exampleConfigObject, writeDeploymentFiles } from '../../support/config-files';
import { buildApp } from '../../support/example-app';

const ROOT = resolve(__dirname, '../../..');

describe('synth', () => {
  it('synthesizes one template per stack offline, with zero unacknowledged cdk-nag AwsSolutions findings', () => {
    const { app } = buildApp();

    const assembly = app.synth();

    expect(assembly.stacks.map((stack) => stack.stackName).sort()).toEqual([
      'acme-voice-dns',
      'acme-voice-incident-log',
      'acme-voice-watchdog-us-east-1',
      'acme-voice-watchdog-us-east-2',
      'acme-voice-watchdog-us-west-2',
    ]);
    const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
  });

  it('fails when a construct breaks an AwsSolutions rule (the check is live)', () => {
    const { app, stacks } = buildApp();
    const { Topic } = require('aws-cdk-lib/aws-sns') as typeof import('aws-cdk-lib/aws-sns');
    new Topic(stacks.watchdogs[0], 'UnencryptedTopic');

    expect(() => app.synth()).toThrow(/AwsSolutions-SNS3/);
  });

  it('fails `cdk synth -c config=PATH` on a broken config with every problem and no stack trace', () => {
    const config = exampleConfigObject();
    config.sites[1].sip[0].port = 70000;
    config.detection.quorum = 9;
    const configPath = writeDeploymentFiles(config);

    const result = spawnSync('npx', ['tsx', 'bin/app.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ config: configPath }),
        CDK_OUTDIR: join(configPath, '..', 'out'),
      },
    });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration (2 problems):');
    expect(result.stderr).toContain('sites[1].sip[0].port: expected an integer 1-65535, got 70000');
    expect(result.stderr).toContain(
      'detection.quorum: expected at most the number of watchdog regions (3), got 9',
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
