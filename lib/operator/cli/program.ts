/**
 * The operator CLI `carrier-failover`: every command, argument and option is declared here, in
 * one place; each command's work is a handler in lib/operator/cli/commands/ that returns an exit code
 * (lib/operator/cli/exit-codes.ts). Handlers are loaded only when their command runs, so the offline checks
 * never load the AWS SDK.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_CONFIG_PATH } from '../../config/load-config';
import { toCliError } from './support/cli-error';
import { CommandContext, type CommandHandler, type GlobalOptions } from './support/command-context';
import { EXIT_CODE_HELP, ExitCode } from './support/exit-codes';
import { type CliIo, CliOutput, processIo } from './support/output';

/** `audit --expect` choices: auditRouting's RoutingExpectation values. */
const AUDIT_EXPECTATIONS = ['armed', 'normal', 'forwarded'] as const;

/** Runs the CLI on `argv` (as process.argv: node, script, arguments...) and resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Help and --version end "with an error" in commander's exit-override mode; they succeeded.
    if (error.exitCode === 0) return ExitCode.ok;
    // commander already printed its message on stderr; --json callers still get one document.
    if (argv.includes('--json')) {
      const document = {
        ok: false,
        exitCode: ExitCode.invalid,
        error: error.message.replace(/^error: /, ''),
      };
      io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    }
    return ExitCode.invalid;
  }
}

/** The commander program. `setExitCode` receives each command handler's exit code. */
export function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('carrier-failover');
  // Settings first: commander copies them into every command created afterwards.
  program
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .description(
      'Operate a carrier-failover deployment: see what is happening, fail a site over now, bring it back, and report what happened.',
    )
    .addOption(
      new Option('-c, --config <path>', "the deployment's config file").default(
        DEFAULT_CONFIG_PATH,
        'the embedded config/example.yaml',
      ),
    )
    .option('--json', 'print the result as one JSON document on stdout (logs stay on stderr)')
    .option('--region <region>', 'use this AWS region only, without falling back to the other regions')
    .option('-v, --verbose', 'explain errors with their causes')
    .addHelpText('after', `\nExit codes:\n${EXIT_CODE_HELP.join('\n')}\n`);

  const run =
    <Args>(load: () => Promise<CommandHandler<Args>>, argsOf: (command: Command) => Args) =>
    async (...params: unknown[]) => {
      const command = params[params.length - 1] as Command;
      setExitCode(await execute(io, command, async (context) => (await load())(argsOf(command), context)));
    };

  program
    .command('status')
    .description("each site's health per region, open incidents and their numbers")
    .option('-w, --watch', 'read again every few seconds until Ctrl-C (redrawn in place on a terminal)')
    .addOption(
      new Option('--interval <seconds>', 'with --watch, seconds between reads (default 5)').argParser(
        wholeNumberParser(1, 3600),
      ),
    )
    .addOption(
      new Option('--count <n>', 'with --watch, stop after this many reads').argParser(
        wholeNumberParser(1, 100_000),
      ),
    )
    .action(
      run(
        async () => (await import('./commands/status')).runStatus,
        (command) => {
          const options = command.opts<{ watch?: boolean; interval?: number; count?: number }>();
          return { watch: options.watch === true, intervalSeconds: options.interval, count: options.count };
        },
      ),
    );

  program
    .command('failover')
    .description(
      "fail a site over now: the orchestrator forwards the site's numbers to their backup destinations",
    )
    .requiredOption('--site <id>', 'the primary site to fail over')
    .option('--reason <text>', 'why, for the incident log and the alerts (required unless --dry-run)')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--operator <name>', 'who asks, for the audit trail (default: your login name)')
    .option(
      '--dry-run',
      "only show what would happen: each number's routing now and after, skips, problems, the time it would take; writes nothing",
    )
    .action(
      run(
        async () => (await import('./commands/failover')).runFailover,
        (command) => {
          const options = command.opts<{
            site: string;
            reason?: string;
            yes?: boolean;
            operator?: string;
            dryRun?: boolean;
          }>();
          return { ...options, yes: options.yes === true, dryRun: options.dryRun === true };
        },
      ),
    );

  program
    .command('practice')
    .description(
      'practice the failover path now: forward and restore each canary, dry-run the orchestrators, check the alert topics and the fallbacks',
    )
    .option('--carrier <name>', "only this carrier's credentials, canary and numbers")
    .action(
      run(
        async () => (await import('./commands/practice')).runPracticeCommand,
        (command) => command.opts<{ carrier?: string }>(),
      ),
    );

  program
    .command('failback')
    .description("approve a site's failback (--approve) or advance it one step now")
    .requiredOption('--site <id>', 'the primary site to fail back')
    .option('--approve', 'approve the failback (manual mode); without it, only advance it')
    .option('--operator <name>', 'who approves, for the audit trail (default: your login name)')
    .action(
      run(
        async () => (await import('./commands/failback')).runFailback,
        (command) => {
          const options = command.opts<{ site: string; approve?: boolean; operator?: string }>();
          return { ...options, approve: options.approve === true };
        },
      ),
    );

  const incidents = program.command('incidents').description('the incident log and post-incident reports');
  incidents
    .command('list')
    .description('incidents, newest first')
    .option('--site <id>', "only this site's incidents")
    .addOption(new Option('--limit <n>', 'at most this many').argParser(parseLimit).default(20))
    .option('--practice', 'only practice runs (with their measured durations)')
    .option('--no-practice', 'leave practice runs out')
    .action(
      run(
        async () => (await import('./commands/incidents-list')).runIncidentsList,
        (command) => command.opts<{ site?: string; limit: number; practice?: boolean }>(),
      ),
    );
  incidents
    .command('show')
    .description('the post-incident report of one incident')
    .argument('<id>', 'incident id, e.g. phx-primary-20260812T084500Z')
    .addOption(
      new Option('--format <format>', 'report format').choices(['markdown', 'json']).default('markdown'),
    )
    .action(
      run(
        async () => (await import('./commands/incidents-show')).runIncidentsShow,
        (command) => ({
          incidentId: command.args[0],
          format: command.opts<{ format: 'markdown' | 'json' }>().format,
        }),
      ),
    );

  incidents
    .command('note')
    .description("add the root cause (--cause) or a note (--text) to an incident's timeline")
    .argument('<id>', 'incident id')
    .option('--cause <text>', 'the root cause; the report\'s "Root Cause of Problem"')
    .option('--text <text>', 'a note')
    .option('--operator <name>', 'who adds it (default: $USER)')
    .action(
      run(
        async () => (await import('./commands/incidents-note')).runIncidentsNote,
        (command) => ({
          incidentId: command.args[0],
          ...command.opts<{ cause?: string; text?: string; operator?: string }>(),
        }),
      ),
    );

  program
    .command('config')
    .description('the deployment config')
    .command('check')
    .description('validate a config and its forwarding plan offline, with the messages synth prints')
    .argument('[file]', 'config file (default: --config)')
    .action(
      run(
        async () => (await import('./commands/config-check')).runConfigCheck,
        (command) => ({ file: command.args[0] }),
      ),
    );

  program
    .command('preflight')
    .description(
      'before the first deploy, read-only: the account, cdk bootstrap, carrier secrets, SMS sandbox, Lambda concurrency and table consistency, per watchdog region',
    )
    .action(
      run(
        async () => (await import('./commands/preflight')).runPreflight,
        () => ({}),
      ),
    );

  program
    .command('plan')
    .description('the forwarding plan')
    .command('check')
    .description('validate a forwarding plan CSV against the --config config, offline')
    .argument('[file]', 'plan CSV (default: the plan the config names)')
    .action(
      run(
        async () => (await import('./commands/plan-check')).runPlanCheck,
        (command) => ({ file: command.args[0] }),
      ),
    );

  program
    .command('probe')
    .description("probe a site's SIP and HTTP endpoints once from this machine")
    .option('--site <id>', 'the site to probe (default: every site)')
    .action(
      run(
        async () => (await import('./commands/probe')).runProbe,
        (command) => command.opts<{ site?: string }>(),
      ),
    );

  program
    .command('arm')
    .description(
      "set the carriers' own fallback (forward on failure) for the plan's numbers, ahead of an outage",
    )
    .option('--site <id>', "only this site's numbers")
    .action(
      run(
        async () => (await import('./commands/arm')).runArm,
        (command) => command.opts<{ site?: string }>(),
      ),
    );

  program
    .command('audit')
    .description('report every number whose routing at its carrier differs from the plan')
    .option('--site <id>', "only this site's numbers")
    .addOption(
      new Option(
        '--expect <routing>',
        'armed: fallback set; forwarded: during an incident; normal: no forwarding',
      )
        .choices(AUDIT_EXPECTATIONS)
        .default('armed'),
    )
    .action(
      run(
        async () => (await import('./commands/audit')).runAudit,
        (command) => command.opts<{ site?: string; expect: (typeof AUDIT_EXPECTATIONS)[number] }>(),
      ),
    );

  program
    .command('replay')
    .description(
      "replay a probe trace through the decision the probe runs, with the config's detection settings or the flags' (offline)",
    )
    .argument('<trace>', 'trace CSV: time,region,site,ok,latencyMs (e.g. from observations export)')
    .option('--quorum <n>', 'regions that must vote a site down (default: the config)')
    .option(
      '--failures-to-trip <n>',
      'consecutive failed rounds before a region votes down (default: the config)',
    )
    .option(
      '--recovery-hold-minutes <n>',
      'minutes of healthy quorum before a site is up again (default: the config)',
    )
    .option(
      '--interval-seconds <n>',
      "the trace's probe interval (default: the config's probeIntervalSeconds)",
    )
    .option('--outages <file>', 'known real outages CSV (site,start,end) to score the settings against')
    .option('--sweep', 'also try quorum 1..regions, failuresToTrip 1..6, hold 0..15 min (needs --outages)')
    .action(
      run(
        async () => (await import('./commands/replay')).runReplay,
        (command) => {
          const options = command.opts<{
            quorum?: string;
            failuresToTrip?: string;
            recoveryHoldMinutes?: string;
            intervalSeconds?: string;
            outages?: string;
            sweep?: boolean;
          }>();
          return {
            trace: command.args[0],
            quorum: options.quorum,
            failuresToTrip: options.failuresToTrip,
            recoveryHoldMinutes: options.recoveryHoldMinutes,
            probeIntervalSeconds: options.intervalSeconds,
            outages: options.outages,
            sweep: options.sweep === true,
          };
        },
      ),
    );

  program
    .command('observations')
    .description('the probe observations stored in the observation table')
    .command('export')
    .description(
      "write a site's observations from every watchdog region as a trace CSV on stdout, sorted by time",
    )
    .requiredOption('--site <id>', 'the site whose observations to export')
    .requiredOption('--from <time>', 'start, ISO 8601 UTC (2026-11-01T00:00:00Z) or epoch ms')
    .requiredOption('--to <time>', 'end (exclusive), ISO 8601 UTC or epoch ms')
    .action(
      run(
        async () => (await import('./commands/observations-export')).runObservationsExport,
        (command) => command.opts<{ site: string; from: string; to: string }>(),
      ),
    );

  return program;
}

/** Runs one handler with its context; any error becomes one message and its exit code. */
async function execute(
  io: CliIo,
  command: Command,
  work: (context: CommandContext) => Promise<number>,
): Promise<number> {
  const options = command.optsWithGlobals<Partial<GlobalOptions>>();
  const globals: GlobalOptions = {
    config: options.config ?? DEFAULT_CONFIG_PATH,
    json: options.json === true,
    region: options.region,
    verbose: options.verbose === true,
  };
  const out = new CliOutput(io, { json: globals.json, verbose: globals.verbose });
  const context = new CommandContext(out, globals, io);
  try {
    return await work(context);
  } catch (error) {
    const failure = toCliError(error);
    out.failure(failure);
    return failure.exitCode;
  } finally {
    context.close();
  }
}

/** A commander argument parser for whole numbers from `min` to `max`. */
function wholeNumberParser(min: number, max: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    }
    return parsed;
  };
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new InvalidArgumentError('expected a whole number from 1 to 1000.');
  }
  return limit;
}
