/**
 * Jest global set-up: makes sure the real SIP peer the probe tests run against (Debian's `kamailio`)
 * is installed, installing it with apt-get when it is not, so `npm ci && npm test` passes on a fresh
 * machine as it stands. The tests never skip the real peer: when it cannot be installed here the
 * run stops at once with the reason and the command to run by hand.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where Debian's package installs the binary (test/support/kamailio.ts starts it from there). */
export const KAMAILIO_BINARY = '/usr/sbin/kamailio';

/** The command a person runs when the automatic install is not possible. */
export const KAMAILIO_INSTALL_COMMAND = 'sudo apt-get update && sudo apt-get install -y kamailio';

/** What installing needs from the machine; injected so the decision is testable without apt. */
export interface InstallHost {
  exists(path: string): boolean;
  /** Runs a command to completion, throwing when it exits non-zero. */
  run(command: string, args: readonly string[]): void;
  /** True when the process may install packages itself (root). */
  isRoot(): boolean;
  /** True when `sudo -n` works without a password. */
  canSudo(): boolean;
  log(line: string): void;
}

/**
 * Installs Kamailio when it is missing. The package lists of a fresh machine are empty, so a failed
 * install is retried once after `apt-get update`. Throws an error naming the fix when neither root
 * nor password-less sudo is available, or when apt-get fails.
 */
export function ensureKamailio(host: InstallHost): 'present' | 'installed' {
  if (host.exists(KAMAILIO_BINARY)) return 'present';
  const prefix = host.isRoot() ? [] : host.canSudo() ? ['sudo', '-n'] : undefined;
  if (prefix === undefined) {
    throw new Error(
      `Kamailio (the real SIP peer of the probe tests) is not installed at ${KAMAILIO_BINARY}, and this user can neither install packages nor sudo without a password: run \`${KAMAILIO_INSTALL_COMMAND}\`, then npm test again.`,
    );
  }
  const apt = (args: string[]) =>
    prefix.length === 0
      ? host.run('apt-get', args)
      : host.run(prefix[0], [...prefix.slice(1), 'apt-get', ...args]);
  host.log(`Kamailio is missing: installing Debian's kamailio package for the SIP probe tests (once).`);
  try {
    try {
      apt(['install', '-y', '-qq', 'kamailio']);
    } catch {
      apt(['update', '-qq']);
      apt(['install', '-y', '-qq', 'kamailio']);
    }
  } catch (error) {
    throw new Error(
      `Installing Kamailio with apt-get failed (${(error as Error).message.split('\n')[0]}): run \`${KAMAILIO_INSTALL_COMMAND}\` and look at its output, then npm test again.`,
    );
  }
  if (!host.exists(KAMAILIO_BINARY)) {
    throw new Error(
      `apt-get installed kamailio but ${KAMAILIO_BINARY} is still missing: run \`${KAMAILIO_INSTALL_COMMAND}\` and check the package.`,
    );
  }
  return 'installed';
}

/** This machine, for the real run. */
export const machineHost: InstallHost = {
  exists: existsSync,
  run: (command, args) => {
    execFileSync(command, [...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  },
  isRoot: () => process.getuid?.() === 0,
  canSudo: () => {
    try {
      execFileSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  },
  log: (line) => process.stderr.write(`${line}\n`),
};

/** Jest's globalSetup entry. */
export default async function globalSetup(): Promise<void> {
  ensureKamailio(machineHost);
}
