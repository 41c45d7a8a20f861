/**
 * A real Kamailio (Debian's `kamailio` package) answering OPTIONS on a free loopback port, UDP and
 * TCP, with a generated config: stateless replies only (modules sl and pv), so it starts in a few
 * hundred milliseconds and needs no database, no tm and no /etc/kamailio.
 *
 * What Kamailio 5.6 on Debian 12 needs, found by trying: `/usr/sbin/kamailio -DD -E -f <cfg>
 * -L <module dir> -Y <run dir> -m 32 -M 8`. `-DD` keeps the creator in the foreground so we own its
 * pid; `-E` logs to stderr, which goes to a file because a pipe nobody drains would block it and
 * keep the test's event loop alive. `-Y` puts the runtime dir (FIFO, pid files) in a temp dir so
 * parallel instances do not share /run/kamailio. Running as root is fine (it only warns), and the
 * default shared memory size works, but 32 MB is plenty and lighter.
 */
import { execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeSipOptions } from '../../lambdas/adapters/probes/sip-options-probe';

import { KAMAILIO_BINARY } from './ensure-kamailio';

export { KAMAILIO_BINARY };

const INSTALL_HINT =
  'npm test installs it (test/support/ensure-kamailio.ts); by hand: apt-get install -y kamailio';
const STARTUP_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** A running Kamailio. */
export interface RunningKamailio {
  host: string;
  /** UDP and TCP listen on this port. */
  port: number;
  /** Kamailio's stderr (its log), for failing tests to show. */
  logFile: string;
  /** Freezes every Kamailio process (SIGSTOP): the ports stay open but nothing answers, like a hung SBC. */
  freeze(): void;
  /** Undoes freeze (SIGCONT). */
  thaw(): void;
  /**
   * Sends SIGTERM (SIGKILL to its process group when frozen, or after 5 s), waits for it to exit and
   * removes its files.
   */
  stop(): Promise<void>;
}

/** How the Kamailio answers. */
export interface KamailioOptions {
  /** Status every OPTIONS is answered with: 200 plays "up", 503 "up but out of sync". */
  status: number;
  /** @default 'OK' for 2xx, otherwise 'Service Unavailable' */
  reasonPhrase?: string;
}

/**
 * Starts Kamailio and waits until it answers. Throws (never skips) when it is not installed, so a
 * CI image without it fails loudly with the fix in the message.
 */
export async function startKamailio(options: KamailioOptions): Promise<RunningKamailio> {
  const reasonPhrase = options.reasonPhrase ?? (options.status < 300 ? 'OK' : 'Service Unavailable');
  return launchKamailio(
    ({ host, port }) => renderConfig({ host, port, status: options.status, reasonPhrase }),
    options.status,
  );
}

/**
 * Starts Kamailio with the config `render` writes for a free loopback port (UDP and TCP) and waits
 * until it answers OPTIONS with `readyStatus`. Throws (never skips) when it is not installed.
 */
export async function launchKamailio(
  render: (listen: { host: string; port: number }) => string,
  readyStatus: number,
): Promise<RunningKamailio> {
  if (!existsSync(KAMAILIO_BINARY)) {
    throw new Error(`Kamailio not found at ${KAMAILIO_BINARY}: ${INSTALL_HINT}`);
  }
  const moduleDir = await findModuleDir();
  const host = '127.0.0.1';
  const port = await findPortFreeForUdpAndTcp(host);
  const workDir = mkdtempSync(join(tmpdir(), 'kamailio-'));
  const configFile = join(workDir, 'kamailio.cfg');
  const logFile = join(workDir, 'kamailio.log');
  writeFileSync(configFile, render({ host, port }));

  const logFd = openSync(logFile, 'w');
  const child = spawn(
    KAMAILIO_BINARY,
    ['-DD', '-E', '-f', configFile, '-L', moduleDir, '-Y', join(workDir, 'run'), '-m', '32', '-M', '8'],
    // Its own process group, so a stuck worker can be killed with the creator.
    { stdio: ['ignore', logFd, logFd], detached: true },
  );
  closeSync(logFd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const signalGroup = (signal: NodeJS.Signals) => {
    if (!hasExited && child.pid !== undefined) process.kill(-child.pid, signal);
  };
  let frozen = false;
  const freeze = () => {
    signalGroup('SIGSTOP');
    frozen = true;
  };
  const thaw = () => {
    signalGroup('SIGCONT');
    frozen = false;
  };
  const stop = async () => {
    if (!hasExited && child.pid !== undefined) {
      // A thawed Kamailio sometimes takes seconds to notice SIGTERM; a frozen one has nothing to save.
      if (frozen) signalGroup('SIGKILL');
      else child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!hasExited && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      }, STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(workDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (hasExited) break;
    const result = await probeSipOptions(
      { host, port, transport: 'udp', healthyCodes: [readyStatus] },
      { timeoutMs: 300 },
    );
    if (result.status !== undefined) return { host, port, logFile, freeze, thaw, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const log = readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
  await stop();
  throw new Error(
    `Kamailio did not answer OPTIONS on udp:${host}:${port} within ${STARTUP_TIMEOUT_MS} ms` +
      `${hasExited ? ' (it exited)' : ''}. Its log:\n${log}`,
  );
}

/** The head of every test Kamailio's config: one process a kind, no DNS, UDP and TCP on one loopback port. */
export function kamailioHeader(params: { host: string; port: number }): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=1
tcp_children=1
auto_aliases=no
dns=no
rev_dns=no
listen=udp:${params.host}:${params.port}
listen=tcp:${params.host}:${params.port}
`;
}

/** The smallest config that answers OPTIONS statelessly and everything else with 405. */
function renderConfig(params: { host: string; port: number; status: number; reasonPhrase: string }): string {
  return `${kamailioHeader(params)}
loadmodule "sl.so"
loadmodule "pv.so"

request_route {
  if ($rm == "OPTIONS") {
    sl_send_reply("${params.status}", "${params.reasonPhrase}");
    exit;
  }
  sl_send_reply("405", "Method Not Allowed");
}
`;
}

/** Debian puts modules under the multiarch dir; ask the binary's default, then look around. */
async function findModuleDir(): Promise<string> {
  const help = await new Promise<string>((resolve) =>
    execFile(KAMAILIO_BINARY, ['-h'], (_error, stdout, stderr) => resolve(`${stdout}${stderr}`)),
  );
  const fromHelp = /-L path\s+Modules search path \(default: ([^)]+)\)/.exec(help)?.[1];
  const candidates = [
    fromHelp,
    '/usr/lib/x86_64-linux-gnu/kamailio/modules',
    '/usr/lib/aarch64-linux-gnu/kamailio/modules',
    '/usr/lib/kamailio/modules',
  ].filter((dir): dir is string => dir !== undefined);
  const found = candidates.find((dir) => existsSync(join(dir, 'sl.so')));
  if (!found) {
    throw new Error(`Kamailio modules (sl.so) not found in ${candidates.join(', ')}: ${INSTALL_HINT}`);
  }
  return found;
}

/** A port free for both TCP and UDP on `host` (Kamailio listens on both with one number). */
async function findPortFreeForUdpAndTcp(host: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    const { port } = server.address() as net.AddressInfo;
    const udp = dgram.createSocket('udp4');
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once('error', () => {
        try {
          udp.close();
        } catch {
          // a socket whose bind failed may already be closed
        }
        resolve(false);
      });
      udp.bind(port, host, () => udp.close(() => resolve(true)));
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (udpFree) return port;
  }
  throw new Error(`no port free for both UDP and TCP on ${host} after 20 tries`);
}
