/**
 * Runs AWS's CloudFormation linter (`cfn-lint`, Python) over synthesized templates: one process per
 * region, each template linted against the region its stack deploys to (`--regions`), the processes
 * in parallel.
 */
import { execFile } from 'node:child_process';

/** One finding as `cfn-lint --format json` reports it. */
export interface CfnLintFinding {
  readonly Rule: { readonly Id: string; readonly Description?: string };
  readonly Level: 'Error' | 'Warning' | 'Informational' | string;
  readonly Message: string;
  readonly Filename: string;
  readonly Location: { readonly Path: readonly (string | number)[] };
}

/** A template to lint and the region it deploys to. */
export interface LintTarget {
  readonly path: string;
  readonly region: string;
}

/** What to run; `cfn-lint` on PATH unless a test says otherwise. */
export interface CfnLintOptions {
  readonly command?: string;
}

/** How to get the linter, named in every failure caused by its absence. */
export const CFN_LINT_INSTALL_HINT =
  'cfn-lint is not installed or not on PATH: install it with `pip install cfn-lint` (Python 3.9+), then run the tests again';

/** Lints every target; rejects when the linter is missing or its output is not its JSON report. */
export async function runCfnLint(
  targets: readonly LintTarget[],
  options: CfnLintOptions = {},
): Promise<CfnLintFinding[]> {
  const byRegion = new Map<string, string[]>();
  for (const target of targets)
    byRegion.set(target.region, [...(byRegion.get(target.region) ?? []), target.path]);
  const reports = await Promise.all(
    [...byRegion].map(([region, paths]) => lintInRegion(options.command ?? 'cfn-lint', region, paths)),
  );
  return reports.flat();
}

function lintInRegion(command: string, region: string, paths: readonly string[]): Promise<CfnLintFinding[]> {
  const args = ['--format', 'json', '--regions', region, '--', ...paths];
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error(CFN_LINT_INSTALL_HINT));
        return;
      }
      // cfn-lint exits non-zero whenever it finds something (2 errors, 4 warnings, 8 informational).
      try {
        resolvePromise(JSON.parse(stdout.trim() === '' ? '[]' : stdout) as CfnLintFinding[]);
      } catch {
        reject(
          new Error(
            `cfn-lint ${args.join(' ')} did not print its JSON report (exit ${String(error?.code ?? 0)}): ${stderr || stdout}`,
          ),
        );
      }
    });
  });
}

/** `file: Rule Level Resources/X/Properties/Y: message`, one finding a line, for assertion messages. */
export function formatFindings(findings: readonly CfnLintFinding[]): string {
  return findings
    .map(
      (finding) =>
        `${finding.Filename.split('/').pop()}: ${finding.Rule.Id} ${finding.Level} ${finding.Location.Path.join('/')}: ${finding.Message}`,
    )
    .join('\n');
}
