import type { CarrierName } from '../contracts/config/schema';
import { CarrierFailoverError } from '../contracts/errors';
import type { RunPracticeInput } from '../domain/practice/run-practice';
import type { Notifier } from '../ports/alerts';
import type { Clock, Random } from '../ports/clock';
import type { ForwardingStateStore } from '../ports/forwarding-state';
import type { IncidentStore } from '../ports/incidents';
import type { AlertTopicCheck, CarrierAccess, OrchestratorCheck } from '../ports/practice';
import type { RoutingBaselineStore } from '../ports/routing-baseline';
import type { DeploymentFiles } from '../runtime/deployment-files';
import { carrierLimitsFromConfig } from './forward-run';
import type { InvocationContext } from './lambda-incident-dependencies';
import type { PracticeBaselineRow } from './practice-baseline';

/** What a practice run is composed from: the practice function's dependencies but its rotation. */
export interface PracticeWork {
  files: DeploymentFiles;
  incidents: IncidentStore;
  numbers: ForwardingStateStore;
  notifier: Notifier;
  /** The carriers, one at a time, credentials from this region's secrets. */
  access: CarrierAccess;
  /** The other watchdog regions' orchestrators. */
  orchestrators: OrchestratorCheck[];
  /** This region's alert topic. */
  alertTopics: AlertTopicCheck[];
  /** The routing baseline, refreshed after a practice and on the daily read. */
  baseline: RoutingBaselineStore;
  clock: Clock;
  random: Random;
  region: string;
}

/**
 * What one scheduled practice hands the domain's runPractice: the deployment, this region's schedule
 * as the actor, the carriers' limits, and a deadline `marginMs` before the Lambda's, counted from
 * `now` (when the turn was checked).
 */
export function composePractice(
  work: PracticeWork,
  carrier: CarrierName | undefined,
  context: InvocationContext,
  now: number,
  marginMs: number,
): RunPracticeInput {
  const { config, plan } = work.files;
  return {
    config,
    plan,
    actor: { type: 'schedule', region: work.region, name: 'practice' },
    carrier,
    access: work.access,
    orchestrators: work.orchestrators,
    alertTopics: work.alertTopics,
    incidents: work.incidents,
    numbers: work.numbers,
    notifier: work.notifier,
    clock: work.clock,
    random: work.random,
    limits: carrierLimitsFromConfig(config.carriers),
    runId: context.awsRequestId,
    deadlineMs: now + context.getRemainingTimeInMillis() - marginMs,
  };
}

/** What the practice function returns (and logs). */
export type PracticeResult =
  | { status: 'rejected'; problems: string[] }
  | { status: 'not-this-region'; practicingRegion: string | undefined }
  | { status: 'skipped'; reason: string }
  | { status: 'baseline'; baseline: PracticeBaselineRow[] }
  | {
      status: 'passed' | 'failed';
      incidentId: string;
      problems: string[];
      canaries: { carrier: string; number: string; passed: boolean; durations: string }[];
      baseline: PracticeBaselineRow[];
    };

/** The result alert could not be published: the function fails, so its error alarm fires instead. */
export class PracticeAlertError extends CarrierFailoverError {
  constructor(message: string) {
    super(message, { retryable: false });
    this.name = 'PracticeAlertError';
  }
}
