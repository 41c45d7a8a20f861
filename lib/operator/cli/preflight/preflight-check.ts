/** What a preflight check reports: a row a check and region. */

/** How a check came out: `fail` blocks the deploy (exit 5), `warn` is worth knowing. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One row of the result. */
export interface PreflightCheck {
  /** `account`, `bootstrap`, `secret <carrier>`, `sms sandbox`, `sms <number>`, `lambda concurrency`, `table consistency`. */
  check: string;
  /** The region checked; `all` for the table consistency, which spans the watchdog regions. */
  region: string;
  status: CheckStatus;
  /** What was found and, unless ok, what to do. */
  detail: string;
}

/** The `--json` result. */
export interface PreflightResult {
  /** True when no check failed. */
  ok: boolean;
  checks: PreflightCheck[];
}
