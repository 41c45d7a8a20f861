/**
 * `npm run integ -- --profile P [--region R] [--name N] [--keep]`: the deployed test in one command.
 *
 * Checks that the profile's credentials work (STS GetCallerIdentity), deploys the integ app
 * (test/integ/unreachable-site/integ.unreachable-site.ts) with the project's own CDK CLI, whose
 * assertion stack runs the assertions while it deploys (a failed assertion fails that deployment),
 * reports pass or fail with the time it took, and then destroys every stack it deployed: also after
 * a failed deploy and after Ctrl-C, unless `--keep` (to look at a failure in the console; destroy by
 * hand afterwards with the command it prints).
 *
 * integ-runner is not used: the newest @aws-cdk/integ-runner in our registry reads cloud-assembly
 * schema 53 at most, and aws-cdk-lib 2.276 writes 55 (see the integ app's header).
 *
 * Exit codes (as the operator CLI's): 0 passed and destroyed; 1 bad arguments; 4 no usable
 * credentials; 5 the test failed or its stacks could not be destroyed; 130 interrupted (stacks
 * destroyed unless `--keep`).
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ExitCode } from '../../lib/operator/cli/support/exit-codes';

/** The integ app, relative to the repository root (the working directory of every command). */
export const INTEG_APP = 'test/integ/unreachable-site/integ.unreachable-site.ts';

/** The deployment name the integ app uses unless told another (CARRIER_FAILOVER_INTEG_NAME). */
export const DEFAULT_INTEG_NAME = 'cfinteg';

/** Where the CLI's own calls go by default; the test's stacks always go to us-east-1 and us-west-2. */
export const DEFAULT_INTEG_REGION = 'us-east-1';

const USAGE = 'usage: npm run integ -- --profile PROFILE [--region REGION] [--name NAME] [--keep]';

/** What `npm run integ` was asked to do. */
export interface IntegRunOptions {
  /** The AWS profile (of a sandbox account) every AWS call and every cdk command uses. */
  readonly profile: string;
  /** The region of the credential check and the CLI's default region. */
  readonly region: string;
  /** The test deployment's name (CARRIER_FAILOVER_INTEG_NAME), the prefix of every stack and resource. */
  readonly name: string;
  /** Leave the stacks deployed (no destroy), for debugging. */
  readonly keep: boolean;
}

/** Bad command-line arguments; the message names the flag and says what to pass. */
export class IntegArgumentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IntegArgumentError';
  }
}

/** Parses `npm run integ` arguments; throws IntegArgumentError naming the flag that is wrong. */
export function parseIntegArguments(argv: readonly string[]): IntegRunOptions {
  let values: { profile?: string; region?: string; name?: string; keep?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        profile: { type: 'string' },
        region: { type: 'string' },
        name: { type: 'string' },
        keep: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new IntegArgumentError(`${(error as Error).message}\n${USAGE}`, { cause: error });
  }
  if (!values.profile?.trim()) {
    throw new IntegArgumentError(
      `--profile is required: the AWS profile of the sandbox account to deploy the test to (e.g. npm run integ -- --profile sandbox)\n${USAGE}`,
    );
  }
  const region = values.region ?? DEFAULT_INTEG_REGION;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new IntegArgumentError(`--region "${region}" is not an AWS region name (e.g. us-east-1)\n${USAGE}`);
  }
  const name = values.name ?? DEFAULT_INTEG_NAME;
  // Stack names are `<name>-watchdog-us-west-2`, ...; the secret is `<name>/carriers/webhook`.
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(name)) {
    throw new IntegArgumentError(
      `--name "${name}" must be 1-20 lowercase letters, digits or dashes, starting with a letter\n${USAGE}`,
    );
  }
  return { profile: values.profile.trim(), region, name, keep: values.keep ?? false };
}

/** One command of the run: what is spawned, and with which environment. */
export interface IntegCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /**
   * Runs in its own process group, so a Ctrl-C on the terminal (sent to the whole foreground group)
   * does not stop it: the destroy, which must finish whatever the user presses.
   */
  readonly shieldedFromInterrupts: boolean;
}

/**
 * Runs a command in the repository with its output on this terminal and resolves with its exit
 * code (non-zero when it was killed). `signal` aborts it (interrupt forwarded as SIGINT).
 */
export type SpawnIntegCommand = (command: IntegCommand, signal: AbortSignal) => Promise<number>;

/** What a run needs from the outside world; tests replace each. */
export interface IntegRunDependencies {
  readonly spawn: SpawnIntegCommand;
  /** An STS client for the profile and region (aws-sdk-client-mock replaces its `send` in tests). */
  readonly stsClient: (options: IntegRunOptions) => STSClient;
  /** Progress and the verdict (stderr in the real run). */
  readonly log: (line: string) => void;
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** Calls `handler` on each Ctrl-C (SIGINT) until the returned function is called. */
  readonly onInterrupt: (handler: () => void) => () => void;
  /** The environment the cdk commands inherit. */
  readonly env: NodeJS.ProcessEnv;
}

/** The two cdk commands of a run, built from its options: shown to the user and spawned. */
export function integCommands(
  options: IntegRunOptions,
  env: NodeJS.ProcessEnv = {},
): { deploy: IntegCommand; destroy: IntegCommand } {
  const app = `npx tsx ${INTEG_APP}`;
  // Its own assembly directory, outside the tree: other cdk commands here (synth, tests) keep cdk.out.
  const output = join(tmpdir(), `carrier-failover-integ-${options.name}.out`);
  const common = ['--app', app, '--all', '--profile', options.profile, '--output', output];
  const commandEnv: NodeJS.ProcessEnv = {
    ...env,
    AWS_PROFILE: options.profile,
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    CARRIER_FAILOVER_INTEG_NAME: options.name,
  };
  return {
    deploy: {
      command: 'npx',
      args: ['cdk', 'deploy', ...common, '--require-approval', 'never'],
      env: commandEnv,
      shieldedFromInterrupts: false,
    },
    destroy: {
      command: 'npx',
      args: ['cdk', 'destroy', ...common, '--force'],
      env: commandEnv,
      shieldedFromInterrupts: true,
    },
  };
}

/** A command as a user would type it in a shell. */
export function shellLine(command: IntegCommand, options: IntegRunOptions): string {
  const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `"${arg}"`);
  const name = options.name === DEFAULT_INTEG_NAME ? '' : `CARRIER_FAILOVER_INTEG_NAME=${options.name} `;
  return `${name}${[command.command, ...command.args].map(quote).join(' ')}`;
}

/** "12 min 3 s", "45 s". */
export function formatElapsed(milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes === 0 ? `${seconds} s` : `${minutes} min ${seconds % 60} s`;
}

/**
 * The whole run; resolves with the exit code. Never throws: every problem is logged with what to do.
 */
export async function runInteg(argv: readonly string[], deps: IntegRunDependencies): Promise<number> {
  let options: IntegRunOptions;
  try {
    options = parseIntegArguments(argv);
  } catch (error) {
    deps.log((error as Error).message);
    return ExitCode.invalid;
  }

  const identity = await checkCredentials(options, deps);
  if (!identity) return ExitCode.credentials;
  deps.log(
    `integ: account ${identity.account} (${identity.arn}), profile ${options.profile}; deploying the test "${options.name}" to us-east-1 and us-west-2`,
  );

  const { deploy, destroy } = integCommands(options, deps.env);
  let interrupted = false;
  let running: AbortController | undefined;
  let step: 'deploy' | 'destroy' = 'deploy';
  const stopListening = deps.onInterrupt(() => {
    if (step === 'deploy') {
      if (!interrupted) {
        deps.log(
          options.keep
            ? 'integ: interrupted; stopping the deploy (--keep: nothing will be destroyed)'
            : 'integ: interrupted; stopping the deploy, then destroying what it created (Ctrl-C again only repeats this)',
        );
      }
      interrupted = true;
      running?.abort();
    } else {
      deps.log(
        `integ: the destroy goes on (Ctrl-C does not stop it); if you kill it, remove the stacks with:\n  ${shellLine(destroy, options)}`,
      );
    }
  });

  try {
    const startedAt = deps.now();
    deps.log(`integ: ${shellLine(deploy, options)}`);
    running = new AbortController();
    const deployCode = interrupted ? 130 : await deps.spawn(deploy, running.signal);
    const deployElapsed = formatElapsed(deps.now() - startedAt);
    const passed = deployCode === 0 && !interrupted;
    if (passed) {
      deps.log(`integ: PASSED in ${deployElapsed}: every stack deployed and every assertion held`);
    } else if (interrupted) {
      deps.log(`integ: INTERRUPTED after ${deployElapsed}`);
    } else {
      deps.log(
        `integ: FAILED after ${deployElapsed}: cdk deploy exited ${deployCode} (a failed assertion fails the deployment of ${options.name}-unreachable-site-assertions; its message is in the output above)`,
      );
    }

    let destroyed = true;
    if (options.keep) {
      deps.log(
        `integ: --keep: the stacks stay deployed; remove them later with:\n  ${shellLine(destroy, options)}`,
      );
    } else {
      step = 'destroy';
      const destroyStartedAt = deps.now();
      deps.log(`integ: ${shellLine(destroy, options)}`);
      const destroyCode = await deps.spawn(destroy, new AbortController().signal);
      destroyed = destroyCode === 0;
      deps.log(
        destroyed
          ? `integ: destroyed in ${formatElapsed(deps.now() - destroyStartedAt)}`
          : `integ: DESTROY FAILED (cdk destroy exited ${destroyCode}): resources are left in the account; run again:\n  ${shellLine(destroy, options)}`,
      );
    }
    deps.log(`integ: ${passed ? 'passed' : 'failed'}; ${formatElapsed(deps.now() - startedAt)} in all`);
    if (interrupted) return ExitCode.aborted;
    return passed && destroyed ? ExitCode.ok : ExitCode.partialFailure;
  } finally {
    stopListening();
  }
}

/** GetCallerIdentity with the profile; logs why and returns undefined when the credentials do not work. */
async function checkCredentials(
  options: IntegRunOptions,
  deps: IntegRunDependencies,
): Promise<{ account: string; arn: string } | undefined> {
  const client = deps.stsClient(options);
  try {
    const identity = await client.send(new GetCallerIdentityCommand({}));
    if (!identity.Account) throw new Error('STS returned no account');
    return { account: identity.Account, arn: identity.Arn ?? 'unknown identity' };
  } catch (error) {
    deps.log(
      `integ: the credentials of profile "${options.profile}" do not work (${(error as Error).name}: ${(error as Error).message}); check ~/.aws/config, or run aws sso login --profile ${options.profile}`,
    );
    return undefined;
  } finally {
    client.destroy();
  }
}

/** The real world: child processes on this terminal, SIGINT, the SDK's credential chain for the profile. */
export const realDependencies: IntegRunDependencies = {
  spawn: (command, signal) =>
    new Promise((resolvePromise) => {
      const child = spawn(command.command, [...command.args], {
        cwd: resolve(__dirname, '../..'),
        env: command.env,
        // A process group of its own ignores the terminal's Ctrl-C; it reads nothing from stdin.
        detached: command.shieldedFromInterrupts,
        stdio: command.shieldedFromInterrupts ? ['ignore', 'inherit', 'inherit'] : 'inherit',
        signal,
        killSignal: 'SIGINT',
      });
      // An abort rejects with AbortError on 'error', then 'close' follows with the exit code.
      child.on('error', (error) => {
        if (error.name !== 'AbortError') {
          process.stderr.write(`integ: could not start ${command.command}: ${error.message}\n`);
          resolvePromise(127);
        }
      });
      child.on('close', (code, signalName) => resolvePromise(code ?? (signalName ? 130 : 1)));
    }),
  stsClient: (options) => new STSClient({ region: options.region, profile: options.profile }),
  log: (line) => process.stderr.write(`${line}\n`),
  now: Date.now,
  onInterrupt: (handler) => {
    process.on('SIGINT', handler);
    return () => process.off('SIGINT', handler);
  },
  env: process.env,
};

if (require.main === module) {
  runInteg(process.argv.slice(2), realDependencies).then((code) => {
    process.exitCode = code;
  });
}
