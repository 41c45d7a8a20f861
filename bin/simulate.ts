#!/usr/bin/env node
/**
 * `npm run simulate -- --days 30 --seed N --out DIR`: a seeded probe trace with realistic noise and
 * its outages file (lib/operator/replay/simulate-command.ts).
 */
import { main } from '../lib/operator/replay/simulate-command';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`simulate failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
