/**
 * Group `lambdas`: what each function costs Lambda before it does anything: the bundle's size
 * (minified, AWS SDK v3 clients bundled, exactly the construct's esbuild settings) and its module
 * load time in a fresh Node process (a cold start's init phase, less the runtime's own). Baseline:
 * the same handler bundled with esbuild's defaults for Node (CommonJS builds first, so no tree-shaking
 * of the SDK, and nothing aliased), measured in the same run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import {
  LAMBDA_BUNDLE_SETTINGS,
  LAMBDA_HANDLERS,
  lambdaBuildOptions,
} from '../../lib/deploy/constructs/lambda-bundle-settings';
import type { BenchGroup } from '../support/bench-group';
import { bytesByPackage, type PackageShare } from '../support/bundle-composition';
import { formatNumber, renderFigureTable } from '../support/figure-table';
import { median } from '../support/statistics';

const ROOT = resolve(__dirname, '../..');
/** Fresh processes per bundle: the median of these is the load time. */
const LOADS = 7;
const GOAL_BYTES = 250 * 1024;
const GOAL_LOAD_MS = 150;
/** Packages named per function in the composition table. */
const LARGEST_SHOWN = 6;

/** Exactly what NodejsFunction runs: the construct's settings, aliases resolved from the project root. */
const CONSTRUCT_OPTIONS = lambdaBuildOptions(ROOT);

/** esbuild's defaults for Node: CommonJS builds first, nothing aliased. */
const DEFAULT_OPTIONS: BuildOptions = {
  minify: LAMBDA_BUNDLE_SETTINGS.minify,
  sourcemap: LAMBDA_BUNDLE_SETTINGS.sourcemap,
  target: LAMBDA_BUNDLE_SETTINGS.target,
  format: LAMBDA_BUNDLE_SETTINGS.format,
  platform: LAMBDA_BUNDLE_SETTINGS.platform,
};

interface Measured {
  bytes: number;
  loadMs: number[];
  /** Bytes by package, largest first. */
  composition: PackageShare[];
}

export const lambdasGroup: BenchGroup = {
  name: 'lambdas',
  description:
    "Each function's bundle size (minified, AWS SDK v3 clients bundled, the construct's esbuild settings) and module load time in a fresh Node process; baseline: esbuild's default Node bundling (CommonJS first, nothing aliased).",
  async run(context) {
    const dir = mkdtempSync(join(tmpdir(), 'carrier-failover-bench-lambdas-'));
    const rows: { name: string; ours: Measured; baseline: Measured }[] = [];
    for (const name of LAMBDA_HANDLERS) {
      const entry = join(ROOT, 'lambdas/handlers', `${name}.ts`);
      const ours = await measure(entry, join(dir, `${name}.js`), CONSTRUCT_OPTIONS);
      const baseline = await measure(entry, join(dir, `${name}.default.js`), DEFAULT_OPTIONS);
      context.log(
        `${name}: ${formatNumber(ours.bytes / 1024, 0)} KB, loads in ${formatNumber(median(ours.loadMs), 1)} ms (default bundling ${formatNumber(baseline.bytes / 1024, 0)} KB, ${formatNumber(median(baseline.loadMs), 1)} ms)`,
      );
      rows.push({ name, ours, baseline });
    }
    const figures = rows.flatMap(({ name, ours, baseline }) => [
      {
        label: `${name} bundle`,
        unit: 'KB',
        values: [ours.bytes / 1024],
        baseline: { label: 'default bundling', values: [baseline.bytes / 1024] },
        digits: 0,
      },
      {
        label: `${name} module load`,
        unit: 'ms',
        values: ours.loadMs,
        baseline: { label: 'default bundling', values: baseline.loadMs },
      },
    ]);
    const lines = rows.map(
      ({ name, ours }) =>
        `| ${name} | ${formatNumber(ours.bytes / 1024, 0)} KB ${ours.bytes <= GOAL_BYTES ? 'within' : 'over'} 250 KB | ${formatNumber(median(ours.loadMs), 1)} ms ${median(ours.loadMs) <= GOAL_LOAD_MS ? 'within' : 'over'} 150 ms |`,
    );
    return {
      json: {
        lambdas: rows.map(({ name, ours, baseline }) => ({
          name,
          bundleBytes: ours.bytes,
          loadMs: median(ours.loadMs),
          baselineBundleBytes: baseline.bytes,
          baselineLoadMs: median(baseline.loadMs),
          awsSdkBytes: awsSdkBytes(ours.composition),
          composition: ours.composition,
        })),
      },
      markdown: [
        `Each load is a fresh \`node\` process requiring the bundle (median of ${LOADS}); Lambda adds its runtime's own start.`,
        '',
        renderFigureTable(figures),
        '',
        '| function | size vs goal | load vs goal |',
        '|---|---|---|',
        ...lines,
        '',
        `What each bundle holds: the AWS SDK's share (\`@aws-sdk/*\`, \`@smithy/*\`, \`@aws/*\`) and the ${LARGEST_SHOWN} largest packages or folders of ours.`,
        '',
        '| function | AWS SDK | largest |',
        '|---|--:|---|',
        ...rows.map(({ name, ours }) => {
          const largest = ours.composition
            .slice(0, LARGEST_SHOWN)
            .map((share) => `${share.name} ${formatNumber(share.bytes / 1024, 0)}`)
            .join(', ');
          return `| ${name} | ${formatNumber(awsSdkBytes(ours.composition) / 1024, 0)} KB | ${largest} (KB) |`;
        }),
        '',
        "The SDK's default credential chain is aliased to its first link, the environment variables Lambda sets (lambdas/runtime/lambda-credentials.ts), which leaves the STS, SSO and sign-in clients out. What is left of the SDK is its floor, near or over 250 KB on its own (the AWS SDK column): `@smithy/core` (protocols, schema serde, middleware, retries, endpoints) whatever the client, plus each client's model. esbuild keeps a client's whole operation model when the schemas use computed keys (`{ [_h]: [...] }`, as REST protocols' do), so `@aws-sdk/client-lambda` costs about 69 KB for one InvokeCommand. zod's classic API does not tree-shake, so no function bundles it: the functions' environment, event and credential schemas use zod/mini, and they import only types and the zod-free constants (lambdas/contracts/config/config-constants.ts) from the config schema, which synth has already applied.",
      ].join('\n'),
    };
  },
};

async function measure(entry: string, outfile: string, options: BuildOptions): Promise<Measured> {
  const result = await build({
    ...options,
    entryPoints: [entry],
    outfile,
    bundle: true,
    logLevel: 'error',
    metafile: true,
  });
  const loadMs: number[] = [];
  for (let index = 0; index < LOADS; index++) {
    const script = `const t=process.hrtime.bigint();require(${JSON.stringify(outfile)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));`;
    const output = execFileSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    loadMs.push(Number(output));
  }
  return { bytes: statSync(outfile).size, loadMs, composition: bytesByPackage(result.metafile) };
}

/** Bytes of the AWS SDK v3 packages in a bundle. */
function awsSdkBytes(composition: readonly PackageShare[]): number {
  return composition
    .filter(({ name }) => /^@(aws-sdk|smithy|aws)\//.test(name))
    .reduce((sum, { bytes }) => sum + bytes, 0);
}
