/**
 * The incident table's key design, shared by the CDK table construct and the DynamoDB adapters so
 * the two cannot drift. One table holds everything (single-table design):
 *
 * | item                     | pk                         | sk                              | GSI bySite (gsi1pk / gsi1sk)   |
 * |--------------------------|----------------------------|---------------------------------|--------------------------------|
 * | incident                 | `INCIDENT#<id>`            | `META`                          | `SITE#<site>` / `<openedAt>#<id>` |
 * | timeline event           | `INCIDENT#<id>`            | `EVENT#<at ISO>#<seq>`          |                                |
 * | number forwarding state  | `INCIDENT#<id>`            | `NUMBER#<E.164>`                |                                |
 * | active-incident pointer  | `SITE#<site>`              | `ACTIVE`                        |                                |
 * | probe observation        | `OBS#<site>#<region>`      | `<at ms, 15 digits>#<endpoint>` |                                |
 * | site health (decision)   | `SITE#<site>`              | `HEALTH#<region>`               |                                |
 *
 * `expiresAt` (epoch seconds) is the TTL attribute: observations expire, incidents do not.
 */
export const INCIDENT_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  bySiteIndex: { indexName: 'bySite', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
} as const;

/** Epoch milliseconds padded so that string order is time order. */
export function sortableTime(epochMs: number): string {
  return Math.trunc(epochMs).toString().padStart(15, '0');
}

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
} as const;

/** Sort-key prefixes for queries inside an incident's partition. */
export const SORT_KEY_PREFIX = { event: 'EVENT#', number: 'NUMBER#' } as const;
