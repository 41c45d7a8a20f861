import { CARRIER_NAMES } from '../contracts/config/config-constants';
import { failoverModeOf } from '../contracts/config/site-routes';
import type { FailoverDependencies } from '../domain/orchestration/run-failover';
import { createFailoverRoutes } from './failover-routes';
import { carrierLimitsFromConfig, createForwardRun } from './forward-run';
import { createIncidentLog } from './incident-log';
import type { IncidentWork, InvocationContext } from './lambda-incident-dependencies';

/**
 * What one orchestrator run hands the domain's runFailover: its incident log, the forwarding engine
 * over the configured carriers, and a deadline `marginMs` before the Lambda's (the lease outlives it
 * by the margin).
 */
export async function composeFailover(
  work: IncidentWork,
  context: InvocationContext,
  marginMs: number,
): Promise<FailoverDependencies> {
  const { config, plan } = work.files;
  const now = work.clock.now();
  // The orchestrator acts; who asked for it is on the detected and joined events.
  const log = createIncidentLog(work, config, { type: 'system', region: work.region, name: 'orchestrator' });
  const carriers = await work.carriers();
  const forward = createForwardRun({
    carriers,
    store: work.numbers,
    clock: work.clock,
    random: work.random,
    limits: carrierLimitsFromConfig(config.carriers),
    runId: context.awsRequestId,
    perNumberCarriers: perNumberCarriersOf(config),
    baselines: work.baselines,
  });
  return {
    store: work.incidents,
    log,
    clock: work.clock,
    plan,
    sites: new Map(config.sites.map((site) => [site.id, site.role])),
    forward,
    runId: context.awsRequestId,
    deadlineMs: now + context.getRemainingTimeInMillis() - marginMs,
    leaseMs: context.getRemainingTimeInMillis() + marginMs,
    random: work.random,
    routes: createFailoverRoutes(config, carriers, work.readBacks, work.clock),
  };
}

/** Carriers some site forwards one request a number (`per-number`): the engine sends them no bulk call. */
function perNumberCarriersOf(config: IncidentWork['files']['config']) {
  return CARRIER_NAMES.filter((carrier) =>
    config.sites.some((site) => failoverModeOf(site, carrier) === 'per-number'),
  );
}
