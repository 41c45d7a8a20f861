/**
 * One carrier's canary, failed over and back through the real engines: the forwarding engine reads
 * and saves the canary's routing and forwards it (as during an outage), a read-back checks the
 * carrier took it, the failback engine restores the saved routing, and a second read-back checks
 * that. Each step is timed. Whatever happens, the canary ends restored when it can be: the restore
 * runs in `finally`, and if the engine cannot restore it (its state store failing, say), the saved
 * routing is written back directly.
 */

import type { PlanEntry } from '../../contracts/config/plan-entry';
import type { Canary, CarrierName } from '../../contracts/config/schema';
import { CarrierAuthError, CarrierError } from '../../contracts/errors';
import type { Carrier, ForwardRequest, RoutingSnapshot } from '../../ports/carriers';
import type { Clock, Random } from '../../ports/clock';
import type { ForwardingStateStore } from '../../ports/forwarding-state';
import type { PracticeStep } from '../../ports/incidents';
import { forwardNumbers } from '../forwarding/forward-numbers';
import { forwardsAlwaysTo } from '../forwarding/forward-one';
import { describeRouting } from '../forwarding/pre-arm';
import { restoreNumbers, routingMatchesSnapshot } from '../forwarding/restore-numbers';
import {
  type CallResult,
  Deadline,
  describeFailure,
  type RetryOptions,
  RetryPolicy,
  readRoutingWithRetry,
} from '../forwarding/retry-policy';
import { CarrierLanes, type CarrierLimitsByName } from '../forwarding/token-bucket';

/**
 * Practice gives a failing carrier fewer tries than an outage does: it is there to find what is
 * broken, and a carrier that needs more than four calls for one number is worth an alert.
 */
export const PRACTICE_RETRY: Partial<RetryOptions> = { maxAttemptsPerNumber: 4 };

/** Input of practiceCanary. */
export interface CanaryPracticeInput {
  /** The practice incident the canary's forwarding state is kept under. */
  incidentId: string;
  siteId: string;
  carrier: CarrierName;
  canary: Canary;
  adapter: Carrier;
  numbers: ForwardingStateStore;
  clock: Clock;
  random: Random;
  limits: CarrierLimitsByName;
  runId: string;
  deadlineMs?: number;
  retry?: Partial<RetryOptions>;
  /** Called after each step with its duration. */
  onStep?: (step: PracticeStep, durationMs: number, ok: boolean, detail: string) => void | Promise<void>;
}

/** What happened to one canary. */
export interface CanaryResult {
  carrier: CarrierName;
  number: string;
  /** Forwarded, verified, restored and verified again. */
  passed: boolean;
  /** False only when the canary may still be forwarded (a person must restore it). */
  restored: boolean;
  /** The carrier refused the credentials (401/403): its other calls would fail the same way. */
  credentialsRejected: boolean;
  durationsMs: Partial<Record<PracticeStep, number>>;
  /** What broke, one line each, carrier first ("telnyx: 401 from the API, credential rejected"). */
  problems: string[];
}

/** Runs the canary's practice failover; never throws for carrier or store failures. */
export async function practiceCanary(input: CanaryPracticeInput): Promise<CanaryResult> {
  const { carrier, canary, clock } = input;
  const retry = { ...PRACTICE_RETRY, ...input.retry };
  const calls = new RecordingCarrier(input.adapter, clock);
  const durationsMs: Partial<Record<PracticeStep, number>> = {};
  const problems: string[] = [];
  const entry: PlanEntry = {
    number: canary.number,
    carrier,
    siteId: input.siteId,
    forwardTo: canary.forwardTo,
    label: 'canary',
  };
  const engine = {
    incidentId: input.incidentId,
    runId: input.runId,
    carriers: { [carrier]: calls },
    store: input.numbers,
    clock,
    random: input.random,
    limits: input.limits,
    deadlineMs: input.deadlineMs,
    retry,
  };
  const reader = new RoutingReader(input.adapter, carrier, input, retry);
  const step = async (name: PracticeStep, startedAt: number, ok: boolean, detail: string) => {
    durationsMs[name] = clock.now() - startedAt;
    await input.onStep?.(name, durationsMs[name] as number, ok, detail);
  };

  let forwardedAndVerified = false;
  let restored = true;
  let credentialsRejected = false;
  try {
    const startedAt = clock.now();
    let summary: Awaited<ReturnType<typeof forwardNumbers>> | undefined;
    let engineError: unknown;
    try {
      summary = await forwardNumbers({ ...engine, entries: [entry] });
    } catch (error) {
      engineError = error;
    }
    const endedAt = clock.now();
    const writeStartedAt = calls.firstWriteAt;
    const failure = summary?.failed[0]?.reason ?? (summary?.pending ? 'left pending (deadline)' : undefined);
    const problem =
      engineError !== undefined
        ? `${carrier}: the forwarding engine failed (${describeFailure(engineError)})`
        : failure !== undefined
          ? describeCarrierProblem(
              carrier,
              calls.lastError,
              writeStartedAt ? 'forwarding' : 'reading',
              failure,
            )
          : undefined;
    if (writeStartedAt === undefined) {
      durationsMs.read = endedAt - startedAt;
      await input.onStep?.('read', durationsMs.read, problem === undefined, problem ?? 'read and saved');
    } else {
      durationsMs.read = writeStartedAt - startedAt;
      await input.onStep?.('read', durationsMs.read, true, 'read and saved');
      durationsMs.forward = endedAt - writeStartedAt;
      await input.onStep?.('forward', durationsMs.forward, problem === undefined, problem ?? 'forwarded');
    }
    if (problem !== undefined) {
      credentialsRejected = calls.lastError instanceof CarrierAuthError;
      problems.push(problem);
      return result();
    }

    const verifyAt = clock.now();
    const after = await reader.read();
    if (!after.ok) {
      problems.push(describeCarrierProblem(carrier, after.error, 'reading back', after.reason));
    } else if (!forwardsAlwaysTo(after.value, canary.forwardTo)) {
      problems.push(
        `${carrier}: the carrier accepted the forward of canary ${canary.number} but reads back ${describeRouting(after.value)} (expected every call forwarded to ${canary.forwardTo})`,
      );
    } else {
      forwardedAndVerified = true;
    }
    await step(
      'verify-forward',
      verifyAt,
      forwardedAndVerified,
      forwardedAndVerified ? 'took' : 'did not take',
    );
  } finally {
    if (calls.firstWriteAt !== undefined) {
      restored = await restoreCanary();
    }
  }
  return result();

  function result(): CanaryResult {
    return {
      carrier,
      number: canary.number,
      passed: forwardedAndVerified && restored && problems.length === 0,
      restored,
      credentialsRejected,
      durationsMs,
      problems,
    };
  }

  /** Puts the saved routing back: the failback engine first, the adapter directly if that fails. */
  async function restoreCanary(): Promise<boolean> {
    const snapshot = (await savedSnapshot()) ?? calls.firstRead;
    if (!snapshot) {
      problems.push(
        `${carrier}: canary ${canary.number} may be forwarded and no saved routing is known; check it at the carrier`,
      );
      return false;
    }
    const restoreAt = clock.now();
    calls.lastError = undefined;
    let engineProblem: string | undefined;
    try {
      const summary = await restoreNumbers({ ...engine, numbers: [canary.number], wave: 1 });
      const failed = summary.failed[0]?.reason ?? summary.skipped[0]?.reason;
      if (failed !== undefined) engineProblem = failed;
      else if (summary.pending > 0) engineProblem = 'left pending (deadline)';
    } catch (error) {
      engineProblem = `the failback engine failed (${describeFailure(error)})`;
    }
    if (engineProblem !== undefined) {
      problems.push(describeCarrierProblem(carrier, calls.lastError, 'restoring', engineProblem));
    }
    await step('restore', restoreAt, engineProblem === undefined, engineProblem ?? 'restored');

    const verifyAt = clock.now();
    let back = await reader.read();
    let isBack = back.ok && routingMatchesSnapshot(back.value, snapshot);
    if (!isBack) {
      // Last resort, outside the engine: the saved routing straight to the carrier.
      try {
        await input.adapter.restore(snapshot);
      } catch {
        // The read below tells whether it took.
      }
      back = await reader.read();
      isBack = back.ok && routingMatchesSnapshot(back.value, snapshot);
    }
    await step('verify-restore', verifyAt, isBack, isBack ? 'back as saved' : 'not back');
    if (!isBack) {
      const now = back.ok ? describeRouting(back.value) : `unreadable (${back.reason})`;
      problems.push(
        `${carrier}: canary ${canary.number} is NOT restored (now ${now}); put it back by hand: ${describeRouting(snapshot)}`,
      );
    }
    return isBack;
  }

  async function savedSnapshot(): Promise<RoutingSnapshot | undefined> {
    try {
      return (await input.numbers.get(input.incidentId, canary.number))?.snapshot;
    } catch {
      return undefined;
    }
  }
}

/**
 * One line naming the broken piece: "telnyx: 401 from the API, credential rejected", "twilio: 500
 * from the API while forwarding", "bandwidth: API unreachable while reading (...)". Falls back to
 * the engine's reason when no carrier error was seen.
 */
export function describeCarrierProblem(
  carrier: CarrierName,
  error: unknown,
  doing: string,
  fallback: string,
): string {
  if (error instanceof CarrierAuthError) {
    return error.status !== undefined
      ? `${carrier}: ${error.status} from the API, credential rejected`
      : error.message;
  }
  if (error instanceof CarrierError) {
    const detail = error.message.replace(new RegExp(`^${carrier}: `), '');
    if (error.status === undefined) return `${carrier}: API unreachable while ${doing} (${detail})`;
    if (error.status >= 500) return `${carrier}: ${error.status} from the API while ${doing}`;
    return `${carrier}: ${error.status} from the API while ${doing} (${detail})`;
  }
  return `${carrier}: ${fallback}`;
}

/** The adapter as the engines see it, remembering the first read, the first write and the last error. */
class RecordingCarrier implements Carrier {
  readonly name: CarrierName;
  readonly forwardModes: Carrier['forwardModes'];
  firstRead?: RoutingSnapshot;
  firstWriteAt?: number;
  lastError?: unknown;

  constructor(
    private readonly adapter: Carrier,
    private readonly clock: Clock,
  ) {
    this.name = adapter.name;
    this.forwardModes = adapter.forwardModes;
  }

  async readRouting(number: string): Promise<RoutingSnapshot> {
    const routing = await this.watch(() => this.adapter.readRouting(number));
    this.firstRead ??= routing;
    return routing;
  }

  forward(request: ForwardRequest): Promise<void> {
    this.firstWriteAt ??= this.clock.now();
    return this.watch(() => this.adapter.forward(request));
  }

  restore(snapshot: RoutingSnapshot): Promise<void> {
    return this.watch(() => this.adapter.restore(snapshot));
  }

  private async watch<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      this.lastError = error;
      throw error;
    }
  }
}

/** Read-backs outside the engines, through their own lane and retry policy. */
class RoutingReader {
  private readonly lanes: CarrierLanes;
  private readonly policy: RetryPolicy;
  private readonly deadline: Deadline;

  constructor(
    private readonly adapter: Carrier,
    private readonly carrier: CarrierName,
    private readonly input: Pick<
      CanaryPracticeInput,
      'clock' | 'random' | 'limits' | 'deadlineMs' | 'canary'
    >,
    retry: Partial<RetryOptions>,
  ) {
    this.lanes = new CarrierLanes(input.limits, input.clock);
    this.policy = new RetryPolicy({ retryBudget: 20, ...retry }, input.random);
    // No margin: restoring the canary is worth the last seconds.
    this.deadline = new Deadline(input.clock, input.deadlineMs, 0);
  }

  read(): Promise<CallResult<RoutingSnapshot>> {
    return readRoutingWithRetry(
      this.lanes.lane(this.carrier),
      this.adapter,
      this.input.canary.number,
      { attempts: 0 },
      { policy: this.policy, clock: this.input.clock, deadline: this.deadline },
    );
  }
}
