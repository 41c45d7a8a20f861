/**
 * The dependency direction of README "Code layout", as `npm run lint` enforces it: biome's
 * `noRestrictedImports`, one override a folder (biome.json). Each case below is a file placed in a
 * scratch copy of the tree and linted with the project's own biome.json, so the test fails if a rule
 * is dropped, loosened or misspelled, and also if a rule starts refusing an import the map allows.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

interface ImportCase {
  /** Where the importing file sits, relative to the project root. */
  file: string;
  specifier: string;
  allowed: boolean;
}

const CASES: ImportCase[] = [
  // lambdas/ never imports lib/, bench/ or the CDK
  { file: 'lambdas/domain/probe-a.ts', specifier: '../../lib/config/load-config', allowed: false },
  { file: 'lambdas/handlers/probe-a.ts', specifier: '../../lib/operator/cli/program', allowed: false },
  { file: 'lambdas/handlers/probe-b.ts', specifier: 'aws-cdk-lib', allowed: false },
  { file: 'lambdas/adapters/sns/probe-a.ts', specifier: '../../../bench/statistics', allowed: false },
  // the domain: contracts, ports and itself only
  { file: 'lambdas/domain/alerts/probe-b.ts', specifier: '../../adapters/sns/sns-notifier', allowed: false },
  { file: 'lambdas/domain/alerts/probe-c.ts', specifier: '@aws-sdk/client-sns', allowed: false },
  { file: 'lambdas/domain/alerts/probe-d.ts', specifier: '../../runtime/powertools', allowed: false },
  { file: 'lambdas/domain/alerts/probe-e.ts', specifier: '../../ports/alerts', allowed: true },
  { file: 'lambdas/domain/alerts/probe-f.ts', specifier: '../../contracts/errors', allowed: true },
  { file: 'lambdas/domain/alerts/probe-g.ts', specifier: '../incidents/timeline', allowed: true },
  // contracts: runtime-neutral
  { file: 'lambdas/contracts/probe-a.ts', specifier: '@aws-sdk/client-dynamodb', allowed: false },
  { file: 'lambdas/contracts/probe-b.ts', specifier: '../domain/incidents/timeline', allowed: false },
  { file: 'lambdas/contracts/probe-c.ts', specifier: '../ports/clock', allowed: false },
  { file: 'lambdas/contracts/probe-d.ts', specifier: './config/schema', allowed: true },
  // ports: contracts and other ports
  { file: 'lambdas/ports/probe-a.ts', specifier: '../domain/detection/probe-cycle', allowed: false },
  { file: 'lambdas/ports/probe-b.ts', specifier: '../contracts/config/schema', allowed: true },
  // adapters: ports, contracts, runtime; never the domain
  {
    file: 'lambdas/adapters/carriers/probe-a.ts',
    specifier: '../../domain/forwarding/forward-numbers',
    allowed: false,
  },
  { file: 'lambdas/adapters/carriers/probe-b.ts', specifier: '../../ports/carriers', allowed: true },
  {
    file: 'lambdas/adapters/carriers/probe-c.ts',
    specifier: '@aws-sdk/client-secrets-manager',
    allowed: true,
  },
  // runtime and composition
  { file: 'lambdas/runtime/probe-a.ts', specifier: '../adapters/sns/sns-notifier', allowed: false },
  { file: 'lambdas/composition/probe-a.ts', specifier: '../handlers/probe', allowed: false },
  { file: 'lambdas/composition/probe-b.ts', specifier: '../adapters/sns/sns-notifier', allowed: true },
  // lib/: deploy, operator, developer apart
  { file: 'lib/config/probe-a.ts', specifier: '../deploy/carrier-failover-app', allowed: false },
  { file: 'lib/config/probe-b.ts', specifier: '../../lambdas/contracts/config/schema', allowed: true },
  { file: 'lib/deploy/stacks/probe-a.ts', specifier: '../../operator/cli/program', allowed: false },
  { file: 'lib/deploy/stacks/probe-b.ts', specifier: '../../developer/drill/run-drill', allowed: false },
  { file: 'lib/deploy/stacks/probe-c.ts', specifier: '../../../lambdas/handlers/probe', allowed: false },
  {
    file: 'lib/deploy/stacks/probe-d.ts',
    specifier: '../../../lambdas/contracts/metric-names',
    allowed: true,
  },
  { file: 'lib/deploy/stacks/probe-e.ts', specifier: 'aws-cdk-lib', allowed: true },
  { file: 'lib/operator/cli/probe-a.ts', specifier: '../../developer/drill/run-drill', allowed: false },
  { file: 'lib/operator/cli/probe-b.ts', specifier: '../../deploy/carrier-failover-app', allowed: false },
  { file: 'lib/operator/cli/probe-c.ts', specifier: 'aws-cdk-lib', allowed: false },
  {
    file: 'lib/operator/cli/probe-d.ts',
    specifier: '../../../lambdas/adapters/sns/sns-notifier',
    allowed: true,
  },
  { file: 'lib/developer/drill/probe-a.ts', specifier: '../../deploy/stacks/watchdog-stack', allowed: false },
  {
    file: 'lib/developer/drill/probe-b.ts',
    specifier: '../../operator/report/incident-report',
    allowed: true,
  },
];

interface BiomeDiagnostic {
  category: string;
  location: { path: string };
}

/** Lints every case file in a scratch tree with the project's biome.json; returns the files refused. */
function refusedImports(cases: ImportCase[]): Set<string> {
  const scratch = mkdtempSync(join(tmpdir(), 'import-rules-'));
  try {
    const config = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8'));
    // The scratch tree is no git checkout; the rules themselves are the project's, unchanged.
    config.vcs = { enabled: false };
    writeFileSync(join(scratch, 'biome.json'), JSON.stringify(config));
    for (const { file, specifier } of cases) {
      mkdirSync(dirname(join(scratch, file)), { recursive: true });
      writeFileSync(
        join(scratch, file),
        `import * as imported from '${specifier}';\n\nexport const used = imported;\n`,
      );
    }
    let output: string;
    try {
      output = execFileSync(join(ROOT, 'node_modules/.bin/biome'), ['lint', '--reporter=json', '.'], {
        cwd: scratch,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch (error) {
      // biome exits 1 when it found errors; the report is still on stdout.
      output = (error as { stdout: string }).stdout;
    }
    const diagnostics = (JSON.parse(output) as { diagnostics: BiomeDiagnostic[] }).diagnostics;
    return new Set(
      diagnostics
        .filter((diagnostic) => diagnostic.category === 'lint/style/noRestrictedImports')
        .map((diagnostic) => diagnostic.location.path.replace(/^\.\//, '')),
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe('the import rules of npm run lint', () => {
  const refused = refusedImports(CASES);

  it.each(CASES.filter((c) => !c.allowed))('refuses $specifier from $file', ({ file }) => {
    expect(refused.has(file)).toBe(true);
  });

  it.each(CASES.filter((c) => c.allowed))('allows $specifier from $file', ({ file }) => {
    expect(refused.has(file)).toBe(false);
  });

  it('are part of npm run lint', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.lint).toMatch(/^biome check \./);
  });
});
