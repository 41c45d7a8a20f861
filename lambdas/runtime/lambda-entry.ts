import { logger } from './powertools';

/**
 * A function's Lambda entry point: `handle` with the dependencies `createDependencies` builds on the
 * first invocation of an execution environment (environment read, deployment files read, adapters
 * wired) and every later invocation reuses, and the logger given each invocation's context.
 */
export function lambdaEntry<TContext extends object, TDependencies, TResult>(
  createDependencies: (context: TContext) => TDependencies,
  handle: (event: unknown, context: TContext, dependencies: TDependencies) => Promise<TResult>,
): (event: unknown, context: TContext) => Promise<TResult> {
  let dependencies: TDependencies | undefined;
  return async (event, context) => {
    logger.addContext(context as never);
    dependencies ??= createDependencies(context);
    return handle(event, context, dependencies);
  };
}

/** Where the function's code lies, and the deployment files beside it: LAMBDA_TASK_ROOT in Lambda. */
export function taskRoot(): string {
  return process.env.LAMBDA_TASK_ROOT ?? __dirname;
}
