/**
 * The key designs of the deployment's two DynamoDB tables, shared by the CDK constructs and the
 * DynamoDB adapters so the two cannot drift.
 *
 * The **incident table** (`<deployment>-incidents`) holds what must be decided once for all regions
 * and kept: a global table with Multi-Region Strong Consistency where the region set allows it, and
 * therefore no TTL (MRSC tables do not support TTL deletion). Single-table design:
 *
 * | item                     | pk                         | sk                              | GSI bySite (gsi1pk / gsi1sk)   |
 * |--------------------------|----------------------------|---------------------------------|--------------------------------|
 * | incident                 | `INCIDENT#<id>`            | `META`                          | `SITE#<site>` / `<openedAt>#<id>` |
 * | timeline event           | `INCIDENT#<id>`            | `EVENT#<at ISO>#<seq>`          |                                |
 * | number forwarding state  | `INCIDENT#<id>`            | `NUMBER#<E.164>`                |                                |
 * | active-incident pointer  | `SITE#<site>`              | `ACTIVE`                        |                                |
 * | site health (decision)   | `SITE#<site>`              | `HEALTH#<region>`               |                                |
 * | route read-back          | `SITE#<site>`              | `ROUTE#<carrier>`               |                                |
 * | routing baseline pointer | `SITE#<site>`              | `BASELINE#<carrier>`            |                                |
 * | routing baseline chunk   | `SITE#<site>`              | `BASELINECHUNK#<carrier>#<generation>#<index, 5 digits>` |      |
 *
 * Nothing in it expires.
 *
 * The **observation table** (`<deployment>-observations`) holds the probes' raw observations: a
 * global table that is always eventually consistent (each region writes only its own partitions,
 * so no write ever races another region's), with `expiresAt` (epoch seconds) as its TTL attribute:
 *
 * | item                     | pk                         | sk                              |
 * |--------------------------|----------------------------|---------------------------------|
 * | probe observation        | `OBS#<site>#<region>`      | `<at ms, 15 digits>#<endpoint>` |
 */
export const INCIDENT_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  bySiteIndex: { indexName: 'bySite', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
} as const;

/** The observation table's keys and TTL attribute; see the module comment. */
export const OBSERVATION_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
} as const;

/** Epoch milliseconds padded so that string order is time order. */
export function sortableTime(epochMs: number): string {
  return Math.trunc(epochMs).toString().padStart(15, '0');
}

/** Item keys on the incident table (`observation*`: on the observation table). */
export const tableKeys = {
  incident: (incidentId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: 'META' }),
  incidentBySite: (siteId: string, openedAtIso: string, incidentId: string) => ({
    gsi1pk: `SITE#${siteId}`,
    gsi1sk: `${openedAtIso}#${incidentId}`,
  }),
  timelineEvent: (incidentId: string, atIso: string, sequence: string) => ({
    pk: `INCIDENT#${incidentId}`,
    sk: `EVENT#${atIso}#${sequence}`,
  }),
  numberState: (incidentId: string, number: string) => ({
    pk: `INCIDENT#${incidentId}`,
    sk: `NUMBER#${number}`,
  }),
  activeIncident: (siteId: string) => ({ pk: `SITE#${siteId}`, sk: 'ACTIVE' }),
  observation: (siteId: string, region: string, atMs: number, endpoint: string) => ({
    pk: `OBS#${siteId}#${region}`,
    sk: `${sortableTime(atMs)}#${endpoint}`,
  }),
  observationPartition: (siteId: string, region: string) => `OBS#${siteId}#${region}`,
  siteHealth: (siteId: string, region: string) => ({ pk: `SITE#${siteId}`, sk: `HEALTH#${region}` }),
  routeReadBack: (siteId: string, carrier: string) => ({ pk: `SITE#${siteId}`, sk: `ROUTE#${carrier}` }),
  /** The carrier's current baseline generation at the site (a reader follows only this). */
  baselinePointer: (siteId: string, carrier: string) => ({ pk: `SITE#${siteId}`, sk: `BASELINE#${carrier}` }),
  /** One chunk of a baseline generation; `generation` sorts by the time the baseline was taken. */
  baselineChunk: (siteId: string, carrier: string, generation: string, index: number) => ({
    pk: `SITE#${siteId}`,
    sk: `${baselineChunkPrefix(carrier, generation)}${index.toString().padStart(5, '0')}`,
  }),
  sitePartition: (siteId: string) => `SITE#${siteId}`,
} as const;

/**
 * The sort-key prefix of a carrier's baseline chunks: of one generation, or of all its generations
 * when `generation` is left out. Pointers (`BASELINE#`) and chunks (`BASELINECHUNK#`) do not share a
 * prefix, so a query for the pointers reads no chunk.
 */
export function baselineChunkPrefix(carrier: string, generation?: string): string {
  return generation === undefined ? `BASELINECHUNK#${carrier}#` : `BASELINECHUNK#${carrier}#${generation}#`;
}

/** Sort-key prefixes for queries inside an incident's partition (and a site's baseline pointers). */
export const SORT_KEY_PREFIX = { event: 'EVENT#', number: 'NUMBER#', baselinePointer: 'BASELINE#' } as const;

/**
 * Region sets in which DynamoDB offers Multi-Region Strong Consistency (MRSC) with three replicas.
 * Kept here, with no CDK import, so the table construct and the CLI's preflight apply one rule.
 */
export const STRONG_CONSISTENCY_REGION_SETS: readonly (readonly string[])[] = [
  ['us-east-1', 'us-east-2', 'us-west-2'],
  ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1'],
  ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3'],
];

/**
 * The incident table's multi-region consistency for these watchdog regions: `STRONG` (MRSC) when
 * there are exactly three and all are in one MRSC region set, so a conditional write is decided once
 * for all regions; `EVENTUAL` otherwise, where each region's conditional write is decided locally.
 */
export function incidentTableConsistency(regions: readonly string[]): 'STRONG' | 'EVENTUAL' {
  const fits = STRONG_CONSISTENCY_REGION_SETS.some((set) => regions.every((region) => set.includes(region)));
  return regions.length === 3 && fits ? 'STRONG' : 'EVENTUAL';
}
