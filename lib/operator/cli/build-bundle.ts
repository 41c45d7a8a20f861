/**
 * Bundles the operator CLI (bin/cli.ts) into one CommonJS file with esbuild, so `carrier-failover`
 * starts in about a tenth of a second instead of compiling TypeScript on every run. Run by the
 * `prepare` script (`npm ci`, `npm install`); bin/carrier-failover.js uses the bundle only while it
 * is at least as new as every source it was built from, and the sources through tsx otherwise.
 *
 * The bundle lives two folders deep (`dist/cli/`), like the sources in `lib/<folder>/`, because
 * bundled modules keep their `__dirname`-relative paths (DEFAULT_CONFIG_PATH is
 * `../../config/example.yaml`). Packages stay external (loaded from node_modules), so the bundle
 * holds only this project's code. A failed build never fails the install: the entry falls back.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** The project root. */
const ROOT = resolve(__dirname, '../../..');

/** Where the entry looks for the bundle, relative to the project root. */
export const BUNDLE_DIR = 'dist/cli';
/** The bundle's file name inside its folder. */
export const BUNDLE_FILE = 'carrier-failover.js';
/** The list of sources the bundle was built from, beside it. */
export const BUNDLE_INPUTS_FILE = 'inputs.json';

/**
 * Builds the bundle into `outDir` (absolute, or relative to the project root; it must be two
 * folders below the root for the reason above) and lists its inputs beside it.
 */
export async function buildCliBundle(outDir: string = BUNDLE_DIR): Promise<string> {
  const esbuild = await import('esbuild');
  const directory = resolve(ROOT, outDir);
  if (relative(ROOT, directory).split(/[\\/]/).length !== 2) {
    throw new Error(`the CLI bundle must be two folders below ${ROOT}, got ${directory}`);
  }
  mkdirSync(directory, { recursive: true });
  const outfile = join(directory, BUNDLE_FILE);
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ['bin/cli.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs).sort();
  writeFileSync(join(directory, BUNDLE_INPUTS_FILE), `${JSON.stringify({ inputs }, null, 2)}\n`);
  // Keeps the build output out of git without touching the project's .gitignore.
  writeFileSync(join(directory, '..', '.gitignore'), '*\n');
  return outfile;
}

if (require.main === module) {
  buildCliBundle().then(
    (outfile) =>
      process.stderr.write(`carrier-failover CLI bundled into ${relative(process.cwd(), outfile)}\n`),
    (error: unknown) => {
      process.stderr.write(
        `warning: could not bundle the carrier-failover CLI (${error instanceof Error ? error.message : String(error)}); it will run from the TypeScript sources, more slowly\n`,
      );
    },
  );
}
