/**
 * Runs the real entry point, `node bin/carrier-failover.js ...`, as a child process. Asynchronous on
 * purpose: the local servers it talks to (dynalite, the Lambda emulator, carrier fakes) run in the
 * test's own event loop, which a synchronous spawn would block.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../../../..');
export const ENTRY = resolve(ROOT, 'bin/carrier-failover.js');

/** What a run printed and how it ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as the one JSON document --json promises. */
  json<T = Record<string, unknown>>(): T;
}

/** Variables a run never inherits from the test process: AWS and carrier settings. */
const ISOLATED = /^(AWS_|TELNYX_|TWILIO_|BANDWIDTH_|WEBHOOK_)/;

/**
 * Runs the CLI with `args`. The environment is the test's minus AWS and carrier settings, plus
 * dummy AWS credentials and every AWS endpoint pointed at `unreachable` (a closed loopback
 * port) unless `env` says otherwise, so no test can reach real AWS. `env` values of undefined unset.
 */
export function runCli(
  args: readonly string[],
  options: {
    env?: Record<string, string | undefined>;
    unreachable: string;
    input?: string;
    /** Called with everything printed on stdout so far, as it arrives (to act on a long-running command). */
    onStdout?: (stdout: string, child: ChildProcess) => void;
  },
): Promise<CliRun> {
  const env: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !ISOLATED.test(name)),
  );
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
    AWS_SECRET_ACCESS_KEY: 'local-test-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: resolve(ROOT, 'no-such-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: resolve(ROOT, 'no-such-aws-credentials'),
    AWS_ENDPOINT_URL_DYNAMODB: options.unreachable,
    AWS_ENDPOINT_URL_LAMBDA: options.unreachable,
    AWS_ENDPOINT_URL_SNS: options.unreachable,
    USER: 'test-operator',
    ...options.env,
  });
  const childEnv = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [ENTRY, ...args], { cwd: ROOT, env: childEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolvePromise({
        code,
        stdout,
        stderr,
        json: <T>() => {
          try {
            return JSON.parse(stdout) as T;
          } catch {
            throw new Error(`stdout is not one JSON document:\n${stdout}\nstderr:\n${stderr}`);
          }
        },
      }),
    );
    child.stdin.end(options.input ?? '');
  });
}

/** An http:// URL on loopback where nothing listens: a region that does not answer. */
export async function closedLoopbackUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  return `http://127.0.0.1:${port}`;
}

/** True when the text has a stack frame line (`    at f (file:1:2)`). */
export function hasStackTrace(text: string): boolean {
  return /\n\s+at .+:\d+:\d+\)?/.test(text);
}
