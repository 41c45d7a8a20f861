/**
 * Everything the CLI prints goes through here. With `--json` stdout carries exactly one JSON
 * document (the result, or `{ok: false, ...}` on failure) and nothing else; logs, progress and
 * prompts always go to stderr, so `carrier-failover status --json | jq` works during an outage.
 */
import { createInterface } from 'node:readline';
import type { CliError } from './cli-error';

/** The process around the CLI: streams, terminal, environment, time. Tests pass their own. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** True when a person can answer a question: stdin and stderr are terminals. */
  interactive: boolean;
  /** Asks on stderr and resolves with the line typed, or undefined when input ended (Ctrl-D). */
  ask(question: string): Promise<string | undefined>;
  env: Record<string, string | undefined>;
  /** Epoch milliseconds. */
  now(): number;
}

/** The real process. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    ask: (question) =>
      new Promise((resolve) => {
        const reader = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
        let answered = false;
        reader.question(question, (answer) => {
          answered = true;
          reader.close();
          resolve(answer);
        });
        // Ctrl-C at the prompt declines, like Ctrl-D, instead of leaving readline paused.
        reader.on('SIGINT', () => reader.close());
        reader.on('close', () => {
          if (!answered) resolve(undefined);
        });
      }),
    env: process.env,
    now: Date.now,
  };
}

/** A progress display for a long operation; a no-op where a bar would garble the output. */
export interface Progress {
  update(done: number): void;
  stop(): void;
}

/** How the operator asked for output. */
export interface OutputMode {
  json: boolean;
  verbose: boolean;
}

/** Writes results, logs and errors in the form the operator asked for. */
export class CliOutput {
  private resultWritten = false;

  constructor(
    readonly io: CliIo,
    readonly mode: OutputMode,
  ) {}

  /** A log line for people, on stderr (also with --json). */
  info(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  /** A log line shown only with --verbose. */
  detail(line: string): void {
    if (this.mode.verbose) this.info(line);
  }

  warn(line: string): void {
    this.info(`warning: ${line}`);
  }

  /**
   * The command's result: `value` as one JSON document with --json, else `human(value)` as text.
   * A command writes one result at most. `options.json` asks for JSON even without --json (a
   * command's own format flag).
   */
  result<T>(value: T, human: (value: T) => string, options: { json?: boolean } = {}): void {
    if (this.resultWritten) throw new Error('a command wrote two results');
    this.resultWritten = true;
    if (this.mode.json || options.json) {
      this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      return;
    }
    const text = human(value);
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /**
   * Reports a failure: the message and its problems on stderr (the cause chain with --verbose),
   * and with --json the same as `{ok: false, ...}` on stdout unless a result was already written.
   */
  failure(error: CliError): void {
    const lines = [
      `carrier-failover: ${error.message}`,
      ...error.problems.map((problem) => `  - ${problem}`),
    ];
    if (this.mode.verbose) lines.push(...describeCauses(error.cause));
    else if (error.cause !== undefined) lines.push('  (run with --verbose to see the cause)');
    this.io.stderr.write(`${lines.join('\n')}\n`);
    if (this.mode.json && !this.resultWritten) {
      this.resultWritten = true;
      const document = {
        ok: false,
        exitCode: error.exitCode,
        error: error.message,
        problems: error.problems,
      };
      this.io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    }
  }

  /** A progress bar on stderr for people at a terminal; nothing with --json or when piped. */
  progress(total: number, what: string): Progress {
    if (this.mode.json || !this.io.stderr.isTTY || total === 0) return { update: () => {}, stop: () => {} };
    // Loaded only here: most commands never draw a bar.
    const { SingleBar, Presets } = require('cli-progress') as typeof import('cli-progress');
    const bar = new SingleBar(
      {
        stream: this.io.stderr as NodeJS.WritableStream,
        format: `${what} [{bar}] {value}/{total} numbers`,
        hideCursor: true,
        clearOnComplete: true,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    return {
      update: (done) => bar.update(Math.min(done, total)),
      stop: () => bar.stop(),
    };
  }
}

/** The chain of causes under an error, one line each, without stack traces. */
function describeCauses(cause: unknown): string[] {
  const lines: string[] = [];
  let current = cause;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const name = (current as { name?: string }).name ?? 'Error';
    const message = current instanceof Error ? current.message : String(current);
    const code = (current as { code?: unknown }).code;
    lines.push(
      `  caused by ${name}${typeof code === 'string' ? ` (${code})` : ''}: ${message.split('\n')[0]}`,
    );
    current = (current as { cause?: unknown }).cause;
  }
  return lines;
}

/** Columns padded to their widest cell, headers first; the last column is not padded. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** A short age or duration: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** An epoch-ms time as `2026-08-12 08:45:00Z`. */
export function formatTimestamp(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}
