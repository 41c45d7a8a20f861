import type { FailbackDependencies } from '../domain/failback/run-failback';
import type { SiteHealthState, SiteHealthStore } from '../ports/detection';
import type { Actor } from '../ports/incidents';
import { createFailoverRoutes } from './failover-routes';
import { carrierLimitsFromConfig } from './forward-run';
import { createIncidentLog } from './incident-log';
import type { IncidentWork, InvocationContext } from './lambda-incident-dependencies';
import { createRestoreRun } from './restore-run';

/**
 * What one failback run hands the domain's advanceFailback and approveFailback: its incident log as
 * `actor`, this region's copies of the sites' quorum decisions, the restore engine over the configured
 * carriers, and a deadline `marginMs` before the Lambda's (the lease outlives it by the margin).
 */
export async function composeFailback(
  work: IncidentWork & { siteHealth: SiteHealthStore },
  context: InvocationContext,
  actor: Actor,
  marginMs: number,
): Promise<FailbackDependencies> {
  const { config } = work.files;
  const log = createIncidentLog(work, config, actor);
  const carriers = await work.carriers();
  const now = work.clock.now();
  return {
    store: work.incidents,
    numbers: work.numbers,
    log,
    clock: work.clock,
    detection: config.detection,
    failback: config.failback,
    readSiteHealth: async (siteId: string): Promise<SiteHealthState | undefined> =>
      (await work.siteHealth.get(siteId, work.region))?.state,
    restore: createRestoreRun({
      carriers,
      store: work.numbers,
      clock: work.clock,
      random: work.random,
      limits: carrierLimitsFromConfig(config.carriers),
      runId: context.awsRequestId,
    }),
    runId: context.awsRequestId,
    deadlineMs: now + context.getRemainingTimeInMillis() - marginMs,
    leaseMs: context.getRemainingTimeInMillis() + marginMs,
    routes: createFailoverRoutes(config, carriers, work.readBacks, work.clock),
  };
}
