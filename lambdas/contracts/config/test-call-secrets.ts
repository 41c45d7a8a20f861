/**
 * The Secrets Manager secrets the test calls answer digest challenges with: what the probe role may
 * read, what preflight checks, and what the security tests expect, all from one list.
 */
import type { Config } from './schema';

/** Every distinct `sites[].calls[].secretName`, in config order. */
export function testCallSecretNamesOf(sites: Config['sites']): string[] {
  return [...new Set(sites.flatMap((site) => site.calls.flatMap((call) => call.secretName ?? [])))];
}
