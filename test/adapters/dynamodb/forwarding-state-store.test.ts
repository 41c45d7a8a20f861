import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbForwardingStateStore } from '../../../lambdas/adapters/dynamodb/forwarding-state-store';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import { ConcurrentModificationError } from '../../../lambdas/contracts/errors';
import { tableKeys } from '../../../lambdas/contracts/incident-table-design';
import type { RoutingSnapshot } from '../../../lambdas/ports/carriers';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../../lib/developer/far-side/local-incident-table';

const INCIDENT = 'inc-42';
const NOW = Date.UTC(2025, 0, 1);

function entry(number: string): PlanEntry {
  return { number, carrier: 'telnyx', siteId: 'primary-dc', forwardTo: '+14155559999' };
}

function snapshotOf(number: string, forwardsTo: string | null = null): RoutingSnapshot {
  return {
    carrier: 'telnyx',
    number,
    settings: { connectionId: 'conn-1', callForwarding: { enabled: forwardsTo !== null, forwardsTo } },
    forwardsTo,
    mode: forwardsTo === null ? null : 'always',
  };
}

describe('DynamoDbForwardingStateStore', () => {
  let table: LocalIncidentTable;
  let store: DynamoDbForwardingStateStore;
  beforeEach(async () => {
    table = await startLocalIncidentTable();
    store = new DynamoDbForwardingStateStore(table.documentClient, table.tableName, { now: () => NOW });
  });
  afterEach(async () => {
    await table.stop();
  });

  it('creates one pending row per number, at the designed keys', async () => {
    await store.ensureNumbers(INCIDENT, [entry('+14155550100'), entry('+14155550101')]);

    const { Item } = await table.documentClient.send(
      new GetCommand({ TableName: table.tableName, Key: tableKeys.numberState(INCIDENT, '+14155550100') }),
    );
    expect(Item).toMatchObject({ pk: `INCIDENT#${INCIDENT}`, sk: 'NUMBER#+14155550100', status: 'pending' });
    expect(await store.get(INCIDENT, '+14155550101')).toEqual({
      incidentId: INCIDENT,
      number: '+14155550101',
      carrier: 'telnyx',
      siteId: 'primary-dc',
      forwardTo: '+14155559999',
      status: 'pending',
      attempts: 0,
      appliedWrites: 0,
      updatedAt: NOW,
      version: 0,
    });
  });

  it('leaves existing rows untouched when numbers are ensured again', async () => {
    await store.ensureNumbers(INCIDENT, [entry('+14155550100')]);
    await store.update(INCIDENT, '+14155550100', 0, { status: 'forwarded', appliedWrites: 1 });

    await store.ensureNumbers(INCIDENT, [entry('+14155550100'), entry('+14155550102')]);

    expect(await store.get(INCIDENT, '+14155550100')).toMatchObject({ status: 'forwarded', version: 1 });
    expect(await store.get(INCIDENT, '+14155550102')).toMatchObject({ status: 'pending', version: 0 });
  });

  it('applies an update at the expected version and bumps the version', async () => {
    await store.ensureNumbers(INCIDENT, [entry('+14155550100')]);

    const updated = await store.update(INCIDENT, '+14155550100', 0, {
      status: 'snapshotted',
      snapshot: snapshotOf('+14155550100'),
      claimedBy: 'run-1',
      claimExpiresAt: NOW + 1_000,
    });

    expect(updated).toMatchObject({
      status: 'snapshotted',
      version: 1,
      claimedBy: 'run-1',
      claimExpiresAt: NOW + 1_000,
    });
    expect(updated.snapshot).toEqual(snapshotOf('+14155550100'));
    expect(await store.get(INCIDENT, '+14155550100')).toEqual(updated);
  });

  it('refuses an update at a stale version with ConcurrentModificationError naming both versions', async () => {
    await store.ensureNumbers(INCIDENT, [entry('+14155550100')]);
    await store.update(INCIDENT, '+14155550100', 0, { attempts: 1 });

    const stale = store.update(INCIDENT, '+14155550100', 0, { attempts: 2 });

    await expect(stale).rejects.toThrow(ConcurrentModificationError);
    await expect(stale).rejects.toThrow(/version 1, expected 0/);
    expect(await store.get(INCIDENT, '+14155550100')).toMatchObject({ attempts: 1, version: 1 });
  });

  it('never replaces a saved snapshot, even at the right version', async () => {
    await store.ensureNumbers(INCIDENT, [entry('+14155550100')]);
    await store.update(INCIDENT, '+14155550100', 0, { snapshot: snapshotOf('+14155550100') });

    const replace = store.update(INCIDENT, '+14155550100', 1, {
      snapshot: snapshotOf('+14155550100', '+1999'),
    });

    await expect(replace).rejects.toThrow(/already saved and is never replaced/);
    expect((await store.get(INCIDENT, '+14155550100'))?.snapshot).toEqual(snapshotOf('+14155550100'));
  });

  it('lets exactly one of two racing updates at the same version win', async () => {
    await store.ensureNumbers(INCIDENT, [entry('+14155550100')]);

    const results = await Promise.allSettled([
      store.update(INCIDENT, '+14155550100', 0, { claimedBy: 'run-a' }),
      store.update(INCIDENT, '+14155550100', 0, { claimedBy: 'run-b' }),
    ]);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [rejected] = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.reason).toBeInstanceOf(ConcurrentModificationError);
  });

  it('removes attributes set to undefined, and ignores attempts to change identity or version', async () => {
    await store.ensureNumbers(INCIDENT, [entry('+14155550100')]);
    await store.update(INCIDENT, '+14155550100', 0, { lastError: '500', claimedBy: 'run-1' });

    const changes = { lastError: undefined, claimedBy: undefined, number: '+1999', version: 40 };
    const updated = await store.update(INCIDENT, '+14155550100', 1, changes);

    expect(updated.lastError).toBeUndefined();
    expect(updated.claimedBy).toBeUndefined();
    expect(updated).toMatchObject({ number: '+14155550100', version: 2 });
  });

  it('stores settings holding undefined values even through a document client that rejects them', async () => {
    const plain = new DynamoDbForwardingStateStore(
      DynamoDBDocumentClient.from(table.client),
      table.tableName,
    );
    await plain.ensureNumbers(INCIDENT, [entry('+14155550100')]);
    const snapshot = { ...snapshotOf('+14155550100'), settings: { connectionId: 'conn-1', tag: undefined } };

    const updated = await plain.update(INCIDENT, '+14155550100', 0, { snapshot, lastError: undefined });

    expect(updated.snapshot?.settings).toEqual({ connectionId: 'conn-1' });
  });

  it('says when the number has no row at all', async () => {
    await expect(store.update(INCIDENT, '+14155550199', 0, { attempts: 1 })).rejects.toThrow(
      /No forwarding state for \+14155550199 in incident inc-42: create it with ensureNumbers first/,
    );
  });

  it('lists every number of the incident across result pages, and nothing else', async () => {
    // Arrange: ~1.5 MB of rows, so one Query page (1 MB) cannot hold them.
    const numbers = Array.from({ length: 150 }, (_, i) => `+1415556${i.toString().padStart(4, '0')}`);
    await store.ensureNumbers(INCIDENT, numbers.map(entry));
    const bulky = { ...snapshotOf('x'), settings: { padding: 'x'.repeat(10_000) } };
    for (const number of numbers) await store.update(INCIDENT, number, 0, { snapshot: { ...bulky, number } });
    await store.ensureNumbers('another-incident', [entry('+14155550100')]);
    await table.documentClient.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...tableKeys.timelineEvent(INCIDENT, '2025-01-01T00:00:00.000Z', '0001'), kind: 'opened' },
      }),
    );

    const send = jest.spyOn(table.documentClient, 'send');

    // Act
    const rows = await store.list(INCIDENT);

    // Assert
    const queries = send.mock.calls.filter(([command]) => command instanceof QueryCommand);
    expect(queries.length).toBeGreaterThan(1);
    expect(rows.map((row) => row.number)).toEqual(numbers);
    expect(rows.every((row) => row.incidentId === INCIDENT && row.snapshot?.number === row.number)).toBe(
      true,
    );
  });
});
