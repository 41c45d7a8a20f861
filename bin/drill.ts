#!/usr/bin/env node
/**
 * `npm run drill`: a whole outage, end to end, on this machine (lib/developer/drill/run-drill.ts).
 * The functions' JSON log lines and metrics are switched off before anything loads, because the
 * drill tells its own story; DRILL_LOGS=1 keeps the log lines.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
if (process.env.DRILL_LOGS !== '1') process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

// Loaded only now, so the settings above are in place when the handlers' module-scope Logger is built.
import('../lib/developer/drill/drill-command')
  .then(({ main }) => main(process.argv))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`drill failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
