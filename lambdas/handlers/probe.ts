/**
 * The probe function (one per watchdog region), started every minute by EventBridge: probes every
 * site every `probeIntervalSeconds` for most of the minute, records the observations, decides each
 * site with the other regions' observations, asks the orchestrator to fail over on a trip, and
 * emits the metrics that alarms and Route 53 health checks watch. Thin: parse the event, run the
 * probe invocation (composition/probe-invocation.ts), report.
 */
import type { Context } from 'aws-lambda';
import { createLambdaProbeDependencies } from '../composition/probe-dependencies';
import {
  type ProbeInvocationDependencies,
  type ProbeInvocationSummary,
  runProbeInvocation,
} from '../composition/probe-invocation';
import { probeEventProblems } from '../contracts/events/probe-event';
import { lambdaEntry } from '../runtime/lambda-entry';

/**
 * Time kept back from the Lambda deadline: the last round may start up to this close to it and
 * still write, decide, invoke the orchestrator and flush its metrics.
 */
export const DEADLINE_MARGIN_MS = 5_000;

/** When to stop starting rounds: the probe window or the Lambda deadline less the margin, whichever is first. */
export function probeDeadline(nowMs: number, windowMs: number, remainingTimeMs: number): number {
  return Math.min(nowMs + windowMs, nowMs + remainingTimeMs - DEADLINE_MARGIN_MS);
}

/** What the Lambda adds to an invocation's dependencies. */
export interface ProbeHandlerDependencies extends ProbeInvocationDependencies {
  /** PROBE_WINDOW_SECONDS. */
  windowSeconds: number;
}

/** The parts of the Lambda context the probe reads. */
export interface ProbeInvocationContext {
  getRemainingTimeInMillis(): number;
}

/** The function's result: the invocation summary, or why the event was rejected. */
export type ProbeResult =
  | { status: 'rejected'; problems: string[] }
  | ({ status: 'done' } & ProbeInvocationSummary);

/** Handles one probe event; `handler` below wires it to AWS. */
export async function handleProbeEvent(
  event: unknown,
  context: ProbeInvocationContext,
  deps: ProbeHandlerDependencies,
): Promise<ProbeResult> {
  const problems = probeEventProblems(event);
  if (problems.length > 0) {
    // Returned, not thrown: retrying a wrong event cannot help, and the missing heartbeat alarms.
    deps.logger.error('Rejected an event that is not a probe schedule', { problems });
    return { status: 'rejected', problems };
  }
  const deadlineMs = probeDeadline(
    deps.clock.now(),
    deps.windowSeconds * 1000,
    context.getRemainingTimeInMillis(),
  );
  return { status: 'done', ...(await runProbeInvocation(deps, deadlineMs)) };
}

/** The Lambda entry point. */
export const handler = lambdaEntry(
  (context: Context) => createLambdaProbeDependencies(context.functionName),
  handleProbeEvent,
);
