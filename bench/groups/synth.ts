/**
 * Group `synth`: `cdk synth` time and template sizes as deployments grow: 3 regions with 1, 20 and
 * 100 sites, and forwarding plans of 100, 10,000 and 100,000 numbers. The plan travels in the
 * functions' code assets, never in a template or an environment variable, so template size must not
 * grow with the plan; that is checked here, not assumed. Baseline: the smallest deployment (1 site,
 * 100 numbers), synthesized in the same run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import type { BenchGroup } from '../support/bench-group';
import { formatNumber, renderFigureTable } from '../support/figure-table';
import { median } from '../support/statistics';

const ROOT = resolve(__dirname, '../..');
const RUNS = 2;
const SHAPES: readonly { sites: number; numbers: number }[] = [
  { sites: 1, numbers: 100 },
  { sites: 20, numbers: 100 },
  { sites: 100, numbers: 100 },
  { sites: 1, numbers: 10_000 },
  { sites: 1, numbers: 100_000 },
];

interface SynthRun {
  seconds: number;
  templateBytes: number;
  largestTemplateBytes: number;
}

export const synthGroup: BenchGroup = {
  name: 'synth',
  description:
    '`cdk synth` (the real app entry, with bundling and cdk-nag) for 3 regions with 1, 20 and 100 sites and plans of 100, 10,000 and 100,000 numbers; baseline: 1 site and 100 numbers.',
  async run(context) {
    const results: { sites: number; numbers: number; runs: SynthRun[] }[] = [];
    for (const shape of SHAPES) {
      const configPath = writeScaledDeployment(shape.sites, shape.numbers);
      const runs: SynthRun[] = [];
      for (let run = 0; run < RUNS; run++) runs.push(synth(configPath));
      context.log(
        `${shape.sites} sites, ${shape.numbers} numbers: ${formatNumber(median(runs.map((r) => r.seconds)), 1)} s, templates ${formatNumber(runs[0].templateBytes / 1024, 0)} KB`,
      );
      results.push({ ...shape, runs });
    }
    const base = results[0].runs;
    const figures = results.map((result) => ({
      label: `${result.sites} sites, ${result.numbers.toLocaleString('en-US')} numbers: synth`,
      unit: 's',
      values: result.runs.map((run) => run.seconds),
      baseline: { label: '1 site, 100 numbers', values: base.map((run) => run.seconds) },
    }));
    const sizeRows = results.map(
      (result) =>
        `| ${result.sites} | ${result.numbers.toLocaleString('en-US')} | ${formatNumber(result.runs[0].templateBytes / 1024, 1)} KB | ${formatNumber(result.runs[0].largestTemplateBytes / 1024, 1)} KB |`,
    );
    const planOnly = results
      .filter((result) => result.sites === 1)
      .map((result) => result.runs[0].templateBytes);
    const planGrows = new Set(planOnly).size > 1;
    return {
      json: {
        synth: results.map((result) => ({
          sites: result.sites,
          numbers: result.numbers,
          seconds: median(result.runs.map((run) => run.seconds)),
          templateBytes: result.runs[0].templateBytes,
        })),
      },
      markdown: [
        `Each synth is the real entry (\`npx tsx bin/app.ts\`, as \`cdk synth\` runs it) in a fresh process: config validation, the plan, esbuild bundling of every function in every region, cdk-nag. Median of ${RUNS} runs.`,
        '',
        renderFigureTable(figures),
        '',
        '| sites | numbers | all templates | largest template |',
        '|--:|--:|--:|--:|',
        ...sizeRows,
        '',
        planGrows
          ? '**Template size changes with the plan size: the plan leaks into a template.**'
          : 'Template size is the same for 100, 10,000 and 100,000 numbers: the plan is in the code assets only.',
      ].join('\n'),
    };
  },
};

/** A config like the example with `sites` primary sites (one SIP endpoint each) and a plan of `numbers`. */
function writeScaledDeployment(sites: number, numbers: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'carrier-failover-bench-synth-'));
  const config = parse(readFileSync(join(ROOT, 'config/example.yaml'), 'utf8'));
  config.sites = Array.from({ length: sites }, (_, index) => ({
    id: `site-${index + 1}`,
    role: 'primary',
    sip: [{ host: `sbc${index + 1}.example.net`, port: 5060, transport: 'udp' }],
  }));
  delete config.dns;
  const rows = ['number,carrier,site,forwardTo'];
  for (let index = 0; index < numbers; index++) {
    rows.push(
      `+1602${String(index).padStart(7, '0')},telnyx,site-${(index % sites) + 1},+1214${String(index).padStart(7, '0')}`,
    );
  }
  writeFileSync(join(dir, 'numbers.csv'), `${rows.join('\n')}\n`);
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, stringify({ ...config, forwardingPlan: 'numbers.csv' }));
  return configPath;
}

function synth(configPath: string): SynthRun {
  const outdir = mkdtempSync(join(tmpdir(), 'carrier-failover-bench-cdkout-'));
  const started = process.hrtime.bigint();
  execFileSync(join(ROOT, 'node_modules/.bin/tsx'), ['bin/app.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ config: configPath }) },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const templates = readdirSync(outdir).filter((file) => file.endsWith('.template.json'));
  const sizes = templates.map((file) => statSync(join(outdir, file)).size);
  return {
    seconds,
    templateBytes: sizes.reduce((sum, size) => sum + size, 0),
    largestTemplateBytes: Math.max(...sizes),
  };
}
