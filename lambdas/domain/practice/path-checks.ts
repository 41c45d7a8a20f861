/**
 * The checks of what a real failover will need besides the carriers: the other regions'
 * orchestrators answer (a region whose orchestrator is gone or forbidden cannot fail over), the
 * alert topic reaches somebody (a subscription still pending confirmation reaches nobody), and the
 * pre-armed carrier fallbacks are still as the plan says (the drift audit).
 */

import type { PlanEntry } from '../../contracts/config/plan-entry';
import type { CarrierName } from '../../contracts/config/schema';
import { CarrierAuthError, CarrierError, CarrierFailoverError } from '../../contracts/errors';
import type { Carrier, CarrierDirectory } from '../../ports/carriers';
import type { Clock, Random } from '../../ports/clock';
import type { AlertTopicCheck, OrchestratorCheck } from '../../ports/practice';
import { auditRouting, type RoutingExpectation } from '../forwarding/drift-audit';
import { describeFailure } from '../forwarding/retry-policy';
import type { CarrierLimitsByName } from '../forwarding/token-bucket';
import { describeCarrierProblem } from './canary-practice';

/** The result of one check. `problem` is set exactly when it failed. */
export interface PathCheckResult {
  /** e.g. `orchestrator us-west-2`, `alert topic us-east-1`, `telnyx credentials`, `drift`. */
  name: string;
  passed: boolean;
  /** What was found, one line. */
  detail: string;
  /** What is broken, one line, for the alert. */
  problem?: string;
}

/** Asks every orchestrator for a dry invocation, all at once. */
export function checkOrchestrators(orchestrators: readonly OrchestratorCheck[]): Promise<PathCheckResult[]> {
  return Promise.all(
    orchestrators.map(async (orchestrator): Promise<PathCheckResult> => {
      const name = `orchestrator ${orchestrator.region}`;
      try {
        await orchestrator.dryRun();
        return { name, passed: true, detail: `${orchestrator.functionName} answered a dry run` };
      } catch (error) {
        const reason = reasonOf(error);
        return {
          name,
          passed: false,
          detail: `${orchestrator.functionName} did not answer a dry run: ${reason}`,
          problem: `orchestrator in ${orchestrator.region} unreachable: ${reason}`,
        };
      }
    }),
  );
}

/** Lists every alert topic's subscriptions: at least one must be confirmed. */
export function checkAlertTopics(topics: readonly AlertTopicCheck[]): Promise<PathCheckResult[]> {
  return Promise.all(
    topics.map(async (topic): Promise<PathCheckResult> => {
      const name = `alert topic ${topic.region}`;
      let subscriptions: Awaited<ReturnType<AlertTopicCheck['subscriptions']>>;
      try {
        subscriptions = await topic.subscriptions();
      } catch (error) {
        const reason = reasonOf(error);
        return {
          name,
          passed: false,
          detail: `subscriptions could not be listed: ${reason}`,
          problem: `alert topic in ${topic.region}: subscriptions could not be listed (${reason})`,
        };
      }
      const confirmed = subscriptions.filter((subscription) => subscription.confirmed);
      const pending = subscriptions.length - confirmed.length;
      const pendingText = pending > 0 ? `, ${pending} pending confirmation` : '';
      if (confirmed.length === 0) {
        return {
          name,
          passed: false,
          detail: `no confirmed subscription${pendingText}`,
          problem: `alert topic in ${topic.region}: no confirmed subscription${pendingText}; nobody would be paged`,
        };
      }
      const protocols = [...new Set(confirmed.map((subscription) => subscription.protocol))].join(', ');
      return {
        name,
        passed: true,
        detail: `${confirmed.length} confirmed subscription${confirmed.length === 1 ? '' : 's'} (${protocols})${pendingText}`,
      };
    }),
  );
}

/** Input of checkDrift. */
export interface DriftCheckInput {
  entries: PlanEntry[];
  /** The carriers that could be opened; numbers of others are counted as not checked. */
  carriers: CarrierDirectory;
  expect: Extract<RoutingExpectation, 'armed' | 'normal'>;
  clock: Clock;
  random: Random;
  limits: CarrierLimitsByName;
  deadlineMs?: number;
}

/**
 * The drift audit over the plan. Drift and unreadable numbers fail the check; numbers the deadline
 * left unread, or whose carrier could not be opened (already reported), are only counted. A carrier
 * that refuses the credentials is one problem of its own, not one per number.
 */
export async function checkDrift(input: DriftCheckInput): Promise<PathCheckResult[]> {
  const rejected = new Map<CarrierName, CarrierAuthError>();
  const carriers: CarrierDirectory = {};
  for (const [name, carrier] of Object.entries(input.carriers) as [CarrierName, Carrier][]) {
    carriers[name] = {
      name: carrier.name,
      forwardModes: carrier.forwardModes,
      readRouting: async (number) => {
        try {
          return await carrier.readRouting(number);
        } catch (error) {
          if (error instanceof CarrierAuthError && !rejected.has(name)) rejected.set(name, error);
          throw error;
        }
      },
      forward: (request) => carrier.forward(request),
      restore: (snapshot) => carrier.restore(snapshot),
    };
  }
  const entries = input.entries.filter((entry) => carriers[entry.carrier] !== undefined);
  const skipped = input.entries.length - entries.length;
  const report = await auditRouting({ ...input, carriers, entries, deadlineMarginMs: 0 });
  const unreadable = report.unreadable.filter((failure) => {
    const entry = entries.find((candidate) => candidate.number === failure.number);
    return !(entry && rejected.has(entry.carrier));
  });
  const notChecked = report.notChecked.length + skipped + (report.unreadable.length - unreadable.length);
  const detail =
    `${report.checked} of ${input.entries.length} numbers read (expecting ${input.expect}), ` +
    `${report.drifted.length} drifted, ${unreadable.length} unreadable` +
    (notChecked > 0 ? `, ${notChecked} not checked` : '');
  const credentialChecks = [...rejected].map(([name, error]): PathCheckResult => {
    const problem = describeCarrierProblem(name, error, 'auditing', error.message);
    return { name: `${name} credentials`, passed: false, detail: problem, problem };
  });
  const first = report.drifted[0] ?? unreadable[0];
  if (!first) return [...credentialChecks, { name: 'drift', passed: true, detail }];
  const count = report.drifted.length + unreadable.length;
  return [
    ...credentialChecks,
    {
      name: 'drift',
      passed: false,
      detail,
      problem: `pre-armed fallbacks: ${count} of ${input.entries.length} numbers drifted or unreadable (first: ${first.number}: ${first.reason})`,
    },
  ];
}

/** Adapters' own errors already say what failed and what to do; others get their name. */
function reasonOf(error: unknown): string {
  return error instanceof CarrierFailoverError && !(error instanceof CarrierError)
    ? error.message
    : describeFailure(error);
}
