import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb/incident-store';
import { ConcurrentModificationError } from '../../../lambdas/contracts/errors';
import type { Incident } from '../../../lambdas/ports/incidents';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../../lib/developer/far-side/local-incident-table';

function draft(
  id: string,
  region: string,
  openedAt = Date.UTC(2026, 10, 1, 9, 0),
): Omit<Incident, 'version' | 'status'> {
  return {
    id,
    siteId: 'phx-primary',
    kind: 'outage',
    outageStartedAt: openedAt - 30_000,
    openedAt,
    regions: [region],
    openedBy: { type: 'probe', region },
    failureKind: 'site-unreachable',
    reason: 'SIP timeout from 2 regions',
    numbers: { total: 0, forwarded: 0, failed: 0, restored: 0 },
  };
}

describe('DynamoDbIncidentStore', () => {
  let table: LocalIncidentTable;
  let store: DynamoDbIncidentStore;

  beforeEach(async () => {
    table = await startLocalIncidentTable();
    store = new DynamoDbIncidentStore(table.documentClient, table.tableName);
  });
  afterEach(async () => table.stop());

  it('opens exactly one incident when many triggers for the same outage race', async () => {
    const regions = ['us-east-1', 'us-east-2', 'us-west-2'];
    const triggers = Array.from({ length: 12 }, (_, index) => {
      const region = regions[index % 3];
      // Half use the probe's key, half a manual failover's own id: all must join one incident.
      return store.openOrJoin(
        draft(index % 2 === 0 ? 'phx-primary-20261101T085930Z' : `manual-${index}`, region),
      );
    });

    const results = await Promise.all(triggers);

    expect(results.filter((result) => result.created)).toHaveLength(1);
    const ids = new Set(results.map((result) => result.incident.id));
    expect(ids.size).toBe(1);
    expect(await store.listBySite('phx-primary')).toHaveLength(1);
    expect((await store.getActive('phx-primary'))?.id).toBe([...ids][0]);
  });

  it('completes an incident whose opener crashed after winning the pointer, and records it as the creator', async () => {
    const first = draft('phx-primary-A', 'us-east-1');
    await table.documentClient.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          pk: 'SITE#phx-primary',
          sk: 'ACTIVE',
          incidentId: first.id,
          incident: { ...first, status: 'detected', version: 1 },
        },
      }),
    );

    const joined = await store.openOrJoin(draft('phx-primary-B', 'us-east-2'));

    // `created`: this caller's write made the incident exist, so it records the opening (once).
    expect(joined).toMatchObject({ created: true, incident: { id: 'phx-primary-A', status: 'detected' } });
    expect(await store.openOrJoin(draft('phx-primary-C', 'us-west-2'))).toMatchObject({ created: false });
    expect(await store.get('phx-primary-A')).toMatchObject({ id: 'phx-primary-A', regions: ['us-east-1'] });
  });

  it('updates with an optimistic lock and opens a new incident after resolving', async () => {
    const { incident } = await store.openOrJoin(draft('phx-primary-A', 'us-east-1'));

    const forwarding = await store.update(incident.id, 1, { status: 'forwarding' });
    await expect(store.update(incident.id, 1, { status: 'forwarded' })).rejects.toBeInstanceOf(
      ConcurrentModificationError,
    );
    await store.update(incident.id, forwarding.version, {
      status: 'resolved',
      resolvedAt: Date.UTC(2026, 10, 1, 12),
    });

    expect(await store.getActive('phx-primary')).toBeUndefined();
    const next = await store.openOrJoin(draft('phx-primary-B', 'us-east-1', Date.UTC(2026, 10, 2)));
    expect(next).toMatchObject({ created: true, incident: { id: 'phx-primary-B' } });
    expect((await store.listBySite('phx-primary')).map((item) => item.id)).toEqual([
      'phx-primary-B',
      'phx-primary-A',
    ]);
  });

  it('keeps every event of concurrent writers, append-only, oldest first', async () => {
    const { incident } = await store.openOrJoin(draft('phx-primary-A', 'us-east-1'));
    const at = Date.UTC(2026, 10, 1, 9, 1);

    await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        store.appendEvent({
          incidentId: incident.id,
          at: at + (index % 5) * 1000,
          type: 'note',
          actor: { type: 'probe', region: ['us-east-1', 'us-east-2', 'us-west-2'][index % 3] },
          message: `event ${index}`,
        }),
      ),
    );
    const events = await store.listEvents(incident.id);

    expect(events).toHaveLength(30);
    expect(events.map((event) => event.at)).toEqual(
      [...events.map((event) => event.at)].sort((a, b) => a - b),
    );
  });
});
