import type * as z from 'zod';

/**
 * Turns zod issues into one line each: `<file>: <field path>: <what is expected>, got <what was found>`,
 * e.g. `config/prod.yaml: sites[1].sip[0].port: expected an integer 1-65535, got 70000`.
 */
export function formatZodIssues(file: string, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${file}: ${formatPath(issue.path)}: ${describeIssue(issue)}`);
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

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling against the config reference in README.md)`;
  }
  const input = (issue as { input?: unknown }).input;
  if (input === undefined && issue.code === 'invalid_type') {
    return `missing: ${issue.message}`;
  }
  // Cross-field rules (custom issues) say what they found themselves.
  if (issue.code === 'custom' || input === undefined) return issue.message;
  return `${issue.message}, got ${preview(input)}`;
}

/** A short, single-line rendering of a found value. */
export function preview(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
