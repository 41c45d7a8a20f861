/**
 * `npm run bench`: runs the benchmark groups and writes BENCHMARKS.md.
 *
 *   npm run bench                              every group
 *   npm run bench -- --only forwarding         one group (repeat --only, or a comma list, for more)
 *   npm run bench -- --json                    also print one JSON document on stdout
 *   npm run bench -- --list                    the groups and what they measure
 *
 * With --json nothing but that document reaches stdout: progress, library chatter and errors all go
 * to stderr, so `npm run --silent bench -- --json > bench.json` is a clean file.
 */
// Set before the AWS SDK loads: its "upgrade to Node 22" notice says nothing about the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { parseArgs } from 'node:util';
import { BENCH_GROUPS } from './registry';
import type { BenchGroup } from './support/bench-group';
import { describeMachine, machineSummary } from './support/machine';
import { BENCHMARKS_MD_PATH, type BenchSection, writeBenchmarksMd } from './write-benchmarks-md';

/** Thrown for a command line we cannot run; the message says what to type instead. */
class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

interface BenchArguments {
  groups: readonly BenchGroup[];
  json: boolean;
  list: boolean;
}

function parseBenchArguments(argv: readonly string[]): BenchArguments {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    throw new UsageError(
      `${(error as Error).message}; usage: npm run bench -- [--only NAME]... [--json] [--list]`,
    );
  }
  const requested = (parsed.values.only ?? []).flatMap((value) =>
    value
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
  );
  const known = BENCH_GROUPS.map((group) => group.name);
  const unknown = requested.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown benchmark group${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `"${name}"`).join(', ')}; choose from ${known.join(', ')}`,
    );
  }
  return {
    // Registry order, whatever order --only named them in, so reports always read the same way.
    groups:
      requested.length === 0 ? BENCH_GROUPS : BENCH_GROUPS.filter((group) => requested.includes(group.name)),
    json: parsed.values.json ?? false,
    list: parsed.values.list ?? false,
  };
}

function parseOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      only: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      list: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseBenchArguments(argv);
  const log = (message: string) => process.stderr.write(`${message}\n`);
  if (args.list) {
    const listing = BENCH_GROUPS.map((group) => `${group.name}: ${group.description}`).join('\n');
    (args.json ? log : (text: string) => process.stdout.write(`${text}\n`))(listing);
    return 0;
  }
  if (args.json) {
    // Libraries that log with console.log would otherwise corrupt the one JSON document.
    console.log = console.error;
    console.info = console.error;
  }
  const machine = describeMachine();
  log(`bench: ${args.groups.map((group) => group.name).join(', ')} on ${machineSummary(machine)}`);
  const sections: BenchSection[] = [];
  const document: Record<string, unknown> = { machine, groups: args.groups.map((group) => group.name) };
  for (const group of args.groups) {
    const started = performance.now();
    log(`\n[${group.name}] ${group.description}`);
    const result = await group.run({ log: (message) => log(`[${group.name}] ${message}`) });
    log(`[${group.name}] done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    Object.assign(document, result.json);
    sections.push({
      name: group.name,
      description: group.description,
      machine: describeMachine(),
      markdown: result.markdown,
    });
  }
  writeBenchmarksMd(
    machine,
    sections,
    BENCH_GROUPS.map((group) => group.name),
  );
  log(`\nwrote ${BENCHMARKS_MD_PATH}`);
  if (args.json) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`bench: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    const cause = (error as { cause?: unknown } | undefined)?.cause;
    if (cause !== undefined) process.stderr.write(`caused by: ${String(cause)}\n`);
    process.exitCode = 1;
  },
);
