import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closedLoopbackUrl, ROOT, runCli } from './support/cli-process';

describe('the carrier-failover entry point', () => {
  let unreachable: string;

  beforeAll(async () => {
    unreachable = await closedLoopbackUrl();
  });

  it('is the package’s bin and starts with a node shebang', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

    expect(pkg.bin).toEqual({ 'carrier-failover': 'bin/carrier-failover.js' });
    expect(readFileSync(join(ROOT, 'bin/carrier-failover.js'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it('stops quietly when the reader closes the pipe early (`| head`)', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/carrier-failover.js'), '--help'], { cwd: ROOT });
    // The reading end is gone before the help is written: every write fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });

    const code = await new Promise<number | null>((done) => child.on('close', done));

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('lists every command and the exit codes in --help (exit 0)', async () => {
    const run = await runCli(['--help'], { unreachable });

    expect(run.code).toBe(0);
    for (const command of [
      'status',
      'failover',
      'failback',
      'incidents',
      'config',
      'plan',
      'probe',
      'arm',
      'audit',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`\\n  ${command}\\b`));
    }
    for (const option of ['--config <path>', '--json', '--region <region>'])
      expect(run.stdout).toContain(option);
    expect(run.stdout).toContain('Exit codes:');
    expect(run.stdout).toContain('130  aborted');
  });

  it.each([
    [
      ['incidents', '--help'],
      ['list', 'show [options] <id>'],
    ],
    [
      ['failover', '--help'],
      ['--site <id>', '--reason <text>', '--yes', '--operator <name>'],
    ],
    [
      ['failback', '--help'],
      ['--site <id>', '--approve'],
    ],
    [
      ['incidents', 'list', '--help'],
      ['--site <id>', '--limit <n>'],
    ],
    [
      ['incidents', 'show', '--help'],
      ['--format <format>', 'markdown', 'json'],
    ],
    [['config', 'check', '--help'], ['[file]']],
    [['plan', 'check', '--help'], ['[file]']],
    [['probe', '--help'], ['--site <id>']],
    [['arm', '--help'], ['--site <id>']],
    [
      ['audit', '--help'],
      ['--site <id>', '--expect <routing>'],
    ],
  ])('documents %p', async (args, expected) => {
    const run = await runCli(args, { unreachable });

    expect(run.code).toBe(0);
    for (const text of expected) expect(run.stdout).toContain(text);
  });

  it('runs `config check` of the embedded example', async () => {
    const run = await runCli(['config', 'check'], { unreachable });

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('is valid');
  });

  it('exits 1 on an unknown command or option, with usage help on stderr', async () => {
    const command = await runCli(['fail-over'], { unreachable });
    const option = await runCli(['status', '--colour'], { unreachable });

    expect(command.code).toBe(1);
    expect(command.stderr).toContain("unknown command 'fail-over'");
    expect(option.code).toBe(1);
    expect(option.stderr).toContain("unknown option '--colour'");
    expect(option.stderr).toContain('(add --help for usage)');
  });

  it('keeps stdout to one JSON document on a usage error with --json', async () => {
    const run = await runCli(['status', '--json', '--colour'], { unreachable });

    expect(run.code).toBe(1);
    expect(run.json()).toEqual({ ok: false, exitCode: 1, error: "unknown option '--colour'" });
  });

  it('prints usage on stderr and exits 1 without a command', async () => {
    const run = await runCli([], { unreachable });

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Usage: carrier-failover');
  });
});
