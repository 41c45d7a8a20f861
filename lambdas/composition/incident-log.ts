import type { Config } from '../contracts/config/schema';
import { IncidentLog } from '../domain/incidents/incident-log';
import type { Actor } from '../ports/incidents';
import { logger } from '../runtime/powertools';
import type { IncidentWork } from './lambda-incident-dependencies';

/**
 * The incident log one run of a function writes through, acting as `actor`. An alert it could not
 * publish is logged; it stays owed on the incident, and the next run holding the incident sends it.
 */
export function createIncidentLog(
  work: Pick<IncidentWork, 'incidents' | 'notifier' | 'clock'>,
  config: Pick<Config, 'deployment' | 'runbooks'>,
  actor: Actor,
): IncidentLog {
  return new IncidentLog({
    store: work.incidents,
    notifier: work.notifier,
    clock: work.clock,
    actor,
    deployment: config.deployment,
    runbooks: config.runbooks,
    onPublishFailed: (alert, error) =>
      logger.error('Alert not published; it stays owed and the next run holding the incident sends it', {
        kind: alert.kind,
        alertId: alert.alertId,
        error: error instanceof Error ? error.message : String(error),
      }),
  });
}
