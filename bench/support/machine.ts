/**
 * The machine a benchmark ran on, read from `os` and `process`: figures only compare between runs
 * on the same kind of machine, so every report names it.
 */
import os from 'node:os';

/** Where and when a benchmark ran. */
export interface MachineDescription {
  cpuModel: string;
  /** Logical cores the OS reports (what the event loop and worker threads compete for). */
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  /** ISO 8601, UTC. */
  date: string;
}

/** Describes this machine now. */
export function describeMachine(now: Date = new Date()): MachineDescription {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() || 'unknown CPU',
    // availableParallelism honours CPU affinity (containers), unlike cpus().length.
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} (${process.platform}/${process.arch})`,
    date: now.toISOString(),
  };
}

/** One line for a report: `Intel Xeon ..., 2 cores, 23.5 GiB, Node v20.20.2, Linux 6.1 (linux/x64)`. */
export function machineSummary(machine: MachineDescription): string {
  return `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os}`;
}
