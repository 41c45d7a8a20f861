/**
 * Bad input to synth: seeded fast-check mutations of config/example.yaml (fields dropped, wrong
 * types, out-of-range numbers, unknown keys, emptied lists) and of config/numbers.csv. Whatever the
 * mutation, loading either succeeds or throws a ConfigError whose every line names the file and the
 * field (or CSV line): never another error, never a stack trace. A handful of the mutated configs go
 * through the real synth entry (`npx tsx bin/app.ts`) too.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import fc from 'fast-check';
import { ConfigError } from '../../lambdas/contracts/config/config-error';
import { parseForwardingPlan } from '../../lambdas/contracts/config/forwarding-plan';
import { loadDeployment } from '../../lib/config/load-config';
import { addCarrierFailoverStacks } from '../../lib/deploy/carrier-failover-app';
import { EXAMPLE_PLAN, exampleConfigObject, writeDeploymentFiles } from '../support/config-files';
import { type Json, type PathKey, pathsOf } from '../support/json-paths';

const ROOT = resolve(__dirname, '../..');

/** One change to the config object. */
type Mutation =
  | { kind: 'drop'; target: number }
  | { kind: 'replace'; target: number; value: Json | undefined }
  | { kind: 'unknown-key'; target: number; key: string; value: Json }
  | { kind: 'empty'; target: number };

/** Values of the wrong type or out of range, numbers YAML can write included (.inf, .nan). */
const badValue: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.constantFrom<Json | undefined>(
    null,
    true,
    '',
    0,
    -1,
    1.5,
    70_000,
    1e12,
    Number.POSITIVE_INFINITY,
    Number.NaN,
    'yes',
    '123',
    '../../etc/passwd',
    [],
    {},
  ),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double({ noNaN: false }),
  fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.stringMatching(/^[a-z][a-zA-Z]{0,8}$/), fc.string({ maxLength: 6 }), { maxKeys: 2 }),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), target: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), target: fc.nat(), value: badValue }),
  fc.record({
    kind: fc.constant('unknown-key' as const),
    target: fc.nat(),
    key: fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,12}$/),
    value: fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean()),
  }),
  fc.record({ kind: fc.constant('empty' as const), target: fc.nat() }),
);

/** Applies mutations to a fresh copy of the example config. */
function mutate(mutations: Mutation[]): Record<string, Json> {
  const config = exampleConfigObject() as Record<string, Json>;
  for (const change of mutations) {
    const paths = pathsOf(config);
    if (paths.length === 0) break;
    const path = paths[change.target % paths.length];
    const parent = path
      .slice(0, -1)
      .reduce<Json>((node, key) => (node as Record<PathKey, Json>)[key], config);
    const key = path[path.length - 1];
    const container = parent as Record<PathKey, unknown>;
    if (change.kind === 'drop') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete container[key];
    } else if (change.kind === 'replace') {
      container[key] = change.value;
    } else if (change.kind === 'empty') {
      const current = container[key];
      container[key] = Array.isArray(current) ? [] : typeof current === 'object' ? {} : '';
    } else {
      const target = container[key];
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
        (target as Record<string, Json>)[change.key] = change.value;
      } else {
        config[change.key] = change.value;
      }
    }
  }
  return config;
}

/** What loading a config gave: success, or the ConfigError's lines. Any other error fails the test. */
function load(configPath: string): { ok: true } | { ok: false; problems: string[]; message: string } {
  try {
    loadDeployment(configPath);
    return { ok: true };
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      throw new Error(`loadDeployment threw ${(error as Error)?.name}, not a ConfigError`, { cause: error });
    }
    return { ok: false, problems: error.problems, message: error.message };
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `<config file>: <field path>: ...`, `<config file>:<line>: not valid YAML: ...` or `<plan file>[:<line>]: ...`. */
function expectNamedLines(problems: string[], configPath: string): void {
  const dir = dirname(configPath);
  const configLine = new RegExp(
    `^${escapeRegExp(configPath)}(: (\\(top level\\)|[A-Za-z][\\w-]*(\\[\\d+\\]|\\.[\\w-]+)*)|:\\d+): \\S`,
  );
  const planLine = new RegExp(`^${escapeRegExp(dir)}/\\S*(:\\d+)?: \\S`);
  expect(problems.length).toBeGreaterThan(0);
  for (const problem of problems) {
    expect(problem).not.toContain('\n');
    expect(problem).not.toMatch(/\bat \S+ \(.*:\d+:\d+\)/);
    if (!configLine.test(problem) && !planLine.test(problem)) {
      throw new Error(`a problem that names neither the file and field nor the CSV line: ${problem}`);
    }
  }
}

describe('bad config fails synth with named problems, never a crash', () => {
  it('loadDeployment answers every mutation of the example with success or a ConfigError naming file and field', () => {
    let rejected = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        const configPath = writeDeploymentFiles(mutate(mutations));
        const outcome = load(configPath);
        if (outcome.ok) return;
        rejected++;
        expect(outcome.message).toMatch(/^Invalid configuration \(\d+ problems?\):/);
        expectNamedLines(outcome.problems, configPath);
      }),
      { seed: 20220812, numRuns: 400 },
    );
    expect(rejected).toBeGreaterThan(200);
  });

  it('a mutated config that loads also builds every stack', () => {
    const valid = fc
      .sample(fc.array(mutation, { minLength: 1, maxLength: 2 }), { seed: 7, numRuns: 200 })
      .map(mutate)
      .map((config) => writeDeploymentFiles(config))
      .filter((configPath) => load(configPath).ok)
      // Dropping an optional field or emptying a list of subscriptions: different shapes, same code.
      .slice(0, 2);

    expect(valid.length).toBe(2);
    for (const configPath of valid) {
      // No stack is bundled: the stacks are built, only the Lambda code is not compiled again.
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      expect(() => addCarrierFailoverStacks(app, loadDeployment(configPath))).not.toThrow();
    }
  });

  it('the synth entry (`npx tsx bin/app.ts`) exits 1 with the same named problems and no stack trace', async () => {
    const broken = fc
      .sample(fc.array(mutation, { minLength: 1, maxLength: 3 }), { seed: 42, numRuns: 60 })
      .map((mutations) => writeDeploymentFiles(mutate(mutations)))
      .map((configPath) => ({ configPath, outcome: load(configPath) }))
      .filter(
        (
          candidate,
        ): candidate is { configPath: string; outcome: { ok: false; problems: string[]; message: string } } =>
          !candidate.outcome.ok,
      )
      .slice(0, 4);
    expect(broken).toHaveLength(4);

    const runs = await Promise.all(broken.map(({ configPath }) => synth(configPath)));

    runs.forEach((run, index) => {
      const { configPath, outcome } = broken[index];
      expect({ configPath, code: run.code }).toEqual({ configPath, code: 1 });
      expect(run.stderr).toContain(outcome.message);
      for (const problem of outcome.problems) expect(run.stderr).toContain(`  - ${problem}`);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stdout).toBe('');
    });
  });
});

describe('bad forwarding plans are reported line by line', () => {
  const example = readFileSync(EXAMPLE_PLAN, 'utf8');
  const context = {
    carriers: ['telnyx', 'twilio', 'bandwidth', 'webhook'] as const,
    sites: [
      { id: 'phx-primary', role: 'primary' as const },
      { id: 'dal-standby', role: 'standby' as const },
    ],
  };
  const BAD_FIELDS = {
    number: ['', '4155550100', '+1-415-555', 'not-a-number', '+0123'],
    carrier: ['', 'sprint', 'TELNYX', 'tel nyx'],
    site: ['', 'nowhere', 'dal-standby'],
    forwardTo: ['', 'voicemail', 'http://backup.example.net', '+1'],
  } as const;
  const COLUMNS = ['number', 'carrier', 'site', 'forwardTo'] as const;

  it('a broken field is named with its CSV line and column, wherever blank lines and comments put it', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.constantFrom(...COLUMNS),
        fc.nat(),
        fc.array(fc.constantFrom('', '# a comment', '   '), { maxLength: 4 }),
        (rowPick, column, valuePick, padding) => {
          const lines = example.trimEnd().split('\n');
          const dataLines = lines.map((_, index) => index).filter((index) => /^\+/.test(lines[index]));
          const row = dataLines[rowPick % dataLines.length];
          const fields = lines[row].split(',');
          const choices = BAD_FIELDS[column];
          fields[COLUMNS.indexOf(column)] = choices[valuePick % choices.length];
          lines[row] = fields.join(',');
          lines.splice(row, 0, ...padding);
          const lineNumber = row + padding.length + 1;

          const { problems } = parseForwardingPlan(`${lines.join('\n')}\n`, 'numbers.csv', context);

          expect(problems.length).toBeGreaterThan(0);
          for (const problem of problems) expect(problem).toMatch(/^numbers\.csv:\d+: \S/);
          expect(problems).toEqual(
            expect.arrayContaining([
              expect.stringMatching(new RegExp(`^numbers\\.csv:${lineNumber}: ${column}: `)),
            ]),
          );
        },
      ),
      { seed: 1208, numRuns: 150 },
    );
  });

  it('any line-level damage (cut, doubled, extra columns, stray quotes) gives line-numbered problems or a valid plan', () => {
    const damage = fc.oneof(
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), keep: fc.nat({ max: 60 }) }),
      fc.record({ kind: fc.constant('double' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('extra' as const), at: fc.nat(), text: fc.string({ maxLength: 8 }) }),
      fc.record({ kind: fc.constant('quote' as const), at: fc.nat(), offset: fc.nat({ max: 40 }) }),
      fc.record({ kind: fc.constant('junk' as const), at: fc.nat(), text: fc.string({ maxLength: 40 }) }),
    );
    fc.assert(
      fc.property(fc.array(damage, { minLength: 1, maxLength: 4 }), (changes) => {
        const lines = example.trimEnd().split('\n');
        for (const change of changes) {
          const at = change.at % lines.length;
          if (change.kind === 'cut') lines[at] = lines[at].slice(0, change.keep);
          else if (change.kind === 'double') lines.splice(at, 0, lines[at]);
          else if (change.kind === 'extra') lines[at] = `${lines[at]},${change.text}`;
          else if (change.kind === 'quote')
            lines[at] = `${lines[at].slice(0, change.offset)}"${lines[at].slice(change.offset)}`;
          else lines.splice(at, 0, change.text);
        }

        const parsed = parseForwardingPlan(`${lines.join('\n')}\n`, 'numbers.csv', context);

        for (const problem of parsed.problems) {
          expect(problem).not.toContain('\n');
          expect(problem).toMatch(/^numbers\.csv(:\d+)?: \S/);
        }
        if (parsed.problems.length === 0) expect(parsed.entries.length).toBeGreaterThan(0);
      }),
      { seed: 31, numRuns: 300 },
    );
  });
});

/** Runs the CDK app entry on a config, as `cdk synth -c config=PATH` does. */
function synth(configPath: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('npx', ['tsx', 'bin/app.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ config: configPath }),
        CDK_OUTDIR: join(dirname(configPath), 'out'),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}
