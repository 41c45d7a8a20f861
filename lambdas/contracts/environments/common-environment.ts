import * as z from 'zod/mini';
import '../zod-english-messages';

/**
 * Environment variables every watchdog function has. Each function's schema extends this one; the
 * same schema types the CDK construct's `environment` prop and is checked at cold start, so
 * infrastructure and runtime cannot drift. zod/mini, so a Lambda bundle carries no classic zod.
 */
export const commonEnvironmentSchema = z.object({
  /** The deployment's name (stack prefix, alert subjects). */
  DEPLOYMENT_NAME: z.string().check(z.minLength(1)),
  /** The incident table's name; the function uses its replica in AWS_REGION. */
  TABLE_NAME: z.string().check(z.minLength(1)),
  /** This region's alert topic. */
  ALERT_TOPIC_ARN: z.string().check(z.startsWith('arn:')),
  POWERTOOLS_SERVICE_NAME: z.string().check(z.minLength(1)),
  POWERTOOLS_LOG_LEVEL: z._default(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']), 'INFO'),
});

/** Parses `process.env` (or a given record) against a schema, naming every missing or bad variable. */
export function readEnvironment<T extends z.ZodMiniType>(
  schema: T,
  env: Record<string, string | undefined> = process.env,
): z.output<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`function environment is not as deployed: ${problems.join('; ')}`);
  }
  return parsed.data;
}
