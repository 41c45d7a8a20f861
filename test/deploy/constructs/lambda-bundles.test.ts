import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { bytesByPackage } from '../../../bench/support/bundle-composition';
import {
  esbuildAliasArguments,
  LAMBDA_BUNDLE_SETTINGS,
  LAMBDA_HANDLERS,
  lambdaBuildOptions,
} from '../../../lib/deploy/constructs/lambda-bundle-settings';

const ROOT = resolve(__dirname, '../../..');

/** Runs `script` in a fresh Node process with exactly `env` (plus PATH) and returns its stdout. */
function runNode(script: string, env: Record<string, string>): string {
  return execFileSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
  });
}

describe('Lambda bundle settings', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'carrier-failover-bundles-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names every handler file, so the bench measures every deployed function', () => {
    const files = readdirSync(join(ROOT, 'lambdas/handlers'))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => file.replace(/\.ts$/, ''));
    expect([...LAMBDA_HANDLERS].sort()).toEqual(files.sort());
  });

  it('passes every alias to NodejsFunction as esbuild arguments whose paths exist under the project root', () => {
    const args = esbuildAliasArguments();
    expect(args).toEqual(['@aws-sdk/credential-provider-node=./lambdas/runtime/lambda-credentials.ts']);
    for (const path of Object.values(LAMBDA_BUNDLE_SETTINGS.alias))
      expect(existsSync(join(ROOT, path))).toBe(true);
  });

  describe.each(LAMBDA_HANDLERS)('the %s bundle', (name) => {
    let outfile: string;
    let packages: string[];
    beforeAll(async () => {
      outfile = join(dir, `${name}.js`);
      const result = await build({
        ...lambdaBuildOptions(ROOT),
        entryPoints: [join(ROOT, 'lambdas/handlers', `${name}.ts`)],
        outfile,
        logLevel: 'error',
        metafile: true,
      });
      packages = bytesByPackage(result.metafile).map((share) => share.name);
    });

    it('holds the environment credential provider instead of the default chain and its clients', () => {
      expect(packages).toEqual(expect.arrayContaining(['@aws-sdk/credential-provider-env', '@smithy/core']));
      expect(packages).not.toContain('@aws-sdk/credential-provider-node');
      expect(packages).not.toContain('@aws-sdk/credential-provider-sso');
      expect(packages).not.toContain('@aws-sdk/nested-clients');
    });

    it('loads in a fresh process and exports the handler', () => {
      const loaded = runNode(`process.stdout.write(typeof require(${JSON.stringify(outfile)}).handler)`, {});
      expect(loaded).toBe('function');
    });
  });

  it.each(LAMBDA_HANDLERS)(
    "bundles no module of zod's classic API, which does not tree-shake, nor the config schema, in %s",
    async (name) => {
      const result = await build({
        ...lambdaBuildOptions(ROOT),
        entryPoints: [join(ROOT, 'lambdas/handlers', `${name}.ts`)],
        write: false,
        outfile: join(dir, `${name}-zod.js`),
        logLevel: 'error',
        metafile: true,
      });
      const bundled = Object.values(result.metafile.outputs).flatMap((output) =>
        Object.entries(output.inputs)
          .filter(([, input]) => input.bytesInOutput > 0)
          .map(([path]) => path),
      );

      // The environment and event schemas are zod/mini; the deployment config is read as validated.
      expect(bundled).toEqual(
        expect.arrayContaining([expect.stringMatching(/^node_modules\/zod\/v4\/mini\//)]),
      );
      expect(bundled.filter((path) => path.startsWith('node_modules/zod/v4/classic/'))).toEqual([]);
      expect(bundled.filter((path) => /^lambdas\/contracts\/config\/.*schemas?\.ts$/.test(path))).toEqual([]);
    },
  );

  it('leaves the CSV parser out of the probe, which reads the config but never the plan', async () => {
    const result = await build({
      ...lambdaBuildOptions(ROOT),
      entryPoints: [join(ROOT, 'lambdas/handlers/probe.ts')],
      write: false,
      outfile: join(dir, 'probe-composition.js'),
      logLevel: 'error',
      metafile: true,
    });
    const composition = bytesByPackage(result.metafile);
    const bytesOf = (name: string) => composition.find((share) => share.name === name)?.bytes ?? 0;
    // The environment and event schemas (zod/mini), the config constants, names and errors: the
    // config schema (about 16 KB) stays out, as the deployment config is read as already validated.
    expect(bytesOf('lambdas/contracts')).toBeGreaterThan(0);
    expect(bytesOf('lambdas/contracts')).toBeLessThan(8 * 1024);
    // Only a module-level constant esbuild cannot prove pure stays (a BOM table); the parser is 27 KB.
    expect(bytesOf('csv-parse')).toBeLessThan(1024);
  });

  describe('an SDK client in a bundle', () => {
    let outfile: string;
    /** Prints the credentials the bundled client resolves, or why it could not. */
    const resolveCredentials = () => `require(${JSON.stringify(outfile)}).credentials().then(
      (c) => process.stdout.write(JSON.stringify(c)),
      (e) => process.stdout.write('rejected: ' + e.message))`;
    beforeAll(async () => {
      outfile = join(dir, 'client.js');
      await build({
        ...lambdaBuildOptions(ROOT),
        stdin: {
          contents: `const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
            exports.credentials = () => new DynamoDBClient({ region: 'us-east-1' }).config.credentials();`,
          resolveDir: ROOT,
          loader: 'js',
        },
        outfile,
        logLevel: 'error',
      });
    });

    it('resolves the credentials Lambda puts in the environment', () => {
      const output = runNode(resolveCredentials(), {
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_SESSION_TOKEN: 'token',
      });
      expect(JSON.parse(output)).toMatchObject({
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'secret',
        sessionToken: 'token',
      });
    });

    it('looks nowhere else: a shared credentials file, which the full chain would read, is ignored', () => {
      const home = mkdtempSync(join(tmpdir(), 'carrier-failover-home-'));
      mkdirSync(join(home, '.aws'));
      writeFileSync(
        join(home, '.aws/credentials'),
        '[default]\naws_access_key_id = AKIDFROMFILE\naws_secret_access_key = secret\n',
      );
      try {
        const output = runNode(resolveCredentials(), { HOME: home });
        expect(output).toBe('rejected: Unable to find environment variable credentials.');
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });
  });
});
