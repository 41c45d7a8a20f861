/**
 * Detection on the virtual clock: the real ProbeCycle of each watchdog region (judge-round,
 * decide-site-health, the site-health tracker) with its real DynamoDB observation and site-health
 * stores on dynalite, probing a site through a modelled probe instead of UDP: before the kill every
 * endpoint answers within tens of milliseconds, from the kill on every probe times out after the
 * configured probe timeout. The probe is the only part replaced (ProbeCycle takes it as a
 * dependency), since a real socket would not wait in virtual time.
 */

import { DynamoDbObservationStore } from '../../lambdas/adapters/dynamodb/observation-store';
import { DynamoDbSiteHealthStore } from '../../lambdas/adapters/dynamodb/site-health-store';
import { failoverEventForTrip } from '../../lambdas/adapters/lambda/orchestrator-invoker';
import type { DetectionSettings, Site } from '../../lambdas/contracts/config/schema';
import { sipEndpointId } from '../../lambdas/contracts/endpoint-ids';
import type { FailoverEvent } from '../../lambdas/contracts/events/orchestrator-event';
import { ProbeCycle } from '../../lambdas/domain/detection/probe-cycle';
import type { Random } from '../../lambdas/ports/clock';
import type { Observation, ProbeSiteFn } from '../../lambdas/ports/detection';
import type { LocalIncidentTable } from '../../lib/developer/far-side/local-incident-table';
import type { VirtualClock } from './virtual-clock';

/** A live endpoint's answer time, ms (virtual). */
const ANSWER_MS: readonly [number, number] = [10, 40];

/** What the detection of one run needs. */
export interface VirtualDetectionOptions {
  site: Site;
  settings: DetectionSettings;
  regions: readonly string[];
  table: LocalIncidentTable;
  clock: VirtualClock;
  random: Random;
  /** Epoch ms (virtual) the site dies. */
  killAt: number;
  /** Epoch ms the probe invocations end (ProbeCycle's deadline). */
  deadlineMs: number;
  /** Each region's trip, as the failover event its probe function would send. */
  onFailoverEvent(region: string, event: FailoverEvent, trippedAt: number): void;
}

/** Starts every region's probe cycle; resolves when all of them reached their deadline. */
export function runVirtualDetection(options: VirtualDetectionOptions): Promise<void> {
  const { site, settings, table, clock } = options;
  const probe = virtualProbe(options);
  const cycles = options.regions.map((region) =>
    new ProbeCycle({
      sites: [site],
      probeSite: probe,
      observations: new DynamoDbObservationStore({
        client: table.documentClient,
        tableName: table.observationTableName,
        sleep: (ms) => clock.sleep(ms),
      }),
      siteHealth: new DynamoDbSiteHealthStore(table.documentClient, table.tableName),
      clock,
      settings,
      regions: options.regions,
      region,
      random: options.random,
      onTrip: async (trip, tripped) => {
        if (tripped.role !== 'primary') return;
        options.onFailoverEvent(region, failoverEventForTrip(trip, { region }), clock.now());
      },
    }).run(options.deadlineMs),
  );
  return Promise.all(cycles).then(() => undefined);
}

/** The probe of every endpoint of the site: answers before `killAt`, times out from then on. */
function virtualProbe(options: VirtualDetectionOptions): ProbeSiteFn {
  const { clock, random, killAt, settings } = options;
  return async (site, round) => {
    const endpoints = [
      ...site.sip.map((endpoint) => sipEndpointId(endpoint)),
      ...site.http.map((h) => h.url),
    ];
    const dead = round.at >= killAt;
    const [min, max] = ANSWER_MS;
    const latencyMs = dead ? settings.probeTimeoutMs : Math.round(min + random() * (max - min));
    await clock.sleep(latencyMs);
    return endpoints.map(
      (endpoint): Observation => ({
        siteId: site.id,
        region: round.region,
        at: round.at,
        ok: !dead,
        latencyMs,
        endpoint,
        reason: dead
          ? `timeout after ${settings.probeTimeoutMs} ms`
          : endpoint.startsWith('sip:')
            ? 'SIP 200 OK'
            : 'HTTP 200',
      }),
    );
  };
}
