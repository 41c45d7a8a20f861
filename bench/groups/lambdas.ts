/**
 * Group `lambdas`: what each function costs Lambda before it does anything: the bundle's size
 * (minified, AWS SDK v3 clients bundled, exactly the construct's esbuild settings) and its module
 * load time in a fresh Node process (a cold start's init phase, less the runtime's own). Baseline:
 * the same handler bundled with esbuild's defaults for Node (CommonJS builds first, no tree-shaking
 * of the SDK), measured in the same run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_BUNDLE_SETTINGS, LAMBDA_HANDLERS } from '../../lib/constructs/lambda-bundle-settings';
import type { BenchGroup } from '../bench-group';
import { formatNumber, renderFigureTable } from '../figure-table';
import { median } from '../statistics';

const ROOT = resolve(__dirname, '../..');
/** Fresh processes per bundle: the median of these is the load time. */
const LOADS = 7;
const GOAL_BYTES = 250 * 1024;
const GOAL_LOAD_MS = 150;

interface Measured {
  bytes: number;
  loadMs: number[];
}

export const lambdasGroup: BenchGroup = {
  name: 'lambdas',
  description:
    "Each function's bundle size (minified, AWS SDK v3 clients bundled, the construct's esbuild settings) and module load time in a fresh Node process; baseline: esbuild's default Node bundling (CommonJS first).",
  async run(context) {
    const dir = mkdtempSync(join(tmpdir(), 'carrier-failover-bench-lambdas-'));
    const rows: { name: string; ours: Measured; baseline: Measured }[] = [];
    for (const name of LAMBDA_HANDLERS) {
      const entry = join(ROOT, 'lambdas/handlers', `${name}.ts`);
      const ours = await measure(entry, join(dir, `${name}.js`), [...LAMBDA_BUNDLE_SETTINGS.mainFields]);
      const baseline = await measure(entry, join(dir, `${name}.default.js`), undefined);
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
        "What the bundles hold, largest first: the AWS SDK v3 core (`@smithy/core`, its schema-based serde for every protocol) and each client's model, then zod, csv-parse and our code. The SDK clients stay bundled so their versions are the tested ones; see the README's future work for what would take the bundles under 250 KB.",
      ].join('\n'),
    };
  },
};

async function measure(entry: string, outfile: string, mainFields: string[] | undefined): Promise<Measured> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    logLevel: 'error',
    minify: LAMBDA_BUNDLE_SETTINGS.minify,
    sourcemap: LAMBDA_BUNDLE_SETTINGS.sourcemap,
    target: LAMBDA_BUNDLE_SETTINGS.target,
    format: LAMBDA_BUNDLE_SETTINGS.format,
    platform: LAMBDA_BUNDLE_SETTINGS.platform,
    ...(mainFields ? { mainFields } : {}),
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
  return { bytes: statSync(outfile).size, loadMs };
}
