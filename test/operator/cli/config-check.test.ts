import { exampleConfigObject, writeDeploymentFiles } from '../../support/config-files';
import { closedLoopbackUrl, hasStackTrace, runCli } from './support/cli-process';

describe('carrier-failover config check and plan check', () => {
  let unreachable: string;

  beforeAll(async () => {
    unreachable = await closedLoopbackUrl();
  });

  describe('config check', () => {
    it('accepts the embedded example and summarizes sites, regions and numbers per carrier', async () => {
      const run = await runCli(['config', 'check'], { unreachable });

      expect(run.code).toBe(0);
      expect(run.stdout).toContain(
        'config/example.yaml is valid: deployment acme-voice, home region us-east-1',
      );
      expect(run.stdout).toMatch(/phx-primary\s+primary\s+2\s+1\s+24/);
      expect(run.stdout).toMatch(/telnyx\s+10/);
      expect(run.stderr).toBe('');
    });

    it('prints the summary as one JSON document with --json', async () => {
      const run = await runCli(['config', 'check', '--json'], { unreachable });

      expect(run.code).toBe(0);
      expect(run.json()).toMatchObject({
        valid: true,
        deployment: 'acme-voice',
        watchdogRegions: ['us-east-1', 'us-east-2', 'us-west-2'],
        numbers: { total: 24, byCarrier: { telnyx: 10, twilio: 6, bandwidth: 6, webhook: 2 } },
      });
    });

    it('lists every problem with the messages synth prints and exits 1, without a stack trace', async () => {
      const config = exampleConfigObject();
      config.sites[0].sip[0].port = 70000;
      config.detection.quorum = 5;
      const configPath = writeDeploymentFiles(config);

      const run = await runCli(['config', 'check', configPath], { unreachable });

      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('Invalid configuration (2 problems):');
      expect(run.stderr).toContain(
        `${configPath}: sites[0].sip[0].port: expected an integer 1-65535, got 70000`,
      );
      expect(run.stderr).toContain(
        `${configPath}: detection.quorum: expected at most the number of watchdog regions (3), got 5`,
      );
      expect(hasStackTrace(run.stderr)).toBe(false);
    });

    it('reports the problems as JSON too with --json', async () => {
      const config = exampleConfigObject();
      config.detection.quorum = 5;
      const configPath = writeDeploymentFiles(config);

      const run = await runCli(['--json', 'config', 'check', configPath], { unreachable });

      expect(run.code).toBe(1);
      expect(run.json()).toEqual({
        ok: false,
        exitCode: 1,
        error: 'Invalid configuration (1 problem):',
        problems: [
          `${configPath}: detection.quorum: expected at most the number of watchdog regions (3), got 5`,
        ],
      });
    });

    it('checks the file given with --config when no FILE is given', async () => {
      const run = await runCli(['config', 'check', '--config', 'config/missing.yaml'], { unreachable });

      expect(run.code).toBe(1);
      expect(run.stderr).toContain('config/missing.yaml: file not found; expected a YAML config file');
    });

    it('reports a YAML syntax error with its line', async () => {
      const configPath = writeDeploymentFiles('deployment: acme\nsites: [\n');

      const run = await runCli(['config', 'check', configPath], { unreachable });

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/config\.yaml:\d+: not valid YAML/);
    });
  });

  describe('plan check', () => {
    it('accepts the example plan against the example config', async () => {
      const run = await runCli(['plan', 'check', 'config/numbers.csv'], { unreachable });

      expect(run.code).toBe(0);
      expect(run.stdout).toContain(
        'config/numbers.csv is valid for acme-voice (config/example.yaml): 24 numbers',
      );
    });

    it('checks the plan the config names when no FILE is given, with a JSON summary', async () => {
      const run = await runCli(['plan', 'check', '--json'], { unreachable });

      expect(run.code).toBe(0);
      expect(run.json()).toMatchObject({
        valid: true,
        numbers: { total: 24, bySite: { 'phx-primary': 24 } },
      });
    });

    it('reports every bad row with its line number and exits 1', async () => {
      const configPath = writeDeploymentFiles(
        exampleConfigObject(),
        [
          'number,carrier,site,forwardTo,label',
          '+16025550000,telnyx,phx-primary,+12145550000,Main',
          '6025550001,telnyx,phx-primary,+12145550001,No plus',
          '+16025550000,twilio,phx-primary,+12145550002,Twice',
          '+16025550003,sprint,phx-primary,+12145550003,Unknown carrier',
        ].join('\n'),
      );
      const planPath = configPath.replace(/config\.yaml$/, 'numbers.csv');

      const run = await runCli(['plan', 'check', planPath], { unreachable });

      expect(run.code).toBe(1);
      expect(run.stderr).toContain('Invalid configuration (3 problems):');
      expect(run.stderr).toContain(`${planPath}:3: number: expected an E.164 number such as +14155550100`);
      expect(run.stderr).toContain(`${planPath}:4: number: +16025550000 is listed twice (first at line 2)`);
      expect(run.stderr).toContain(
        `${planPath}:5: carrier: expected one of telnyx, twilio, bandwidth, webhook`,
      );
    });

    it('exits 1 when the plan file does not exist', async () => {
      const run = await runCli(['plan', 'check', 'config/nope.csv'], { unreachable });

      expect(run.code).toBe(1);
      expect(run.stderr).toContain('config/nope.csv: file not found; expected the forwarding plan CSV');
    });
  });
});
