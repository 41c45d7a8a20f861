import type { DetectionSettings, FailbackSettings } from '../../contracts/config/schema';
import { ConcurrentModificationError } from '../../contracts/errors';
import type { Clock } from '../../ports/clock';
import type { SiteHealthState } from '../../ports/detection';
import type { ForwardingStateStore, RestoreRun, RestoreRunSummary } from '../../ports/forwarding-state';
import type { Actor, Incident, IncidentStore } from '../../ports/incidents';
import { announceOwed, oweAlert } from '../incidents/alert-outbox';
import { releaseIncidentLease, takeIncidentLease, updateUnderLease } from '../incidents/incident-lease';
import type { IncidentLog } from '../incidents/incident-log';
import { TIMELINE } from '../incidents/timeline';
import type { FailoverRoutes } from '../routes/failover-routes';
import { routedNumbersHome } from '../routes/switch-routes-back';
import { broughtHome, takesPartInFailback } from './failback-numbers';
import { judgeFailbackReadiness, waveSlices } from './failback-readiness';
import { owesRouteSwitchBack, switchBackRoutes } from './failback-routes';

export interface FailbackDependencies {
  store: IncidentStore;
  numbers: ForwardingStateStore;
  log: IncidentLog;
  clock: Clock;
  detection: DetectionSettings;
  failback: FailbackSettings;
  /** This region's copy of the site's quorum decision (kept by the probes). */
  readSiteHealth(siteId: string): Promise<SiteHealthState | undefined>;
  restore: RestoreRun;
  runId: string;
  deadlineMs: number;
  leaseMs: number;
  /** The routes whose switches failback undoes (`sites[].failover`); none: only numbers come home. */
  routes?: FailoverRoutes;
}

export type FailbackOutcome =
  | { result: 'no-incident' }
  | {
      result: 'awaiting-recovery' | 'awaiting-approval' | 'waiting' | 'halted' | 'busy';
      incident: Incident;
      detail: string;
    }
  | { result: 'in-progress'; incident: Incident; detail: string }
  | { result: 'resolved'; incident: Incident };

/**
 * Moves a site's failback one step further, as far as time and health allow: notes the recovery,
 * waits for approval (manual mode), then restores wave after wave, checking the quorum decision before
 * each one and halting (numbers stay forwarded) when the site degrades. Called every minute by the
 * failback function in every region and right after an approval; the incident lease lets one run
 * work at a time, and every step is resumable, so a crash anywhere repeats nothing. Each tick first
 * sends whatever alert the incident still owes (alert-outbox.ts), so a page or a forwarding result
 * that an orchestrator could not publish goes out from any region within a minute.
 */
export async function advanceFailback(siteId: string, deps: FailbackDependencies): Promise<FailbackOutcome> {
  const incident = await deps.store.getActive(siteId);
  if (
    !incident ||
    !['forwarded', 'partially-forwarded', 'recovering', 'failing-back'].includes(incident.status)
  ) {
    return { result: 'no-incident' };
  }
  const leased = await takeIncidentLease(deps.store, incident, {
    runId: deps.runId,
    now: deps.clock.now(),
    leaseMs: deps.leaseMs,
    statuses: ['forwarded', 'partially-forwarded', 'recovering', 'failing-back'],
  });
  if (!leased) return { result: 'busy', incident, detail: 'another run is working this incident' };
  try {
    return await advanceLeased(await announceOwed(leased, deps), deps);
  } finally {
    await releaseIncidentLease(deps.store, leased.id, deps.runId);
  }
}

/** Records an operator's approval (manual mode), then advances. Approving twice changes nothing more. */
export async function approveFailback(
  siteId: string,
  approver: Actor,
  deps: FailbackDependencies,
): Promise<FailbackOutcome> {
  const incident = await deps.store.getActive(siteId);
  if (
    !incident ||
    !['forwarded', 'partially-forwarded', 'recovering', 'failing-back'].includes(incident.status)
  ) {
    return { result: 'no-incident' };
  }
  const alreadyApproved = (current: Incident) =>
    current.failbackApprovedAt !== undefined && !current.failback?.halted;
  // Checked again on every retry: a concurrent approval that lands first makes this one a repeat.
  const approved = alreadyApproved(incident)
    ? undefined
    : await updateWithRetry(deps.store, incident, (current) =>
        alreadyApproved(current)
          ? undefined
          : {
              failbackApprovedAt: deps.clock.now(),
              failbackApprovedBy: approver,
              ...(current.failback?.halted ? { failback: { ...current.failback, halted: undefined } } : {}),
            },
      );
  if (!approved) {
    await deps.log.record(
      incident,
      TIMELINE.note,
      `Failback approval repeated by ${approver.name ?? approver.type}; already approved`,
    );
  } else {
    await deps.log.record(
      approved,
      TIMELINE.failbackApproved,
      `Failback approved by ${approver.name ?? approver.type}`,
      {
        approvedBy: approver,
      },
    );
  }
  return advanceFailback(siteId, deps);
}

async function advanceLeased(start: Incident, deps: FailbackDependencies): Promise<FailbackOutcome> {
  let incident = start;
  const health = await deps.readSiteHealth(incident.siteId);

  if (incident.status === 'forwarded' || incident.status === 'partially-forwarded') {
    if (health?.status !== 'up')
      return { result: 'awaiting-recovery', incident, detail: 'the site is still down' };
    const next =
      deps.failback.mode === 'manual' && incident.failbackApprovedAt === undefined
        ? `Failback waits for approval: carrier-failover failback --site ${incident.siteId} --approve`
        : 'Failback starts now, in waves.';
    incident = await updateUnderLease(deps.store, incident, deps.runId, (current) => ({
      status: 'recovering',
      recoveredAt: deps.clock.now(),
      ...oweAlert(
        current,
        { kind: 'recovered', headline: 'recovered: healthy for the whole recovery hold', details: [next] },
        deps.clock.now(),
      ),
    }));
    await deps.log.record(
      incident,
      TIMELINE.recovered,
      `Site healthy for ${deps.detection.recoveryHoldMinutes} min from a quorum of regions`,
    );
    incident = await announceOwed(incident, deps);
  }

  if (incident.status === 'recovering') {
    if (deps.failback.mode === 'manual' && incident.failbackApprovedAt === undefined) {
      return {
        result: 'awaiting-approval',
        incident,
        detail: `run: carrier-failover failback --site ${incident.siteId} --approve`,
      };
    }
    incident = await updateUnderLease(deps.store, incident, deps.runId, () => ({
      status: 'failing-back',
      failback: { startedAt: deps.clock.now(), wavesDone: 0 },
    }));
  }

  const states = await deps.numbers.list(incident.id);
  const inFailback = states.filter(takesPartInFailback).map((state) => state.number);
  // Without per-number rows (every number carried by a route) there are no waves to wait between.
  const slices = inFailback.length === 0 ? [] : waveSlices(inFailback, deps.failback.waves);

  for (;;) {
    const progress = incident.failback ?? { startedAt: deps.clock.now(), wavesDone: 0 };
    if (progress.halted) {
      return {
        result: 'halted',
        incident,
        detail: `halted: ${progress.halted.reason}; approve again to resume`,
      };
    }
    const lastStep = progress.wavesDone >= slices.length;
    if (owesRouteSwitchBack(incident, deps, lastStep)) {
      const switched = await switchBackRoutes(incident, deps);
      if ('halt' in switched) {
        return {
          result: 'halted',
          incident: await halt(switched.incident, switched.halt, deps),
          detail: switched.halt,
        };
      }
      incident = switched.incident;
    }
    if (lastStep) return finishFailback(incident, deps);
    const now = deps.clock.now();
    if (
      progress.runningWave === undefined &&
      progress.nextWaveAt !== undefined &&
      progress.nextWaveAt > now
    ) {
      return {
        result: 'waiting',
        incident,
        detail: `next wave at ${new Date(progress.nextWaveAt).toISOString()}`,
      };
    }
    // Read afresh before every wave: a degradation during the previous wave must stop the next.
    const readiness = judgeFailbackReadiness(await deps.readSiteHealth(incident.siteId), deps.detection, now);
    if (!readiness.ready) {
      return {
        result: 'halted',
        incident: await halt(incident, readiness.reason, deps),
        detail: readiness.reason,
      };
    }
    const wave = progress.wavesDone;
    if (progress.runningWave === undefined) {
      incident = await updateUnderLease(deps.store, incident, deps.runId, () => ({
        failback: { ...progress, runningWave: wave },
      }));
      await deps.log.record(
        incident,
        TIMELINE.failbackWaveStarted,
        describeWave(wave, deps, slices[wave].length, 'starting'),
        {
          wave: wave + 1,
          numbers: slices[wave].length,
        },
      );
    }
    const summary = await deps.restore(incident.id, slices[wave], wave + 1, deps.deadlineMs);
    if (summary.pending > 0) {
      return {
        result: 'in-progress',
        incident,
        detail: `wave ${wave + 1}: ${summary.pending} numbers left for the next run`,
      };
    }
    incident = await finishWave(incident, wave, slices, summary, deps);
  }
}

async function finishWave(
  incident: Incident,
  wave: number,
  slices: string[][],
  summary: RestoreRunSummary,
  deps: FailbackDependencies,
): Promise<Incident> {
  const states = await deps.numbers.list(incident.id);
  const restored = states.filter(broughtHome).length;
  const progress = incident.failback!;
  const headline = `${describeWave(wave, deps, slices[wave].length, 'done')}: restored ${summary.restored}${
    summary.failed.length > 0 ? `, ${summary.failed.length} could not be restored` : ''
  }`;
  const updated = await updateUnderLease(deps.store, incident, deps.runId, (current) => ({
    numbers: { ...current.numbers, restored },
    failback: {
      ...progress,
      wavesDone: wave + 1,
      runningWave: undefined,
      nextWaveAt: deps.clock.now() + deps.failback.minutesBetweenWaves * 60_000,
    },
    ...oweAlert(
      current,
      { kind: 'failback-wave', headline, details: describeRestoreFailures(summary.failed) },
      deps.clock.now(),
    ),
  }));
  await deps.log.record(updated, TIMELINE.failbackWaveFinished, headline, {
    wave: wave + 1,
    restored: summary.restored,
    failed: summary.failed,
  });
  return announceOwed(updated, deps);
}

/**
 * After the last wave: resolves when every number is home. Numbers whose restore failed get one more
 * try (an approval after a halt lands here too); if some still fail, failback halts and names them,
 * so the incident is never resolved while numbers are left forwarded unnoticed.
 */
async function finishFailback(incident: Incident, deps: FailbackDependencies): Promise<FailbackOutcome> {
  const stuck = (await deps.numbers.list(incident.id)).filter((state) => state.status === 'restore-failed');
  if (stuck.length === 0) return { result: 'resolved', incident: await resolve(incident, deps) };
  const retry = await deps.restore(
    incident.id,
    stuck.map((state) => state.number),
    deps.failback.waves.length,
    deps.deadlineMs,
  );
  if (retry.pending > 0)
    return { result: 'in-progress', incident, detail: `${retry.pending} numbers left for the next run` };
  if (retry.failed.length === 0) return { result: 'resolved', incident: await resolve(incident, deps) };
  const reason = `${retry.failed.length} numbers could not be restored (${retry.failed
    .slice(0, 3)
    .map((item) => `${item.number}: ${item.reason}`)
    .join('; ')}${retry.failed.length > 3 ? '; ...' : ''})`;
  return { result: 'halted', incident: await halt(incident, reason, deps), detail: reason };
}

async function halt(incident: Incident, reason: string, deps: FailbackDependencies): Promise<Incident> {
  const progress = incident.failback ?? { startedAt: deps.clock.now(), wavesDone: 0 };
  const left = incident.numbers.forwarded - incident.numbers.restored;
  const halted = await updateUnderLease(deps.store, incident, deps.runId, (current) => ({
    failback: { ...progress, runningWave: undefined, halted: { at: deps.clock.now(), reason } },
    ...oweAlert(
      current,
      {
        kind: 'failback-halted',
        headline: 'failback halted, numbers stay forwarded',
        details: [
          `Reason: ${reason}`,
          `${left} numbers stay forwarded to their backup destinations.`,
          `Resume with: carrier-failover failback --site ${incident.siteId} --approve`,
        ],
        runbookKind: 'failback-halted',
      },
      deps.clock.now(),
    ),
  }));
  const headline =
    progress.wavesDone < deps.failback.waves.length
      ? `failback halted before wave ${progress.wavesDone + 1}: ${reason}`
      : `failback halted: ${reason}`;
  await deps.log.record(halted, TIMELINE.failbackHalted, headline, { reason, stillForwarded: left });
  return announceOwed(halted, deps);
}

async function resolve(incident: Incident, deps: FailbackDependencies): Promise<Incident> {
  const states = await deps.numbers.list(incident.id);
  const restoreFailed = states
    .filter((state) => state.status === 'restore-failed')
    .map((state) => ({ number: state.number, reason: state.lastError ?? 'unknown' }));
  const restored = states.filter(broughtHome).length + routedNumbersHome(incident);
  const headline = `resolved: ${restored} numbers back home${restoreFailed.length > 0 ? `, ${restoreFailed.length} still forwarded` : ''}`;
  // Resolved incidents are worked no more: this run is the only one to send the last alert.
  const resolved = await updateUnderLease(deps.store, incident, deps.runId, (current) => ({
    status: 'resolved',
    resolvedAt: deps.clock.now(),
    numbers: { ...current.numbers, restored },
    ...oweAlert(
      current,
      { kind: 'resolved', headline, details: describeRestoreFailures(restoreFailed) },
      deps.clock.now(),
    ),
  }));
  await deps.log.record(resolved, TIMELINE.resolved, headline, { restored, restoreFailed });
  return announceOwed(resolved, deps);
}

/** Applies `changes` to the latest version of the incident; undefined when `changes` says there is none to make. */
async function updateWithRetry(
  store: IncidentStore,
  incident: Incident,
  changes: (current: Incident) => Partial<Omit<Incident, 'id' | 'siteId' | 'version'>> | undefined,
): Promise<Incident | undefined> {
  let current = incident;
  for (;;) {
    const change = changes(current);
    if (change === undefined) return undefined;
    try {
      return await store.update(current.id, current.version, change);
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError)) throw error;
      const reread = await store.get(current.id);
      if (!reread) throw error;
      current = reread;
    }
  }
}

function describeWave(
  wave: number,
  deps: FailbackDependencies,
  count: number,
  phase: 'starting' | 'done',
): string {
  const percent = deps.failback.waves[wave];
  return `Failback wave ${wave + 1} of ${deps.failback.waves.length} (${percent} %, ${count} numbers)${phase === 'starting' ? ' starting' : ''}`;
}

/** Numbers whose original setting could not be restored, with their reasons (at most 20 lines). */
function describeRestoreFailures(failed: { number: string; reason: string }[]): string[] {
  if (failed.length === 0) return [];
  const shown = failed.slice(0, 20).map((item) => `  ${item.number}: ${item.reason}`);
  const more = failed.length > shown.length ? [`  ... and ${failed.length - shown.length} more`] : [];
  return ['Could not be restored (still forwarded):', ...shown, ...more];
}
