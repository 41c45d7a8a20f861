/**
 * The first line of defence, set up before any outage: the carrier's own per-call fallback
 * (forward on failure to the plan's destination). It works even when nothing of ours can run;
 * active forwarding during an incident is the second line.
 */

import type { PlanEntry } from '../../contracts/config/plan-entry';
import type { CarrierName } from '../../contracts/config/schema';
import type { CarrierDirectory, RoutingSnapshot } from '../../ports/carriers';
import type { Clock, Random } from '../../ports/clock';
import { distinctEntries } from './forward-numbers';
import { DEFAULT_DEADLINE_MARGIN_MS } from './incident-number-run';
import {
  type AttemptTally,
  countFailure,
  Deadline,
  describeFailure,
  isUncertainOutcome,
  type RetryOptions,
  RetryPolicy,
  readRoutingWithRetry,
} from './retry-policy';
import { CarrierLanes, type CarrierLimitsByName } from './token-bucket';
import { runPerCarrier } from './worker-pool';

/** Input of armFallbacks. */
export interface ArmFallbacksInput {
  entries: PlanEntry[];
  carriers: CarrierDirectory;
  clock: Clock;
  random: Random;
  limits: CarrierLimitsByName;
  deadlineMs?: number;
  /** @default 5000 (DEFAULT_DEADLINE_MARGIN_MS) */
  deadlineMarginMs?: number;
  retry?: Partial<RetryOptions>;
}

/** What happened to one number. */
export type ArmOutcome = 'armed' | 'already-armed' | 'skipped' | 'failed' | 'pending';

/** One number's result. */
export interface ArmResult {
  number: string;
  carrier: CarrierName;
  forwardTo: string;
  outcome: ArmOutcome;
  /** Why it was skipped, failed or left pending; for `armed`, what it replaced. */
  reason?: string;
}

/** The results of a pre-arm run, one per plan entry in plan order, and their counts. */
export interface ArmSummary {
  results: ArmResult[];
  armed: number;
  alreadyArmed: number;
  skipped: number;
  failed: number;
  pending: number;
  retries: number;
}

/** True when the number's calls fail over to `destination` at the carrier, and only on failure. */
export function isArmedTo(routing: RoutingSnapshot, destination: string): boolean {
  return routing.mode === 'on-failure' && routing.forwardsTo === destination;
}

/**
 * Sets each number's carrier-native fallback (`on-failure` forwarding to its plan destination),
 * skipping numbers already armed correctly and numbers currently forwarding every call (an incident
 * may be open: arming would undo its forwarding).
 */
export async function armFallbacks(input: ArmFallbacksInput): Promise<ArmSummary> {
  const entries = distinctEntries(input.entries);
  const lanes = new CarrierLanes(input.limits, input.clock);
  const policy = new RetryPolicy(
    { retryBudget: Math.max(100, 2 * entries.length), ...input.retry },
    input.random,
  );
  const deadline = new Deadline(
    input.clock,
    input.deadlineMs,
    input.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS,
  );
  const retry = { policy, clock: input.clock, deadline };
  const results = new Map<string, ArmResult>();

  const armOne = async (entry: PlanEntry): Promise<ArmResult> => {
    const result = (outcome: ArmOutcome, reason?: string): ArmResult => ({
      number: entry.number,
      carrier: entry.carrier,
      forwardTo: entry.forwardTo,
      outcome,
      ...(reason === undefined ? {} : { reason }),
    });
    const carrier = input.carriers[entry.carrier];
    if (!carrier) return result('failed', `carrier "${entry.carrier}" is not configured`);
    if (!carrier.forwardModes.includes('on-failure')) {
      return result(
        'skipped',
        `${entry.carrier} has no forwarding on failure; this number is forwarded only during an incident`,
      );
    }
    if (deadline.reached) return result('pending', 'deadline reached before this number was started');
    const lane = lanes.lane(entry.carrier);
    const tally: AttemptTally = { attempts: 0 };
    const readRouting = () => readRoutingWithRetry(lane, carrier, entry.number, tally, retry);

    const before = await readRouting();
    if (!before.ok)
      return result(before.stopped ? 'pending' : 'failed', `reading the routing failed: ${before.reason}`);
    if (isArmedTo(before.value, entry.forwardTo)) return result('already-armed');
    if (before.value.mode === 'always') {
      return result(
        'skipped',
        `forwarding every call to ${before.value.forwardsTo} now (is an incident open?): arm it after failback`,
      );
    }
    const replaced = describeRouting(before.value);
    let readBack = false;
    for (;;) {
      if (readBack) {
        const after = await readRouting();
        if (!after.ok)
          return result(after.stopped ? 'pending' : 'failed', `reading back failed: ${after.reason}`);
        if (isArmedTo(after.value, entry.forwardTo)) return result('armed', `was ${replaced}`);
        readBack = false;
      }
      if (deadline.reached) return result('pending', 'deadline reached');
      try {
        tally.attempts += 1;
        await lane.call(() =>
          carrier.forward({ number: entry.number, destination: entry.forwardTo, mode: 'on-failure' }),
        );
        return result('armed', `was ${replaced}`);
      } catch (error) {
        // Arming twice is harmless, but a read is cheaper than a write and tells us the truth.
        readBack ||= isUncertainOutcome(error);
        const decision = policy.decide(error, countFailure(tally));
        if (!decision.retry) {
          if (readBack) {
            const after = await readRouting();
            if (after.ok && isArmedTo(after.value, entry.forwardTo))
              return result('armed', `was ${replaced}`);
          }
          return result('failed', decision.reason);
        }
        if (!deadline.allowsWait(decision.delayMs)) {
          return result('pending', `deadline too close to wait for a retry after: ${describeFailure(error)}`);
        }
        policy.spend();
        await input.clock.sleep(decision.delayMs);
      }
    }
  };

  await runPerCarrier(
    entries,
    (entry) => entry.carrier,
    lanes,
    async (entry) => {
      results.set(entry.number, await armOne(entry));
    },
  );

  const ordered = entries.map((entry) => results.get(entry.number) as ArmResult);
  const count = (outcome: ArmOutcome) => ordered.filter((result) => result.outcome === outcome).length;
  return {
    results: ordered,
    armed: count('armed'),
    alreadyArmed: count('already-armed'),
    skipped: count('skipped'),
    failed: count('failed'),
    pending: count('pending'),
    retries: policy.retriesUsed,
  };
}

/** "not forwarded", "forwarding on failure to X", "forwarding every call to X". */
export function describeRouting(routing: Pick<RoutingSnapshot, 'forwardsTo' | 'mode'>): string {
  if (routing.forwardsTo === null || routing.mode === null) return 'not forwarded';
  return routing.mode === 'on-failure'
    ? `forwarding on failure to ${routing.forwardsTo}`
    : `forwarding every call to ${routing.forwardsTo}`;
}
