/**
 * The operator CLI's exit codes: the one place they are defined and described. Scripts branch on
 * them, so a code never changes meaning; the help text lists them from here.
 */
export const ExitCode = {
  /** Done; for `probe` every endpoint healthy, for `audit` no drift. */
  ok: 0,
  /** Bad input: an invalid config or plan file, bad arguments, a refused request. */
  invalid: 1,
  /** Not found: an unknown site or incident, or no open incident to act on. */
  notFound: 2,
  /** AWS or a carrier did not answer: every region tried failed, or the carrier was unreachable. */
  unreachable: 3,
  /** AWS or carrier credentials are missing or were rejected. */
  credentials: 4,
  /** The operation ran but with failures: numbers failed, drift found, endpoints unhealthy, failback halted. */
  partialFailure: 5,
  /** The operator declined the confirmation (or pressed Ctrl-C). */
  aborted: 130,
} as const;

/** One of the codes above. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** One line per code, for `--help`. */
export const EXIT_CODE_HELP: readonly string[] = [
  '  0    ok (probe: all endpoints healthy; audit: no drift)',
  '  1    bad input: invalid config or plan, bad arguments, refused request',
  '  2    not found: unknown site or incident, no open incident',
  '  3    AWS or carrier unreachable (every region tried failed)',
  '  4    credentials missing or rejected (AWS or carrier)',
  '  5    ran with failures: numbers failed, drift found, endpoints unhealthy, failback halted',
  '  130  aborted: confirmation declined',
];
