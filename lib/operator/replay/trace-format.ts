/**
 * The probe trace: CSV with a header line and one probe round a line,
 *
 *   time,region,site,ok,latencyMs[,endpoint,reason,...]
 *   2026-11-01T00:00:10Z,us-east-1,phx-primary,1,38,,
 *   1793491220000,us-east-2,phx-primary,0,,sip:udp:sbc1.phx.example.net:5060,timeout after 2000 ms
 *
 * `time` is ISO 8601 UTC or epoch ms, `ok` is 1/0/true/false, `latencyMs` may be empty (failures
 * usually have none). Columns are found by their header name. Two optional columns are read by the
 * decision: `control`, 1 when the region reached a control target that round, 0 when it reached none
 * (a failed round is then the region's abstention, see judgeRound), empty when none was probed; and
 * `calls`, 1 when the round placed test calls and at least one answered as expected, 0 when every one
 * failed (so `ok` is 0 too: the round fails on its calls), empty when none was placed (a round
 * between two calls: the replay carries the region's latest call verdict into it, as the probe does).
 * Further columns (`endpoint`, `reason`) are allowed and ignored by the decision. `#` comment lines and blank lines are skipped.
 * Lines need not be sorted: the parsed trace is sorted by time. Every bad line is reported at once,
 * as `<file>:<line>: <column>: expected ..., got ...`, like the forwarding plan.
 *
 * A line is a probe round, not an endpoint's observation: its `ok` is the round's verdict (the
 * export writes judgeRound's verdict of the stored observations, without any carried call verdict),
 * so a trace has at most one line per (time, region, site); a second one is an error.
 */
import { createReadStream } from 'node:fs';
import { preview } from '../../../lambdas/contracts/config/value-preview';
import { ValidationError } from '../../../lambdas/contracts/errors';
import { csvField, splitCsvLine } from './csv-fields';
import { formatTraceTime, parseTraceTime } from './trace-time';

/** The trace's own columns, in the order the writers put them. */
export const TRACE_COLUMNS = ['time', 'region', 'site', 'ok', 'latencyMs'] as const;
/** Columns every trace must have; `latencyMs` may be left out. */
const REQUIRED_COLUMNS = ['time', 'region', 'site', 'ok'] as const;
/** The optional column with the region's control verdict of the round (see the module comment). */
export const TRACE_CONTROL_COLUMN = 'control';
/** The optional column with the verdict of the test calls the round placed (see the module comment). */
export const TRACE_CALLS_COLUMN = 'calls';
/** The informative columns the export and the simulator add (ignored by the decision). */
export const TRACE_NOTE_COLUMNS = ['endpoint', 'reason'] as const;

/** Problems listed in full; the rest are counted (a wrong column can break every line of a month). */
const MAX_LISTED_PROBLEMS = 50;

/** One probe round of one site from one region, as the replay uses it. */
export interface TraceObservation {
  /** Epoch ms when the round started. */
  at: number;
  region: string;
  siteId: string;
  /** The round's verdict. */
  ok: boolean;
  latencyMs?: number;
  /** Whether the region reached a control target that round; undefined when none was probed. */
  control?: boolean;
  /** Whether a test call of the round answered as expected; undefined when none was placed. */
  calls?: boolean;
  /** Line in the file, for messages. */
  line: number;
}

/** A round to write: the observation (no line yet) plus the informative columns. */
export interface TraceRow extends Omit<TraceObservation, 'line'> {
  /** The failing endpoint(s), for people. */
  endpoint?: string;
  /** Why the round failed (or was degraded), for people. */
  reason?: string;
}

/** Which optional columns a written trace has. */
export interface TraceLayout {
  /** Write the `calls` column (the export always does; the simulator when it places test calls). */
  calls?: boolean;
}

/** A parsed trace. `observations` holds only valid lines, sorted by time, then site, then region. */
export interface ParsedTrace {
  file: string;
  observations: TraceObservation[];
  /** The first problems, one line each (`<file>:<line>: <column>: ...`). */
  problems: string[];
  /** Every problem found, including those not listed. */
  problemCount: number;
  /** Sites and regions seen, sorted. */
  sites: string[];
  regions: string[];
}

/** A trace or outage list that cannot be used; `problems` names every bad line. */
export class TraceFileError extends ValidationError {
  constructor(message: string, problems: string[] = [], options: { cause?: unknown } = {}) {
    super(message, problems, options);
    this.name = 'TraceFileError';
  }
}

type TraceColumn = (typeof TRACE_COLUMNS)[number] | typeof TRACE_CONTROL_COLUMN | typeof TRACE_CALLS_COLUMN;

/**
 * Parses a trace line by line (feed it with `line`, then `finish`): the file never has to be in
 * memory whole, only its observations.
 */
export class TraceParser {
  private lineNumber = 0;
  private columns: Record<TraceColumn, number> | null = null;
  private headerBroken = false;
  private readonly observations: TraceObservation[] = [];
  private readonly problems: string[] = [];
  private problemCount = 0;
  private sorted = true;
  private readonly sites = new Set<string>();
  private readonly regions = new Set<string>();

  constructor(private readonly file: string) {}

  /** The next physical line of the file, without its line break. */
  line(raw: string): void {
    this.lineNumber++;
    const text = this.lineNumber === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.startsWith('#') || this.headerBroken) return;
    if (this.columns === null) {
      this.readHeader(text);
      return;
    }
    this.readObservation(text);
  }

  /** The trace, sorted, with every problem found (duplicates of a round included). */
  finish(): ParsedTrace {
    if (this.columns === null && !this.headerBroken) {
      this.problem(
        `${this.file}: empty: expected a header line ${TRACE_COLUMNS.join(',')} and one line per probe round`,
      );
    } else if (this.columns !== null && this.observations.length === 0 && this.problemCount === 0) {
      this.problem(`${this.file}: no observations: expected at least one line after the header`);
    }
    const observations = this.observations;
    if (!this.sorted) observations.sort(byTimeSiteRegion);
    this.reportDuplicateRounds(observations);
    return {
      file: this.file,
      observations: this.problemCount === 0 ? observations : [],
      problems: this.problems,
      problemCount: this.problemCount,
      sites: [...this.sites].sort(),
      regions: [...this.regions].sort(),
    };
  }

  private readHeader(text: string): void {
    const split = splitCsvLine(text);
    const names = 'fields' in split ? split.fields : [];
    const missing = REQUIRED_COLUMNS.filter((column) => !names.includes(column));
    const repeated = names.filter((name, index) => name !== '' && names.indexOf(name) !== index);
    if ('problem' in split || missing.length > 0 || repeated.length > 0) {
      const parts = [
        'problem' in split ? split.problem : '',
        missing.length > 0 ? `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` : '',
        repeated.length > 0 ? `column${repeated.length > 1 ? 's' : ''} ${repeated.join(', ')} twice` : '',
      ].filter(Boolean);
      this.problem(
        `${this.file}:${this.lineNumber}: header: ${parts.join('; ')}; expected the header ${TRACE_COLUMNS.join(',')} (further columns such as ${TRACE_NOTE_COLUMNS.join(', ')} are allowed)`,
      );
      this.headerBroken = true;
      return;
    }
    this.columns = {
      time: names.indexOf('time'),
      region: names.indexOf('region'),
      site: names.indexOf('site'),
      ok: names.indexOf('ok'),
      latencyMs: names.indexOf('latencyMs'),
      control: names.indexOf(TRACE_CONTROL_COLUMN),
      calls: names.indexOf(TRACE_CALLS_COLUMN),
    };
  }

  private readObservation(text: string): void {
    const columns = this.columns as NonNullable<typeof this.columns>;
    const line = this.lineNumber;
    const split = splitCsvLine(text);
    if ('problem' in split) {
      this.problem(`${this.file}:${line}: not valid CSV: ${split.problem}`);
      return;
    }
    const { fields } = split;
    const before = this.problemCount;
    const timeText = fields[columns.time] ?? '';
    const time = parseTraceTime(timeText);
    if ('problem' in time) this.badField(line, 'time', time.problem, timeText);
    const region = fields[columns.region] ?? '';
    if (region === '') {
      this.badField(line, 'region', 'expected the name of the region that probed, such as us-east-1', region);
    }
    const siteId = fields[columns.site] ?? '';
    if (siteId === '') {
      this.badField(line, 'site', 'expected the id of the probed site, such as phx-primary', siteId);
    }
    const okText = fields[columns.ok] ?? '';
    const ok = parseOk(okText);
    if (ok === undefined) this.badField(line, 'ok', 'expected 1, 0, true or false', okText);
    const latencyText = columns.latencyMs < 0 ? '' : (fields[columns.latencyMs] ?? '');
    const latencyMs = latencyText === '' ? undefined : Number(latencyText);
    if (latencyMs !== undefined && !(Number.isFinite(latencyMs) && latencyMs >= 0)) {
      this.badField(
        line,
        'latencyMs',
        'expected nothing or a number of milliseconds, 0 or more',
        latencyText,
      );
    }
    const control = this.optionalVerdict(
      line,
      fields[columns.control],
      TRACE_CONTROL_COLUMN,
      'expected nothing (no control target probed), 1 (one reached), 0 (none reached), true or false',
    );
    const calls = this.optionalVerdict(
      line,
      fields[columns.calls],
      TRACE_CALLS_COLUMN,
      'expected nothing (no test call placed), 1 (one answered as expected), 0 (every one failed), true or false',
    );
    if (calls === false && ok === true) {
      // judgeRound fails every round whose calls all failed, so this line contradicts itself.
      this.problem(
        `${this.file}:${line}: ${TRACE_CALLS_COLUMN}: 0 (every test call failed) fails the round, so expected ok 0, got ok ${okText}`,
      );
    }
    if (this.problemCount > before || !('ms' in time) || ok === undefined) return;

    const observation: TraceObservation = { at: time.ms, region, siteId, ok, line };
    if (latencyMs !== undefined) observation.latencyMs = latencyMs;
    if (control !== undefined) observation.control = control;
    if (calls !== undefined) observation.calls = calls;
    const previous = this.observations[this.observations.length - 1];
    if (previous !== undefined && this.sorted && byTimeSiteRegion(previous, observation) > 0) {
      this.sorted = false;
    }
    this.observations.push(observation);
    if (siteId !== previous?.siteId) this.sites.add(siteId);
    if (region !== previous?.region) this.regions.add(region);
  }

  /** A 1/0/true/false column that may be missing or empty; a bad value is reported. */
  private optionalVerdict(line: number, text: string | undefined, column: string, expected: string) {
    if (text === undefined || text === '') return undefined;
    const verdict = parseOk(text);
    if (verdict === undefined) this.badField(line, column, expected, text);
    return verdict;
  }

  private badField(line: number, column: string, expected: string, found: string): void {
    this.problem(
      `${this.file}:${line}: ${column}: ${expected}, got ${found === '' ? 'nothing' : preview(found)}`,
    );
  }

  private reportDuplicateRounds(observations: readonly TraceObservation[]): void {
    for (let index = 1; index < observations.length; index++) {
      const previous = observations[index - 1];
      const current = observations[index];
      if (byTimeSiteRegion(previous, current) !== 0) continue;
      const [first, second] = previous.line < current.line ? [previous, current] : [current, previous];
      this.problem(
        `${this.file}:${second.line}: time: a second round of site ${second.siteId} from ${second.region} at ${formatTraceTime(second.at)} (the first is at line ${first.line}); a trace has one line per round`,
      );
    }
  }

  private problem(text: string): void {
    this.problemCount++;
    if (this.problems.length < MAX_LISTED_PROBLEMS) this.problems.push(text);
  }
}

/** Parses a whole trace held in memory. */
export function parseTrace(text: string, file: string): ParsedTrace {
  const parser = new TraceParser(file);
  forEachLine(text, (line) => parser.line(line));
  return parser.finish();
}

/**
 * Reads a trace file as a stream (a month of probes is tens of MB) and parses it.
 * @throws TraceFileError when the file cannot be read.
 */
export async function readTraceFile(path: string, label: string = path): Promise<ParsedTrace> {
  const parser = new TraceParser(label);
  await readLines(path, label, 'trace', (line) => parser.line(line));
  return parser.finish();
}

/** Throws a TraceFileError listing the trace's problems, if it has any. */
export function assertValidTrace(trace: ParsedTrace): void {
  if (trace.problemCount === 0) return;
  throw new TraceFileError(describeProblemCount('trace', trace.file, trace.problemCount), [
    ...trace.problems,
    ...(trace.problemCount > trace.problems.length
      ? [`... and ${trace.problemCount - trace.problems.length} more`]
      : []),
  ]);
}

/** `Invalid trace trace.csv (3 problems):`. */
export function describeProblemCount(what: string, file: string, count: number): string {
  return `Invalid ${what} ${file} (${count} problem${count === 1 ? '' : 's'}):`;
}

/** The header line of a trace with the decision's and the informative columns, ending in a line break. */
export function traceHeader(layout: TraceLayout = {}): string {
  const decision = layout.calls ? [TRACE_CONTROL_COLUMN, TRACE_CALLS_COLUMN] : [TRACE_CONTROL_COLUMN];
  return `${[...TRACE_COLUMNS, ...decision, ...TRACE_NOTE_COLUMNS].join(',')}\n`;
}

/**
 * One trace line for `row` in the columns of `traceHeader(layout)`, ending in a line break (time in
 * ISO UTC, ok, control and calls as 1/0).
 * @throws ValidationError when the row has a calls verdict and the layout no `calls` column.
 */
export function formatTraceRow(row: TraceRow, layout: TraceLayout = {}): string {
  if (row.calls !== undefined && !layout.calls) {
    throw new ValidationError(
      `the round of ${row.siteId} from ${row.region} at ${formatTraceTime(row.at)} placed test calls, but the trace has no ${TRACE_CALLS_COLUMN} column: write it with { calls: true }`,
    );
  }
  const verdict = (value: boolean | undefined) => (value === undefined ? '' : value ? 1 : 0);
  const calls = layout.calls ? `${verdict(row.calls)},` : '';
  return `${formatTraceTime(row.at)},${csvField(row.region)},${csvField(row.siteId)},${row.ok ? 1 : 0},${
    row.latencyMs === undefined ? '' : Math.round(row.latencyMs)
  },${verdict(row.control)},${calls}${csvField(row.endpoint ?? '')},${csvField(row.reason ?? '')}\n`;
}

/** Time order, then site, then region: the order the replay needs and the export writes. */
export function byTimeSiteRegion(
  a: Pick<TraceObservation, 'at' | 'siteId' | 'region'>,
  b: Pick<TraceObservation, 'at' | 'siteId' | 'region'>,
): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.siteId !== b.siteId) return a.siteId < b.siteId ? -1 : 1;
  if (a.region !== b.region) return a.region < b.region ? -1 : 1;
  return 0;
}

/** Calls `onLine` with every line of `text` (line breaks `\n` or `\r\n`). */
export function forEachLine(text: string, onLine: (line: string) => void): void {
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const stop = end < 0 ? text.length : end;
    onLine(text.charCodeAt(stop - 1) === 13 ? text.slice(start, stop - 1) : text.slice(start, stop));
    start = stop + 1;
  }
}

/**
 * Streams the lines of a file to `onLine`.
 * @throws TraceFileError when the file cannot be read (missing, a folder, no permission).
 */
export async function readLines(
  path: string,
  label: string,
  what: string,
  onLine: (line: string) => void,
): Promise<void> {
  let rest = '';
  try {
    for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      const text = rest + (chunk as string);
      const lastBreak = text.lastIndexOf('\n');
      if (lastBreak < 0) {
        rest = text;
        continue;
      }
      forEachLine(text.slice(0, lastBreak + 1), onLine);
      rest = text.slice(lastBreak + 1);
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a folder'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
    throw new TraceFileError(`cannot read the ${what} ${label}: ${why}`, [], { cause: error });
  }
  if (rest !== '') forEachLine(rest, onLine);
}

function parseOk(text: string): boolean | undefined {
  const lower = text.toLowerCase();
  if (lower === '1' || lower === 'true') return true;
  return lower === '0' || lower === 'false' ? false : undefined;
}
