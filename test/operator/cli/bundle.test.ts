import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_FILE, BUNDLE_INPUTS_FILE, buildCliBundle } from '../../../lib/operator/cli/build-bundle';
import { ROOT } from './support/cli-process';

/** Runs a built bundle directly with node. */
function runBundle(
  bundle: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the CLI bundle (npm prepare)', () => {
  // Its own folder, two deep like dist/cli, so parallel runs of the real entry never see it half-written.
  const outDir = `dist/cli-test-${process.pid}`;

  afterAll(() => {
    rmSync(join(ROOT, outDir), { recursive: true, force: true });
  });

  it('builds one file that runs the CLI, with the sources it was built from listed beside it', async () => {
    const bundle = await buildCliBundle(outDir);

    const help = await runBundle(bundle, ['--help']);
    const check = await runBundle(bundle, ['config', 'check', '--json']);

    expect(bundle).toBe(join(ROOT, outDir, BUNDLE_FILE));
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: carrier-failover');
    // The embedded default config resolves from inside the bundle as from the sources.
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ valid: true, configFile: 'config/example.yaml' });
    const { inputs } = JSON.parse(readFileSync(join(ROOT, outDir, BUNDLE_INPUTS_FILE), 'utf8'));
    expect(inputs).toEqual(
      expect.arrayContaining(['bin/cli.ts', 'lib/operator/cli/program.ts', 'lib/config/load-config.ts']),
    );
    expect(inputs.some((input: string) => input.includes('node_modules'))).toBe(false);
  });

  it('refuses an output folder where bundled __dirname paths would break', async () => {
    await expect(buildCliBundle('dist')).rejects.toThrow('must be two folders below');
  });
});
