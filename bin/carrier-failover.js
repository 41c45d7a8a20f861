#!/usr/bin/env node
/**
 * `carrier-failover`, the operator CLI (package.json `bin`). Runs the esbuild bundle that `npm ci` /
 * `npm install` build (the `prepare` script, lib/operator/cli/build-bundle.ts) while it is at least as new as
 * every source it was built from; otherwise (no bundle, or sources edited since) the TypeScript
 * sources through tsx, slower to start but never stale.
 */

// The SDK's "upgrade to Node 22" notice would land on stderr of every command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const root = join(__dirname, '..');

// A reader that stops early (`carrier-failover incidents list | head`) closes the pipe: stop quietly,
// as other command-line tools do, instead of printing a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

/** The bundle's path when it is fresh, else undefined. */
function freshBundle() {
  const bundle = join(root, 'dist', 'cli', 'carrier-failover.js');
  try {
    const builtAt = statSync(bundle).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(join(root, 'dist', 'cli', 'inputs.json'), 'utf8'));
    for (const input of inputs) {
      if (statSync(join(root, input)).mtimeMs > builtAt) return undefined;
    }
    return bundle;
  } catch {
    return undefined;
  }
}

/** Loads the CLI: the bundle, or the sources with tsx's loader registered first. */
async function loadCli() {
  const bundle = freshBundle();
  if (bundle) return require(bundle);
  // tsx's loader registers both its CommonJS and ESM hooks (the handlers are loaded with import()).
  await import(pathToFileURL(require.resolve('tsx', { paths: [root] })).href);
  return require(join(root, 'bin', 'cli.ts'));
}

loadCli()
  .then((cli) => cli.main(process.argv))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`carrier-failover: could not start: ${error?.message ?? error}\n`);
      process.exitCode = 1;
    },
  );
