import { InternalServerError } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { itemSizeBytes } from '../../../lambdas/adapters/dynamodb/routing-baseline-chunks';
import { DynamoDbRoutingBaselineStore } from '../../../lambdas/adapters/dynamodb/routing-baseline-store';
import type { CarrierName } from '../../../lambdas/contracts/config/config-constants';
import { ReplicaIsolatedError, ValidationError } from '../../../lambdas/contracts/errors';
import type { BaselineEntry } from '../../../lambdas/ports/routing-baseline';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../../lib/developer/far-side/local-incident-table';
import { faultyDocumentClient } from '../../support/dynamodb-faults';

const SITE = 'phx-primary';
const T0 = Date.UTC(2026, 10, 24, 3, 0, 0);

/** `count` numbers' routing as a Telnyx page would show it; `tag` tells two baselines apart. */
function entriesOf(count: number, tag: string, carrier: CarrierName = 'telnyx', first = 0): BaselineEntry[] {
  return Array.from({ length: count }, (_, offset) => {
    const index = first + offset;
    const number = `+1602${String(5_000_000 + index).padStart(7, '0')}`;
    return {
      readAt: T0 + index,
      snapshot: {
        carrier,
        number,
        settings: {
          id: `${1_684_641_000_000_000_000n + BigInt(index)}`,
          connection_id: '1684641123236054244',
          call_forwarding: { call_forwarding_enabled: index % 7 === 0, forwards_to: null, tag },
        },
        forwardsTo: index % 7 === 0 ? `+1214555${String(index % 10_000).padStart(4, '0')}` : null,
        mode: index % 7 === 0 ? 'on-failure' : null,
      },
    };
  });
}

/** Random printable text: what compression cannot shrink. */
function noise(length: number, seed: number): string {
  let state = seed;
  let text = '';
  for (let index = 0; index < length; index++) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    text += String.fromCharCode(33 + (state % 90));
  }
  return text;
}

/** A document client whose sends pass `before` first, to interleave a reader with a save. */
function interceptedClient(
  real: DynamoDBDocumentClient,
  before: (command: unknown) => Promise<void>,
): DynamoDBDocumentClient {
  return {
    send: async (command: unknown) => {
      await before(command);
      return real.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
}

describe('DynamoDbRoutingBaselineStore', () => {
  let table: LocalIncidentTable;
  let store: DynamoDbRoutingBaselineStore;

  /** Every baseline chunk item of the site, as stored. */
  const chunkItems = async () => {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await table.documentClient.send(
        new QueryCommand({
          TableName: table.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `SITE#${SITE}`, ':prefix': 'BASELINECHUNK#' },
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  };
  const generationsOf = (items: Record<string, unknown>[]) => new Set(items.map((item) => item.generation));

  beforeEach(async () => {
    table = await startLocalIncidentTable();
    store = new DynamoDbRoutingBaselineStore(table.documentClient, table.tableName);
  });
  afterEach(async () => table.stop());

  it('keeps 100,000 numbers in chunk items under the byte budget and loads them back exactly', async () => {
    const telnyx = entriesOf(60_000, 'a', 'telnyx');
    const twilio = entriesOf(40_000, 'a', 'twilio', 60_000);
    const small = new DynamoDbRoutingBaselineStore(table.documentClient, table.tableName, {
      maxItemBytes: 100_000,
    });

    await small.save(SITE, 'telnyx', T0, telnyx);
    await small.save(SITE, 'twilio', T0, twilio);
    const loaded = await small.load(SITE);

    expect(loaded.size).toBe(100_000);
    expect([...loaded.values()]).toEqual([...telnyx, ...twilio]);
    const items = await chunkItems();
    expect(items.length).toBeGreaterThan(2);
    for (const item of items) {
      expect(itemSizeBytes(item as Record<string, string | number | Uint8Array>)).toBeLessThanOrEqual(
        100_000,
      );
    }
  });

  it('splits entries compression cannot shrink into more chunks, each under the budget', async () => {
    const entries = entriesOf(400, 'a').map((entry, index) => ({
      ...entry,
      snapshot: { ...entry.snapshot, settings: { ...entry.snapshot.settings, note: noise(1_000, index) } },
    }));
    const small = new DynamoDbRoutingBaselineStore(table.documentClient, table.tableName, {
      maxItemBytes: 50_000,
    });

    await small.save(SITE, 'telnyx', T0, entries);

    const items = await chunkItems();
    // 400 kB of noise cannot go into fewer than 8 items of 50 kB.
    expect(items.length).toBeGreaterThanOrEqual(8);
    for (const item of items) {
      expect(itemSizeBytes(item as Record<string, string | number | Uint8Array>)).toBeLessThanOrEqual(50_000);
    }
    expect([...(await small.load(SITE)).values()]).toEqual(entries);
  });

  it('refuses an entry that alone exceeds the budget, naming its number, and stores nothing', async () => {
    const [entry] = entriesOf(1, 'a');
    entry.snapshot.settings.note = noise(20_000, 3);
    const small = new DynamoDbRoutingBaselineStore(table.documentClient, table.tableName, {
      maxItemBytes: 10_000,
    });

    await expect(small.save(SITE, 'telnyx', T0, [entry])).rejects.toThrow(ValidationError);
    await expect(small.save(SITE, 'telnyx', T0, [entry])).rejects.toThrow(entry.snapshot.number);
    expect(await chunkItems()).toEqual([]);
    expect((await small.load(SITE)).size).toBe(0);
  });

  it('replaces a carrier baseline whole and leaves the other carriers as they were', async () => {
    await store.save(SITE, 'telnyx', T0, entriesOf(50, 'old'));
    await store.save(SITE, 'twilio', T0, entriesOf(20, 'twilio', 'twilio', 1_000));

    await store.save(SITE, 'telnyx', T0 + 1_000, entriesOf(30, 'new'));

    const loaded = await store.load(SITE);
    expect(loaded.size).toBe(50);
    const telnyx = [...loaded.values()].filter((entry) => entry.snapshot.carrier === 'telnyx');
    expect(telnyx).toEqual(entriesOf(30, 'new'));
  });

  it('drops a save older than (or as old as) the stored baseline', async () => {
    await store.save(SITE, 'telnyx', T0 + 5_000, entriesOf(10, 'newer'));

    await store.save(SITE, 'telnyx', T0, entriesOf(10, 'older'));
    await store.save(SITE, 'telnyx', T0 + 5_000, entriesOf(10, 'same time'));

    expect([...(await store.load(SITE)).values()]).toEqual(entriesOf(10, 'newer'));
    // The dropped saves' chunks are gone too.
    expect((await chunkItems()).length).toBe(1);
  });

  it('deletes the previous generation and the leftovers of a save that died before its pointer', async () => {
    await store.save(SITE, 'telnyx', T0, entriesOf(10, 'first'));
    // A save that died after writing a chunk: a chunk no pointer names.
    await table.documentClient.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          pk: `SITE#${SITE}`,
          sk: `BASELINECHUNK#telnyx#${String(T0 + 500).padStart(15, '0')}-dead#00000`,
          generation: `${String(T0 + 500).padStart(15, '0')}-dead`,
          index: 0,
          count: 3,
          entries: new Uint8Array([1, 2, 3]),
        },
      }),
    );
    expect(generationsOf(await chunkItems()).size).toBe(2);

    await store.save(SITE, 'telnyx', T0 + 1_000, entriesOf(10, 'second'));

    const items = await chunkItems();
    expect(generationsOf(items).size).toBe(1);
    expect(String(items[0].generation).startsWith(String(T0 + 1_000).padStart(15, '0'))).toBe(true);
  });

  it('never shows a reader a mix: the old baseline while the new chunks are written, the new one after', async () => {
    const small = { maxItemBytes: 5_000, writeConcurrency: 1 };
    await new DynamoDbRoutingBaselineStore(table.documentClient, table.tableName, small).save(
      SITE,
      'telnyx',
      T0,
      entriesOf(2_000, 'old'),
    );
    const reader = new DynamoDbRoutingBaselineStore(table.documentClient, table.tableName);
    const seen: string[][] = [];
    let chunkWrites = 0;
    const writer = new DynamoDbRoutingBaselineStore(
      interceptedClient(table.documentClient, async (command) => {
        if (!(command instanceof PutCommand) || command.input.Item?.type !== 'routing-baseline-chunk') return;
        chunkWrites += 1;
        // Read between chunk writes: only whole baselines may appear.
        if (chunkWrites % 3 === 0) {
          const tags = [...(await reader.load(SITE)).values()].map(
            (entry) => (entry.snapshot.settings.call_forwarding as { tag: string }).tag,
          );
          seen.push([...new Set(tags)]);
        }
      }),
      table.tableName,
      small,
    );

    await writer.save(SITE, 'telnyx', T0 + 1_000, entriesOf(2_000, 'new'));

    expect(chunkWrites).toBeGreaterThan(3);
    expect(seen.length).toBeGreaterThan(0);
    for (const tags of seen) expect(tags).toEqual(['old']);
    expect([...(await reader.load(SITE)).values()]).toEqual(entriesOf(2_000, 'new'));
  });

  it('sends a reader whose generation was deleted under it back to the pointer, to the new baseline whole', async () => {
    const small = { maxItemBytes: 5_000 };
    await new DynamoDbRoutingBaselineStore(table.documentClient, table.tableName, small).save(
      SITE,
      'telnyx',
      T0,
      entriesOf(1_000, 'old'),
    );
    const writer = new DynamoDbRoutingBaselineStore(table.documentClient, table.tableName, small);
    let held = false;
    // The reader has read the old pointer; before it reads the old chunks, a newer save completes.
    const reader = new DynamoDbRoutingBaselineStore(
      interceptedClient(table.documentClient, async (command) => {
        const prefix =
          command instanceof QueryCommand && command.input.ExpressionAttributeValues?.[':prefix'];
        if (held || typeof prefix !== 'string' || !prefix.startsWith('BASELINECHUNK#')) return;
        held = true;
        await writer.save(SITE, 'telnyx', T0 + 1_000, entriesOf(1_000, 'new'));
      }),
      table.tableName,
    );

    const loaded = await reader.load(SITE);

    expect(held).toBe(true);
    expect([...loaded.values()]).toEqual(entriesOf(1_000, 'new'));
  });

  it('reports a replica that cannot reach the others as the domain error, naming the baseline', async () => {
    const faulty = faultyDocumentClient(table, (call) =>
      call.commandName === 'PutItemCommand'
        ? new InternalServerError({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } })
        : undefined,
    );
    const failing = new DynamoDbRoutingBaselineStore(faulty.documentClient, table.tableName);

    const saving = failing.save(SITE, 'telnyx', T0, entriesOf(5, 'a'));

    await expect(saving).rejects.toThrow(ReplicaIsolatedError);
    await expect(saving).rejects.toThrow('saving the telnyx routing baseline of phx-primary');
    await faulty.stop();
  });

  it('loads an empty baseline for a site never taken', async () => {
    expect((await store.load('dal-backup')).size).toBe(0);
  });
});
