/**
 * The known real outages a replay is scored against: CSV `site,start,end` with a header line, times
 * as in traces (ISO 8601 UTC or epoch ms), further columns (a `kind` or a note) allowed and ignored,
 * `#` comments and blank lines skipped. A header alone is a valid file: "no outages in this period",
 * so every trip counts as false.
 */
import { preview } from '../../../lambdas/contracts/config/value-preview';
import { csvField, splitCsvLine } from './csv-fields';
import { describeProblemCount, forEachLine, readLines, TraceFileError } from './trace-format';
import { formatTraceTime, parseTraceTime } from './trace-time';

/** The outage file's own columns. */
export const OUTAGE_COLUMNS = ['site', 'start', 'end'] as const;

/** One known outage of a site: the site did not serve calls from `start` until `end`. */
export interface Outage {
  siteId: string;
  /** Epoch ms. */
  start: number;
  /** Epoch ms, after `start`. */
  end: number;
  /** Line in the file, for messages (0 when the outage was not read from a file). */
  line: number;
}

/** An outage to write, with a note on what kind it was. */
export interface OutageRow {
  siteId: string;
  start: number;
  end: number;
  kind?: string;
}

/** Parsed outages, sorted by site then start; empty when there are problems. */
export interface ParsedOutages {
  file: string;
  outages: Outage[];
  /** Every problem, one line each. */
  problems: string[];
}

/** Parses an outage list held in memory. */
export function parseOutages(text: string, file: string): ParsedOutages {
  const lines: string[] = [];
  forEachLine(text, (line) => lines.push(line));
  return parseOutageLines(lines, file);
}

/**
 * Reads and parses an outage list.
 * @throws TraceFileError when the file cannot be read or has problems.
 */
export async function readOutagesFile(path: string, label: string = path): Promise<Outage[]> {
  const lines: string[] = [];
  await readLines(path, label, 'outage list', (line) => lines.push(line));
  const parsed = parseOutageLines(lines, label);
  if (parsed.problems.length > 0) {
    throw new TraceFileError(
      describeProblemCount('outage list', label, parsed.problems.length),
      parsed.problems,
    );
  }
  return parsed.outages;
}

/** The outages CSV for `rows`: header `site,start,end,kind`, one line each. */
export function formatOutages(rows: readonly OutageRow[]): string {
  return [
    `${[...OUTAGE_COLUMNS, 'kind'].join(',')}\n`,
    ...rows.map(
      (row) =>
        `${csvField(row.siteId)},${formatTraceTime(row.start)},${formatTraceTime(row.end)},${csvField(row.kind ?? '')}\n`,
    ),
  ].join('');
}

function parseOutageLines(lines: readonly string[], file: string): ParsedOutages {
  const problems: string[] = [];
  const outages: Outage[] = [];
  let columns: Record<(typeof OUTAGE_COLUMNS)[number], number> | null = null;
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    const text = index === 0 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (text.trim() === '' || text.trim().startsWith('#')) continue;
    const split = splitCsvLine(text);
    if ('problem' in split) {
      problems.push(`${file}:${line}: not valid CSV: ${split.problem}`);
      if (columns === null) return { file, outages: [], problems };
      continue;
    }
    if (columns === null) {
      const missing = OUTAGE_COLUMNS.filter((column) => !split.fields.includes(column));
      if (missing.length > 0) {
        problems.push(
          `${file}:${line}: header: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; expected the header ${OUTAGE_COLUMNS.join(',')}`,
        );
        return { file, outages: [], problems };
      }
      columns = {
        site: split.fields.indexOf('site'),
        start: split.fields.indexOf('start'),
        end: split.fields.indexOf('end'),
      };
      continue;
    }
    const before = problems.length;
    const at = (column: string, expected: string, found: string) =>
      problems.push(
        `${file}:${line}: ${column}: ${expected}, got ${found === '' ? 'nothing' : preview(found)}`,
      );
    const siteId = split.fields[columns.site] ?? '';
    if (siteId === '') at('site', 'expected the id of the site that was down, such as phx-primary', siteId);
    const startText = split.fields[columns.start] ?? '';
    const start = parseTraceTime(startText);
    if ('problem' in start) at('start', start.problem, startText);
    const endText = split.fields[columns.end] ?? '';
    const end = parseTraceTime(endText);
    if ('problem' in end) at('end', end.problem, endText);
    if ('ms' in start && 'ms' in end && end.ms <= start.ms) {
      at('end', `expected a time after start (${formatTraceTime(start.ms)})`, endText);
    }
    if (problems.length === before && 'ms' in start && 'ms' in end) {
      outages.push({ siteId, start: start.ms, end: end.ms, line });
    }
  }
  if (columns === null) {
    problems.push(`${file}: empty: expected a header line ${OUTAGE_COLUMNS.join(',')}`);
  }
  outages.sort((a, b) => (a.siteId !== b.siteId ? (a.siteId < b.siteId ? -1 : 1) : a.start - b.start));
  for (let index = 1; index < outages.length; index++) {
    const previous = outages[index - 1];
    const current = outages[index];
    if (previous.siteId === current.siteId && current.start < previous.end) {
      const [first, second] = previous.line < current.line ? [previous, current] : [current, previous];
      problems.push(
        `${file}:${second.line}: start: overlaps the outage of ${second.siteId} at line ${first.line}; merge them into one line`,
      );
    }
  }
  return { file, outages: problems.length === 0 ? outages : [], problems };
}
