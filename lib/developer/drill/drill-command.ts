import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_CONFIG_PATH } from '../../config/load-config';
import {
  DRILL_OUTPUT_FILES,
  drillJson,
  drillSucceeded,
  renderDrillSummary,
  writeDrillOutput,
} from './drill-output';
import type { DrillProgress } from './drill-result';
import { DRILL_SCENARIOS, type DrillScenario } from './out-of-sync-act';
import { runDrill } from './run-drill';

/** Parses the drill's options and runs it; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('drill')
    .description('Plays a whole outage on this machine with the real handler code and prints its timeline.')
    .option('--config <path>', 'config file (default: the embedded config/example.yaml)', DEFAULT_CONFIG_PATH)
    .option(
      '--numbers <n>',
      "a generated plan of N numbers instead of the config's plan",
      wholeNumber('--numbers', 1, 1_000_000),
    )
    .option(
      '--carrier-faults <rate>',
      'share of carrier requests answered 429, 500 or too late (0-0.5)',
      rate,
      0,
    )
    .option(
      '--rate-limit <r>',
      "requests/second every carrier takes (default: the config's limits; 200 with --numbers)",
      wholeNumber('--rate-limit', 1, 10_000),
    )
    .option(
      '--seed <n>',
      "seed of the carrier fakes' faults and latencies",
      wholeNumber('--seed', 0, 2 ** 31),
      1,
    )
    .option(
      '--timeout <seconds>',
      'give up when the outage is not over after this long (default 300, plus 1 s per 20 numbers)',
      wholeNumber('--timeout', 10, 36_000),
    )
    .option(
      '--out <dir>',
      'folder for the post-incident report and the chart of numbers over time',
      'drill-output',
    )
    .addOption(
      new Option(
        '--scenario <name>',
        'outage: the site dies and comes back; out-of-sync: it comes back answering OPTIONS and HTTP while every test call fails, then recovers',
      )
        .choices(DRILL_SCENARIOS)
        .default('outage'),
    )
    .option('--json', 'print one JSON document on stdout (progress goes to stderr)', false)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  try {
    program.parse(argv);
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 1;
  }
  const options = program.opts<{
    config: string;
    numbers?: number;
    carrierFaults: number;
    rateLimit?: number;
    seed: number;
    timeout?: number;
    out: string;
    json: boolean;
    scenario: DrillScenario;
  }>();

  const display = new ProgressDisplay(Boolean(process.stderr.isTTY));
  const result = await runDrill(
    {
      configPath: options.config,
      numbers: options.numbers,
      carrierFaults: options.carrierFaults,
      rateLimit: options.rateLimit ?? (options.numbers !== undefined ? 200 : undefined),
      seed: options.seed,
      scenario: options.scenario,
      timeoutMs: (options.timeout ?? 300 + Math.ceil((options.numbers ?? 0) / 20)) * 1000,
    },
    display,
  ).finally(() => display.stop());
  const outDir = writeDrillOutput(result, options.out);
  const verdict = drillSucceeded(result);
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ ...drillJson(result), ok: verdict.ok, problems: verdict.problems, outDir }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(renderDrillSummary(result, outDir));
    process.stdout.write(`\n${result.reportMarkdown}\n`);
  }
  const written = `${DRILL_OUTPUT_FILES.report} and ${DRILL_OUTPUT_FILES.chart} in ${outDir}`;
  if (!verdict.ok) {
    process.stderr.write(`drill failed: ${verdict.problems.join('; ')}; ${written}\n`);
    return 1;
  }
  process.stderr.write(`drill passed in ${(result.durationMs / 1000).toFixed(1)} s; ${written}\n`);
  return 0;
}

/** Phase lines on stderr, and a bar for the numbers when stderr is a terminal. */
class ProgressDisplay implements DrillProgress {
  private readonly bars?: MultiBar;
  private readonly bar = new Map<string, SingleBar>();
  private readonly started = Date.now();
  private readonly lastLine = new Map<string, { at: number; done: number }>();

  constructor(interactive: boolean) {
    if (interactive) {
      this.bars = new MultiBar(
        {
          format: '  {what} [{bar}] {value}/{total}',
          hideCursor: true,
          clearOnComplete: false,
          stream: process.stderr,
        },
        Presets.shades_classic,
      );
    }
  }

  phase(message: string): void {
    const line = `[${((Date.now() - this.started) / 1000).toFixed(1).padStart(5)} s] ${message}`;
    if (this.bars) this.bars.log(`${line}\n`);
    else process.stderr.write(`${line}\n`);
  }

  numbers(done: number, total: number, what: 'forwarded' | 'restored', detail?: string): void {
    if (!this.bars) {
      // Not a terminal (CI, a pipe): a line every few seconds instead of a bar.
      const now = Date.now();
      const last = this.lastLine.get(what);
      if (done !== last?.done && (now - (last?.at ?? 0) >= 5_000 || done === total)) {
        this.lastLine.set(what, { at: now, done });
        this.phase(`${what} ${done}/${total}${detail ? ` (${detail})` : ''}`);
      }
      return;
    }
    let bar = this.bar.get(what);
    if (!bar) {
      bar = this.bars.create(total, 0, { what: what.padEnd(9) });
      this.bar.set(what, bar);
    }
    bar.setTotal(total);
    bar.update(done);
  }

  stop(): void {
    this.bars?.stop();
  }
}

function wholeNumber(flag: string, min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${flag}: expected a whole number ${min}-${max}, got "${value}"`);
    }
    return parsed;
  };
}

function rate(value: string): number {
  const parsed = Number(value);
  if (!/^\d*\.?\d+$/.test(value) || parsed < 0 || parsed > 0.5) {
    throw new InvalidArgumentError(`--carrier-faults: expected a rate 0-0.5 such as 0.2, got "${value}"`);
  }
  return parsed;
}
