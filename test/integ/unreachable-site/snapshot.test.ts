/**
 * The deployed test, checked offline: synthesizes integ.unreachable-site.ts as a deployment would
 * and compares every template (and the integ manifest) with the snapshot committed beside it, asset
 * hashes and the assertions' per-synth salt left out (hashes change with any handler code; what is
 * deployed around them must not change unnoticed). `UPDATE_INTEG_SNAPSHOT=1 npx jest test/integ` rewrites the snapshot after a change
 * meant to be there.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const APP = 'test/integ/unreachable-site/integ.unreachable-site.ts';
const SNAPSHOT = join(__dirname, 'snapshot');

/** An asset's hash (sha256), wherever it appears: S3 keys, asset paths, parameter names. */
const ASSET_HASH = /[0-9a-f]{64}/g;

/** integ-tests-alpha salts each assertion with the synth time, so that every deployment runs it again. */
const SALT = /"salt":\s*"\d+"/g;

function normalize(text: string): unknown {
  return JSON.parse(text.replace(ASSET_HASH, 'ASSET_HASH').replace(SALT, '"salt": "SALT"'));
}

/** Runs a command in the repository; rejects with its output when it fails. */
function run(
  command: string,
  args: string[],
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolvePromise()
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });
}

/** Runs the integ app with no account and no overrides, bundling skipped (its output is hashed away). */
function synthesize(outdir: string): Promise<void> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    CDK_OUTDIR: outdir,
    CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [] }),
  };
  for (const name of [
    'CDK_DEFAULT_ACCOUNT',
    'CARRIER_FAILOVER_INTEG_WEBHOOK_URL',
    'CARRIER_FAILOVER_INTEG_NAME',
  ])
    delete env[name];
  return run('npx', ['tsx', APP], env);
}

describe('deployed test: unreachable site (offline snapshot)', () => {
  it('synthesizes the same templates and integ manifest as the committed snapshot', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'carrier-failover-integ-'));
    try {
      await synthesize(outdir);
      const files = readdirSync(outdir).filter(
        (name) => name.endsWith('.template.json') || name === 'integ.json',
      );
      const actual = Object.fromEntries(
        files.map((name) => [name, normalize(readFileSync(join(outdir, name), 'utf8'))]),
      );

      if (process.env.UPDATE_INTEG_SNAPSHOT === '1') {
        rmSync(SNAPSHOT, { recursive: true, force: true });
        mkdirSync(SNAPSHOT);
        for (const [name, template] of Object.entries(actual)) {
          writeFileSync(join(SNAPSHOT, name), `${JSON.stringify(template, null, 2)}\n`);
        }
        // Written as the linter formats JSON, so `npm run lint` stays clean.
        await run('npx', ['biome', 'format', '--write', SNAPSHOT]);
      }

      expect(existsSync(SNAPSHOT)).toBe(true);
      const committed = readdirSync(SNAPSHOT).sort();
      expect(Object.keys(actual).sort()).toEqual(committed);
      expect(committed).toEqual([
        'cfinteg-incident-log.template.json',
        'cfinteg-unreachable-site-assertions.template.json',
        'cfinteg-watchdog-us-east-1.template.json',
        'cfinteg-watchdog-us-west-2.template.json',
        'integ.json',
      ]);
      for (const name of committed) {
        const snapshot = JSON.parse(readFileSync(join(SNAPSHOT, name), 'utf8'));
        expect({ name, template: actual[name] }).toEqual({ name, template: snapshot });
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
