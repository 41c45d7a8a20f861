/**
 * Drift audit: reads every planned number's routing at its carrier and reports the ones that differ
 * from what the plan and the moment expect, so a fallback that someone changed by hand, or a
 * forwarding left on after an incident, is found before the next outage rather than during it.
 */

import type { PlanEntry } from '../../contracts/config/plan-entry';
import type { CarrierName } from '../../contracts/config/schema';
import type { CarrierDirectory, RoutingSnapshot } from '../../ports/carriers';
import type { Clock, Random } from '../../ports/clock';
import { distinctEntries } from './forward-numbers';
import { DEFAULT_DEADLINE_MARGIN_MS, type NumberFailure } from './incident-number-run';
import { describeRouting } from './pre-arm';
import {
  type AttemptTally,
  Deadline,
  type RetryOptions,
  RetryPolicy,
  readRoutingWithRetry,
} from './retry-policy';
import { CarrierLanes, type CarrierLimitsByName } from './token-bucket';
import { runPerCarrier } from './worker-pool';

/**
 * What the routing should be now:
 * - `armed`: carrier-native fallback on failure to the plan destination, no active forwarding;
 * - `normal`: no active forwarding (no incident open), whatever the fallback;
 * - `forwarded`: every call forwarded to the plan destination (an incident is open).
 */
export type RoutingExpectation = 'armed' | 'normal' | 'forwarded';

/** Input of auditRouting. */
export interface AuditRoutingInput {
  entries: PlanEntry[];
  carriers: CarrierDirectory;
  expect: RoutingExpectation;
  clock: Clock;
  random: Random;
  limits: CarrierLimitsByName;
  deadlineMs?: number;
  /** @default 5000 (DEFAULT_DEADLINE_MARGIN_MS) */
  deadlineMarginMs?: number;
  retry?: Partial<RetryOptions>;
}

/** A number whose routing differs from the expectation. */
export interface RoutingDrift {
  number: string;
  carrier: CarrierName;
  /** The routing read from the carrier. */
  actual: Pick<RoutingSnapshot, 'forwardsTo' | 'mode'>;
  reason: string;
}

/** The audit's findings. `checked + unreadable.length + notChecked.length` = plan entries. */
export interface AuditReport {
  expect: RoutingExpectation;
  /** Numbers whose routing was read. */
  checked: number;
  /** Of `checked`, the ones that differ, in plan order. */
  drifted: RoutingDrift[];
  /** Numbers whose routing could not be read, with the reason. */
  unreadable: NumberFailure[];
  /** Numbers not read because the deadline came. */
  notChecked: string[];
}

/** Why `routing` differs from the expectation for `entry`, or undefined when it does not. */
export function describeDrift(
  routing: Pick<RoutingSnapshot, 'forwardsTo' | 'mode'>,
  entry: Pick<PlanEntry, 'forwardTo'>,
  expect: RoutingExpectation,
): string | undefined {
  const planned = entry.forwardTo;
  const now = describeRouting(routing);
  switch (expect) {
    case 'armed':
      if (routing.mode === 'always') {
        return `${now} while no incident is open (expected forwarding on failure to ${planned})`;
      }
      if (routing.forwardsTo === null || routing.mode === null) {
        return `not armed: no fallback on failure (expected forwarding on failure to ${planned})`;
      }
      return routing.forwardsTo === planned
        ? undefined
        : `fallback on failure goes to ${routing.forwardsTo}, the plan says ${planned}`;
    case 'normal':
      return routing.mode === 'always' ? `${now} while no incident is open` : undefined;
    case 'forwarded':
      if (routing.mode === 'always' && routing.forwardsTo === planned) return undefined;
      return routing.mode === 'always'
        ? `${now}, the plan says ${planned}`
        : `${now} during the incident (expected every call forwarded to ${planned})`;
  }
}

/** Reads every planned number's routing (rate limited per carrier) and reports drift with a reason each. */
export async function auditRouting(input: AuditRoutingInput): Promise<AuditReport> {
  const entries = distinctEntries(input.entries);
  const lanes = new CarrierLanes(input.limits, input.clock);
  const policy = new RetryPolicy(
    { retryBudget: Math.max(100, entries.length), ...input.retry },
    input.random,
  );
  const deadline = new Deadline(
    input.clock,
    input.deadlineMs,
    input.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS,
  );
  type Finding =
    | { kind: 'ok' }
    | { kind: 'drift'; drift: RoutingDrift }
    | { kind: 'unreadable'; reason: string }
    | { kind: 'not-checked' };
  const findings = new Map<string, Finding>();

  const auditOne = async (entry: PlanEntry): Promise<Finding> => {
    const carrier = input.carriers[entry.carrier];
    if (!carrier) return { kind: 'unreadable', reason: `carrier "${entry.carrier}" is not configured` };
    if (deadline.reached) return { kind: 'not-checked' };
    const tally: AttemptTally = { attempts: 0 };
    const read = await readRoutingWithRetry(lanes.lane(entry.carrier), carrier, entry.number, tally, {
      policy,
      clock: input.clock,
      deadline,
    });
    if (!read.ok) return read.stopped ? { kind: 'not-checked' } : { kind: 'unreadable', reason: read.reason };
    // Without a carrier-native fallback, "armed" can only mean "not forwarding while no incident is open".
    const expectation =
      input.expect === 'armed' && !carrier.forwardModes.includes('on-failure') ? 'normal' : input.expect;
    const reason = describeDrift(read.value, entry, expectation);
    if (reason === undefined) return { kind: 'ok' };
    const actual = { forwardsTo: read.value.forwardsTo, mode: read.value.mode };
    return { kind: 'drift', drift: { number: entry.number, carrier: entry.carrier, actual, reason } };
  };

  await runPerCarrier(
    entries,
    (entry) => entry.carrier,
    lanes,
    async (entry) => {
      findings.set(entry.number, await auditOne(entry));
    },
  );

  const report: AuditReport = {
    expect: input.expect,
    checked: 0,
    drifted: [],
    unreadable: [],
    notChecked: [],
  };
  for (const { number } of entries) {
    const finding = findings.get(number) ?? { kind: 'not-checked' };
    if (finding.kind === 'ok' || finding.kind === 'drift') report.checked += 1;
    if (finding.kind === 'drift') report.drifted.push(finding.drift);
    if (finding.kind === 'unreadable') report.unreadable.push({ number, reason: finding.reason });
    if (finding.kind === 'not-checked') report.notChecked.push(number);
  }
  return report;
}
