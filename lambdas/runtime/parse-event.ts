import type * as z from 'zod/mini';
import { logger } from './powertools';

/** An event that fits its schema, or the problems, one per field. */
export type ParsedEvent<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/**
 * Checks a function's event against its schema at the edge. A malformed event is logged and
 * rejected with every problem named; the caller writes nothing and does not throw, because
 * retrying a malformed event cannot help.
 */
export function parseEvent<T extends z.ZodMiniType>(
  schema: T,
  event: unknown,
  functionName: string,
): ParsedEvent<z.output<T>> {
  const parsed = schema.safeParse(event);
  if (parsed.success) return { ok: true, value: parsed.data };
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`,
  );
  logger.error(`Rejected a malformed ${functionName} event`, { problems });
  return { ok: false, problems };
}
