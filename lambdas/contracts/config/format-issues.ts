import type * as z from 'zod';
import { wordIssue } from './issue-wording';
import { configSchema } from './schema';

/**
 * Turns zod issues into one line each, in our words: `<file>: <field path>: <what is expected>, got
 * <what was found>` (e.g. `config/prod.yaml: sites[1].sip[0].port: expected an integer 1-65535, got
 * 70000`), `<file>: <field path>: required: add ...` for a missing field and `unknown field "x": ...`
 * for an unknown key. What a field is and expects comes from `schema` (the config schema unless told),
 * whose `.describe()` texts name the field in a `required` line.
 */
export function formatZodIssues(
  file: string,
  issues: readonly z.core.$ZodIssue[],
  schema: z.core.$ZodType = configSchema,
): string[] {
  return withoutEchoes(issues).map(
    (issue) => `${file}: ${formatPath(issue.path)}: ${wordIssue(issue, schema)}`,
  );
}

/** `['sites', 1, 'sip', 0, 'port']` → `sites[1].sip[0].port`; the empty path is `(top level)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((key, index) =>
      typeof key === 'number' ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`,
    )
    .join('');
}

/**
 * zod still runs a field's checks after its type check failed (a list given for a non-empty string
 * also fails "too small"); the type problem alone says what to fix, so the echoes are dropped.
 */
function withoutEchoes(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const wrongTypes = new Set(
    issues.filter((issue) => issue.code === 'invalid_type').map((issue) => formatPath(issue.path)),
  );
  return issues.filter(
    (issue) =>
      issue.code === 'invalid_type' || issue.code === 'custom' || !wrongTypes.has(formatPath(issue.path)),
  );
}
