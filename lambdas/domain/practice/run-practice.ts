/**
 * The practice run: proves the failover path in the real deployment without touching a customer's
 * number. It opens a practice incident (kind `practice`, under the practice pseudo-site, never a
 * real site's pointer), checks each carrier's credentials, fails each canary over and back through
 * the real engines with every step timed, checks the other regions' orchestrators, the alert
 * topics and the pre-armed fallbacks, resolves the incident with what it measured, and sends one
 * alert: a quiet `info` when everything passed, `high` naming the broken piece when not.
 */

import { CARRIER_NAMES, type CarrierName } from '../../contracts/config/config-constants';
import type { PlanEntry } from '../../contracts/config/plan-entry';
import type { Config } from '../../contracts/config/schema';
import { ConcurrentModificationError } from '../../contracts/errors';
import type { Alert, Notifier } from '../../ports/alerts';
import type { Carrier, CarrierDirectory } from '../../ports/carriers';
import type { Clock, Random } from '../../ports/clock';
import type { ForwardingStateStore } from '../../ports/forwarding-state';
import type { Actor, Incident, IncidentStore, PracticeRecord, PracticeStep } from '../../ports/incidents';
import type { AlertTopicCheck, CarrierAccess, OrchestratorCheck } from '../../ports/practice';
import { composeAlert } from '../alerts/compose-alert';
import type { RetryOptions } from '../forwarding/retry-policy';
import type { CarrierLimitsByName } from '../forwarding/token-bucket';
import { TIMELINE } from '../incidents/timeline';
import { outageIncidentId } from '../orchestration/run-failover';
import { type CanaryResult, describeCarrierProblem, practiceCanary } from './canary-practice';
import { checkAlertTopics, checkDrift, checkOrchestrators, type PathCheckResult } from './path-checks';
import { PRACTICE_SITE_ID } from './practice-schedule';

/** Timeline event types of a practice run (stored in the incident log; keep them stable). */
export const PRACTICE_TIMELINE = {
  started: 'practice-started',
  /** One timed step of a canary: read, forward, verify-forward, restore, verify-restore. */
  step: 'practice-step',
  /** One check: credentials, orchestrator, alert topic, drift. */
  check: 'practice-check',
  /** The result alert could not be sent. */
  alertFailed: 'practice-alert-failed',
} as const;

/** The practice incident's failure kind (no runbook: the alert names what broke). */
export const PRACTICE_FAILURE_KIND = 'practice';

/** A practice incident older than this that is still open was left by a run that died. */
export const STALE_PRACTICE_MS = 60 * 60 * 1000;

/** What the run reports as it goes, for a progress display. */
export type PracticeProgress =
  | { kind: 'opened'; incidentId: string }
  | { kind: 'step'; carrier: CarrierName; step: PracticeStep; durationMs: number; ok: boolean }
  | { kind: 'check'; check: PathCheckResult };

/** Input of runPractice. */
export interface RunPracticeInput {
  config: Pick<Config, 'deployment' | 'carriers' | 'runbooks' | 'sites' | 'practice'>;
  plan: readonly PlanEntry[];
  /** Who runs it: the schedule in a region, or an operator. */
  actor: Actor;
  /** Only this carrier (its credentials, canary and plan numbers); the shared checks still run. */
  carrier?: CarrierName;
  access: CarrierAccess;
  orchestrators: readonly OrchestratorCheck[];
  alertTopics: readonly AlertTopicCheck[];
  incidents: IncidentStore;
  numbers: ForwardingStateStore;
  notifier: Notifier;
  clock: Clock;
  random: Random;
  limits: CarrierLimitsByName;
  /** Identifies the run in the canaries' number claims. */
  runId: string;
  /** Epoch ms by which the run must have finished (the drift audit stops reading before it). */
  deadlineMs?: number;
  retry?: Partial<RetryOptions>;
  onProgress?: (progress: PracticeProgress) => void;
}

/** The run's outcome: skipped (another incident or practice is open), or finished with its record. */
export type PracticeOutcome =
  | { result: 'skipped'; reason: string }
  | {
      result: 'passed' | 'failed';
      incident: Incident;
      record: PracticeRecord;
      canaries: CanaryResult[];
      checks: PathCheckResult[];
      /** The alert that was sent, or undefined when publishing failed (`alertError` says why). */
      alert?: Alert;
      alertError?: string;
    };

/** Runs one practice. Throws only when the incident log itself cannot be written. */
export async function runPractice(input: RunPracticeInput): Promise<PracticeOutcome> {
  const { clock, config } = input;
  const busy = await openRealIncident(input);
  if (busy) return { result: 'skipped', reason: busy };
  const startedAt = clock.now();
  const carriers = CARRIER_NAMES.filter(
    (name) => config.carriers[name] !== undefined && (input.carrier === undefined || input.carrier === name),
  );
  const canaryCount = carriers.filter((name) => config.carriers[name]?.canary).length;
  const opened = await openPracticeIncident(input, startedAt, canaryCount);
  if ('skipped' in opened) return { result: 'skipped', reason: opened.skipped };
  const incident = opened.incident;
  input.onProgress?.({ kind: 'opened', incidentId: incident.id });
  const record = (type: string, message: string, details?: Record<string, unknown>) =>
    input.incidents.appendEvent({
      incidentId: incident.id,
      at: clock.now(),
      type,
      actor: input.actor,
      message,
      details,
    });
  const scope = input.carrier ? `${input.carrier} only` : `${carriers.length} carriers`;
  await record(
    PRACTICE_TIMELINE.started,
    `Practice of the failover path started (${scope}, ${canaryCount} canar${canaryCount === 1 ? 'y' : 'ies'})`,
  );

  const checks: PathCheckResult[] = [];
  const addCheck = async (check: PathCheckResult) => {
    checks.push(check);
    input.onProgress?.({ kind: 'check', check });
    await record(
      PRACTICE_TIMELINE.check,
      `${check.name}: ${check.passed ? 'ok' : 'FAILED'}: ${check.detail}`,
      {
        ...check,
      },
    );
  };

  const usable: CarrierDirectory = {};
  const canaries: CanaryResult[] = [];
  for (const name of carriers) {
    const section = config.carriers[name];
    if (!section) continue;
    let adapter: Carrier | undefined;
    try {
      adapter = await input.access.open(name);
      usable[name] = adapter;
      await addCheck({ name: `${name} credentials`, passed: true, detail: 'readable' });
    } catch (error) {
      const problem = describeCarrierProblem(name, error, 'reading its credentials', String(error));
      await addCheck({ name: `${name} credentials`, passed: false, detail: problem, problem });
    }
    const canary = section.canary;
    if (!canary) continue;
    if (!adapter) {
      // The credentials check above already names the problem; the canary was never touched.
      canaries.push({
        carrier: name,
        number: canary.number,
        passed: false,
        restored: true,
        credentialsRejected: false,
        durationsMs: {},
        problems: [],
      });
      await addCheck({ name: `${name} canary`, passed: false, detail: 'not run: no usable credentials' });
      continue;
    }
    const result = await practiceCanary({
      incidentId: incident.id,
      siteId: incident.siteId,
      carrier: name,
      canary,
      adapter,
      numbers: input.numbers,
      clock,
      random: input.random,
      limits: input.limits,
      runId: input.runId,
      deadlineMs: input.deadlineMs,
      retry: input.retry,
      onStep: async (step, durationMs, ok, detail) => {
        input.onProgress?.({ kind: 'step', carrier: name, step, durationMs, ok });
        await record(
          PRACTICE_TIMELINE.step,
          `${name} canary ${canary.number}: ${step} ${ok ? 'ok' : 'FAILED'} in ${durationMs} ms (${detail})`,
          { carrier: name, number: canary.number, step, durationMs, ok },
        );
      },
    });
    canaries.push(result);
    await addCheck({
      name: `${name} canary`,
      passed: result.passed,
      detail: result.passed
        ? `${canary.number} forwarded, verified, restored and verified`
        : result.problems.join('; '),
      ...(result.passed ? {} : { problem: result.problems[0] ?? `${name}: canary ${canary.number} failed` }),
    });
  }

  const [orchestrators, topics] = await Promise.all([
    checkOrchestrators(input.orchestrators),
    checkAlertTopics(input.alertTopics),
  ]);
  for (const check of [...orchestrators, ...topics]) await addCheck(check);
  // A carrier that refused the canary's credentials would refuse every audit read too: already said.
  for (const canary of canaries) if (canary.credentialsRejected) delete usable[canary.carrier];
  const driftChecks = await checkDrift({
    entries: input.plan.filter((entry) => carriers.includes(entry.carrier)),
    carriers: usable,
    expect: config.practice.audit,
    clock,
    random: input.random,
    limits: input.limits,
    deadlineMs: input.deadlineMs,
  });
  for (const check of driftChecks) await addCheck(check);

  const problems = [
    ...checks.flatMap((check) => (check.problem ? [check.problem] : [])),
    ...canaries.flatMap((canary) => canary.problems.slice(1)),
  ];
  const passed = problems.length === 0;
  const resolvedAt = clock.now();
  const practice: PracticeRecord = {
    passed,
    canaries: canaries.map(({ carrier, number, passed: ok, durationsMs }) => ({
      carrier,
      number,
      passed: ok,
      durationsMs,
    })),
    checks: checks.map(({ name, passed: ok, detail }) => ({ name, passed: ok, detail })),
    problems,
    durationMs: resolvedAt - startedAt,
  };
  const forwarded = canaries.filter((canary) => canary.durationsMs.forward !== undefined).length;
  const resolved = await input.incidents.update(incident.id, incident.version, {
    status: 'resolved',
    resolvedAt,
    recoveredAt: resolvedAt,
    reason: passed ? 'practice passed' : `failover path broken: ${problems[0]}`,
    numbers: {
      total: canaries.length,
      forwarded,
      failed: canaries.filter((canary) => !canary.passed).length,
      restored: canaries.filter((canary) => canary.durationsMs.forward !== undefined && canary.restored)
        .length,
    },
    practice,
  });
  await record(
    TIMELINE.resolved,
    passed
      ? `Practice passed in ${practice.durationMs} ms`
      : `Practice found ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
    { passed, problems },
  );

  const outcome = {
    result: passed ? ('passed' as const) : ('failed' as const),
    incident: resolved,
    record: practice,
    canaries,
    checks,
  };
  const alert = composeAlert({
    kind: passed ? 'practice-passed' : 'practice-failed',
    deployment: config.deployment,
    region: input.actor.region,
    incident: resolved,
    headline: passed
      ? `practice passed: ${describeCanaries(canaries)}, all checks ok`
      : `failover path broken: ${problems[0]}`,
    details: alertDetails(practice),
    sentAt: clock.now(),
  });
  try {
    await input.notifier.publish(alert);
    await record(TIMELINE.alertSent, alert.subject, { kind: alert.kind, severity: alert.severity });
    return { ...outcome, alert };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await record(PRACTICE_TIMELINE.alertFailed, `The practice alert could not be sent: ${reason}`, {
      kind: alert.kind,
    });
    return { ...outcome, alertError: reason };
  }
}

/** A real incident of any primary site, which practice must not compete with for carrier capacity. */
async function openRealIncident(input: RunPracticeInput): Promise<string | undefined> {
  for (const site of input.config.sites) {
    if (site.role !== 'primary') continue;
    const active = await input.incidents.getActive(site.id);
    if (active)
      return `incident ${active.id} of ${site.id} is open (${active.status}); practice waits for it`;
  }
  return undefined;
}

/**
 * Opens the practice incident, or reports that another practice is running. A practice incident
 * left open by a run that died long ago is closed as abandoned first, so it cannot block practice
 * forever.
 */
async function openPracticeIncident(
  input: RunPracticeInput,
  now: number,
  canaries: number,
): Promise<{ incident: Incident } | { skipped: string }> {
  const draft: Omit<Incident, 'version' | 'status'> = {
    id: outageIncidentId(PRACTICE_SITE_ID, now),
    siteId: PRACTICE_SITE_ID,
    kind: 'practice',
    outageStartedAt: now,
    openedAt: now,
    regions: [input.actor.region],
    openedBy: input.actor,
    failureKind: PRACTICE_FAILURE_KIND,
    reason: input.carrier
      ? `practice of the failover path (${input.carrier})`
      : 'practice of the failover path',
    numbers: { total: canaries, forwarded: 0, failed: 0, restored: 0 },
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    const { incident, created } = await input.incidents.openOrJoin(draft);
    if (created) return { incident };
    if (incident.openedAt > now - STALE_PRACTICE_MS) {
      return {
        skipped: `practice ${incident.id} is still running (opened by ${describeActor(incident.openedBy)})`,
      };
    }
    try {
      await input.incidents.update(incident.id, incident.version, {
        status: 'resolved',
        resolvedAt: now,
        reason: 'abandoned: the run that opened it never finished',
        practice: {
          passed: false,
          canaries: [],
          checks: [],
          problems: ['abandoned: the run that opened it never finished'],
          durationMs: now - incident.openedAt,
        },
      });
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError)) throw error;
    }
  }
  return { skipped: 'another practice run opened at the same moment' };
}

function describeActor(actor: Actor): string {
  return `${actor.type}${actor.name ? ` ${actor.name}` : ''} in ${actor.region}`;
}

function describeCanaries(canaries: readonly CanaryResult[]): string {
  if (canaries.length === 0) return 'no canary configured';
  return `${canaries.length} canar${canaries.length === 1 ? 'y' : 'ies'} forwarded and restored`;
}

/** The alert body's lines: problems first, then each canary's timings, then every check. */
function alertDetails(record: PracticeRecord): string[] {
  return [
    ...(record.problems.length > 0
      ? ['Broken:', ...record.problems.map((problem) => `  - ${problem}`), '']
      : []),
    ...record.canaries.map(
      (canary) =>
        `Canary ${canary.carrier} ${canary.number}: ${canary.passed ? 'ok' : 'FAILED'} (${formatDurations(canary.durationsMs)})`,
    ),
    'Checks:',
    ...record.checks.map((check) => `  ${check.passed ? 'ok    ' : 'FAILED'} ${check.name}: ${check.detail}`),
  ];
}

/** `read 120 ms, forward 310 ms, verify 95 ms, restore 290 ms, verify 101 ms`. */
export function formatDurations(durations: Partial<Record<PracticeStep, number>>): string {
  const labels: Record<PracticeStep, string> = {
    read: 'read',
    forward: 'forward',
    'verify-forward': 'verify',
    restore: 'restore',
    'verify-restore': 'verify',
  };
  const steps = (Object.keys(labels) as PracticeStep[]).filter((step) => durations[step] !== undefined);
  return steps.length === 0
    ? 'not run'
    : steps.map((step) => `${labels[step]} ${durations[step]} ms`).join(', ');
}
