#!/usr/bin/env node
/**
 * The operator CLI's TypeScript entry (`carrier-failover`, started by bin/carrier-failover.js).
 * Only hands the arguments to the program in lib/operator/cli/program.ts and exits with its code.
 */
import { runCli } from '../lib/operator/cli/program';

/** Runs the CLI on `argv` (process.argv shape); resolves with the exit code. */
export function main(argv: readonly string[] = process.argv): Promise<number> {
  return runCli(argv);
}

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  });
}
