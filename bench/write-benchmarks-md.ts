/**
 * Writes BENCHMARKS.md at the repository root. Each group's section sits between markers of its
 * own and carries its own date and machine, so `--only` can replace the sections it ran and keep
 * the others exactly as an earlier run left them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type MachineDescription, machineSummary } from './support/machine';

/** Where the report lives. */
export const BENCHMARKS_MD_PATH = resolve(__dirname, '..', 'BENCHMARKS.md');

/** One group's measured section. */
export interface BenchSection {
  name: string;
  description: string;
  machine: MachineDescription;
  /** The group's own Markdown (tables, notes). */
  markdown: string;
}

const SECTION = /<!-- bench-section:begin ([a-z0-9-]+) -->\n[\s\S]*?<!-- bench-section:end \1 -->/g;

/** Renders one section with its markers, heading, date and machine. */
export function renderSection(section: BenchSection): string {
  return [
    `<!-- bench-section:begin ${section.name} -->`,
    `## ${section.name}`,
    '',
    `_Measured ${section.machine.date} on ${machineSummary(section.machine)}._`,
    '',
    section.description,
    '',
    section.markdown.trim(),
    `<!-- bench-section:end ${section.name} -->`,
  ].join('\n');
}

/** The sections found in an existing BENCHMARKS.md, by name, markers included. */
export function parseSections(markdown: string): Map<string, string> {
  const sections = new Map<string, string>();
  for (const match of markdown.matchAll(SECTION)) sections.set(match[1], match[0]);
  return sections;
}

/**
 * The whole document: header, the latest run's machine, then every section, the ones just run
 * replacing earlier ones of the same name. Sections follow `order` (the registry); sections of
 * groups no longer registered are kept at the end rather than silently dropped.
 */
export function renderBenchmarks(
  existing: string | undefined,
  machine: MachineDescription,
  fresh: readonly BenchSection[],
  order: readonly string[],
): string {
  const sections = parseSections(existing ?? '');
  for (const section of fresh) sections.set(section.name, renderSection(section));
  const names = [
    ...order.filter((name) => sections.has(name)),
    ...[...sections.keys()].filter((name) => !order.includes(name)),
  ];
  return [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (`npm run bench -- --only NAME` reruns one group and keeps the other',
    'sections as they were; each section carries its own date). Each figure is the median of several runs;',
    'the ratio compares it with a baseline measured in the same run, on the same machine.',
    '',
    '## Machine (latest run)',
    '',
    '| | |',
    '|---|---|',
    `| CPU | ${machine.cpuModel} |`,
    `| cores | ${machine.cores} |`,
    `| memory | ${machine.memoryGiB} GiB |`,
    `| Node | ${machine.node} |`,
    `| OS | ${machine.os} |`,
    `| date | ${machine.date} |`,
    '',
    ...names.flatMap((name) => [sections.get(name) as string, '']),
  ].join('\n');
}

/** Reads BENCHMARKS.md (if any), merges the fresh sections in and writes it back. */
export function writeBenchmarksMd(
  machine: MachineDescription,
  fresh: readonly BenchSection[],
  order: readonly string[],
  path: string = BENCHMARKS_MD_PATH,
): void {
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  writeFileSync(path, renderBenchmarks(existing, machine, fresh, order));
}
