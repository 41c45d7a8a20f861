import { GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  DynamoDbObservationStore,
  ObservationWriteError,
} from '../../../lambdas/adapters/dynamodb/observation-store';
import { tableKeys } from '../../../lambdas/contracts/incident-table-design';
import type { Observation } from '../../../lambdas/ports/detection';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../../lib/developer/far-side/local-incident-table';

const T0 = Date.UTC(2022, 7, 12, 8, 45, 0);

function observation(overrides: Partial<Observation> = {}): Observation {
  return {
    siteId: 'pbx-east',
    region: 'us-east-1',
    at: T0,
    ok: true,
    latencyMs: 12,
    endpoint: 'sip:udp:sbc1.example.net:5060',
    reason: 'SIP 200 OK',
    ...overrides,
  };
}

describe('DynamoDbObservationStore', () => {
  let table: LocalIncidentTable;

  beforeEach(async () => {
    table = await startLocalIncidentTable();
  });

  afterEach(async () => {
    await table.stop();
  });

  it('writes more than one batch of 25 and reads them back oldest first', async () => {
    const store = new DynamoDbObservationStore({
      client: table.documentClient,
      tableName: table.observationTableName,
    });
    const observations = Array.from({ length: 60 }, (_, i) =>
      observation({
        at: T0 + Math.floor(i / 2) * 10_000,
        endpoint: i % 2 === 0 ? 'sip:udp:a:5060' : 'https://a/health',
      }),
    );

    await store.record([...observations].reverse());
    const listed = await store.list('pbx-east', 'us-east-1', T0, T0 + 3_600_000);

    expect(listed).toHaveLength(60);
    expect(listed.map((o) => o.at)).toEqual([...listed.map((o) => o.at)].sort((a, b) => a - b));
    expect(listed).toEqual(expect.arrayContaining(observations));
  });

  it('lists the half-open window [from, to)', async () => {
    const store = new DynamoDbObservationStore({
      client: table.documentClient,
      tableName: table.observationTableName,
    });
    await store.record([0, 10_000, 20_000, 30_000].map((offset) => observation({ at: T0 + offset })));

    const listed = await store.list('pbx-east', 'us-east-1', T0 + 10_000, T0 + 30_000);

    expect(listed.map((o) => o.at - T0)).toEqual([10_000, 20_000]);
  });

  it('keeps sites and regions apart', async () => {
    const store = new DynamoDbObservationStore({
      client: table.documentClient,
      tableName: table.observationTableName,
    });
    await store.record([
      observation(),
      observation({ region: 'us-west-2' }),
      observation({ siteId: 'pbx-west' }),
    ]);

    const listed = await store.list('pbx-east', 'us-east-1', T0, T0 + 1);

    expect(listed).toEqual([observation()]);
  });

  it('follows pagination to the last page', async () => {
    const store = new DynamoDbObservationStore({
      client: table.documentClient,
      tableName: table.observationTableName,
      queryPageSize: 7,
    });
    await store.record(Array.from({ length: 30 }, (_, i) => observation({ at: T0 + i * 1000 })));

    const listed = await store.list('pbx-east', 'us-east-1', T0, T0 + 60_000);

    expect(listed).toHaveLength(30);
  });

  it('stores the observation key design and a TTL 35 days after the probe by default', async () => {
    const store = new DynamoDbObservationStore({
      client: table.documentClient,
      tableName: table.observationTableName,
    });
    const o = observation({
      endpoint: 'https://portal.example.com/health#frag',
      reason: undefined,
      latencyMs: undefined,
    });

    await store.record([o]);
    const { Item } = await table.documentClient.send(
      new GetCommand({
        TableName: table.observationTableName,
        Key: tableKeys.observation(o.siteId, o.region, o.at, o.endpoint),
      }),
    );

    expect(Item).toMatchObject({
      pk: 'OBS#pbx-east#us-east-1',
      sk: `00${T0}#https://portal.example.com/health#frag`,
      expiresAt: T0 / 1000 + 35 * 86_400,
    });
    expect(await store.list('pbx-east', 'us-east-1', T0, T0 + 1)).toEqual([o]);
  });

  it('honours a custom retention', async () => {
    const store = new DynamoDbObservationStore({
      client: table.documentClient,
      tableName: table.observationTableName,
      retentionDays: 2,
    });
    const o = observation();

    await store.record([o]);
    const { Item } = await table.documentClient.send(
      new GetCommand({
        TableName: table.observationTableName,
        Key: tableKeys.observation(o.siteId, o.region, o.at, o.endpoint),
      }),
    );

    expect(Item?.expiresAt).toBe(T0 / 1000 + 2 * 86_400);
  });

  it('writes an observation listed twice once instead of failing the batch', async () => {
    const store = new DynamoDbObservationStore({
      client: table.documentClient,
      tableName: table.observationTableName,
    });

    await store.record([
      observation({ ok: true }),
      observation({ ok: false, reason: 'SIP 503 Service Unavailable' }),
    ]);

    expect(await store.list('pbx-east', 'us-east-1', T0, T0 + 1)).toEqual([
      observation({ ok: false, reason: 'SIP 503 Service Unavailable' }),
    ]);
  });

  it('returns nothing for an empty window', async () => {
    const store = new DynamoDbObservationStore({
      client: table.documentClient,
      tableName: table.observationTableName,
    });
    await store.record([observation()]);

    expect(await store.list('pbx-east', 'us-east-1', T0 + 1, T0 + 1)).toEqual([]);
  });
});

describe('DynamoDbObservationStore with a throttling table', () => {
  /** A client whose BatchWriteItem leaves the first item unprocessed `times` times. */
  function throttlingClient(times: number) {
    const calls: number[] = [];
    let left = times;
    const client = {
      send: async (command: { input: { RequestItems: Record<string, unknown[]> } }) => {
        const [tableName, requests] = Object.entries(command.input.RequestItems)[0];
        calls.push(requests.length);
        if (left-- > 0) return { UnprocessedItems: { [tableName]: requests.slice(0, 1) } };
        return { UnprocessedItems: {} };
      },
    };
    return { client, calls };
  }

  it('retries unprocessed items with backoff', async () => {
    const { client, calls } = throttlingClient(2);
    const sleeps: number[] = [];
    const store = new DynamoDbObservationStore({
      client: client as never,
      tableName: 'observations',
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });

    await store.record([observation(), observation({ at: T0 + 1 })]);

    expect(calls).toEqual([2, 1, 1]);
    expect(sleeps).toEqual([100, 200]);
  });

  it('gives up with a retryable error when the table keeps throttling', async () => {
    const { client } = throttlingClient(100);
    const store = new DynamoDbObservationStore({
      client: client as never,
      tableName: 'observations',
      sleep: async () => {},
    });

    const recording = store.record([observation()]);

    await expect(recording).rejects.toThrow(ObservationWriteError);
    await expect(recording).rejects.toMatchObject({ retryable: true });
  });
});
