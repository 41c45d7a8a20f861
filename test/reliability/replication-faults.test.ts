/**
 * The incident table is an MRSC global table. DynamoDB rejects a write with
 * `ReplicatedWriteConflictException` "when it attempts to modify an item that is already being
 * modified in another Region", retry-safe ("How DynamoDB global tables work"), and a region that
 * cannot reach a second one "can only service eventually consistent reads" ("Best practices for
 * global table design", key facts about MRSC). dynalite produces neither, so they are injected into
 * the real SDK client for the chosen calls only (test/support/dynamodb-faults.ts); everything else
 * goes to dynalite.
 */
import { DynamoDbIncidentStore } from '../../lambdas/adapters/dynamodb/incident-store';
import { DynamoDbObservationStore } from '../../lambdas/adapters/dynamodb/observation-store';
import { DynamoDbSiteHealthStore } from '../../lambdas/adapters/dynamodb/site-health-store';
import {
  type ProbeInvocationDependencies,
  runProbeInvocation,
} from '../../lambdas/composition/probe-invocation';
import type { DetectionSettings, Site } from '../../lambdas/contracts/config/schema';
import { PROBE_METRICS, regionDimensions } from '../../lambdas/contracts/metric-names';
import { REPLICATION_CONFLICT_ATTEMPTS } from '../../lambdas/domain/detection/probe-cycle';
import { outageIncidentId } from '../../lambdas/domain/orchestration/run-failover';
import { handleOrchestratorEvent } from '../../lambdas/handlers/orchestrator';
import type { Clock } from '../../lambdas/ports/clock';
import type { ProbeLogger } from '../../lambdas/runtime/powertools';
import type { ProbeMetricsSink } from '../../lambdas/runtime/probe-metrics';
import { loadDeployment } from '../../lib/config/load-config';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../lib/developer/far-side/local-incident-table';
import { FakeClock } from '../domain/forwarding/fake-clock';
import { EXAMPLE_CONFIG } from '../support/config-files';
import {
  attributeOf,
  type FaultRule,
  faultyDocumentClient,
  isolatedReplicaError,
  partitionKeyOf,
  replicatedWriteConflict,
} from '../support/dynamodb-faults';
import {
  type CapturedOutput,
  captureOutput,
  type Harness,
  lambdaContext,
  probeFailoverEvent,
  startHarness,
} from './support/reliability-harness';

const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'];
const SETTINGS: DetectionSettings = {
  probeIntervalSeconds: 10,
  failuresToTrip: 3,
  quorum: 2,
  recoveryHoldMinutes: 1,
  probeTimeoutMs: 500,
  controlTargets: [],
};
const SITE: Site = {
  id: 'pbx-east',
  role: 'primary',
  sip: [{ host: '127.0.0.1', port: 5060, transport: 'udp', healthyCodes: [] }],
  http: [],
  calls: [],
};

/** Failing writes of the site-health item (`SITE#…`, `PutItem`) `times` times (Infinity: always). */
function failSiteHealthWrites(times: number, error: () => Error): FaultRule {
  let left = times;
  return (call) => {
    if (call.commandName !== 'PutItemCommand' || !partitionKeyOf(call)?.startsWith('SITE#')) return undefined;
    if (left <= 0) return undefined;
    left--;
    return error();
  };
}

function recordingLogger(): ProbeLogger & {
  lines: Array<{ level: string; message: string; extra: unknown }>;
} {
  const lines: Array<{ level: string; message: string; extra: unknown }> = [];
  const record =
    (level: string) =>
    (message: unknown, ...extra: unknown[]) => {
      lines.push({ level, message: String(message), extra: extra[0] });
    };
  return {
    lines,
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
}

/** Keeps every EMF document the probe would print: its dimensions and its values. */
function recordingMetrics(): ProbeMetricsSink & { documents: Array<Record<string, unknown>> } {
  const documents: Array<Record<string, unknown>> = [];
  let current: Record<string, unknown> = {};
  return {
    documents,
    setTimestamp: () => undefined as never,
    addDimensions: (dimensions: Record<string, string>) => {
      current = { ...current, ...dimensions };
    },
    addMetric: (name: string, _unit: unknown, value: number) => {
      current[name] = value;
    },
    publishStoredMetrics: () => {
      documents.push(current);
      current = {};
    },
  } as unknown as ProbeMetricsSink & { documents: Array<Record<string, unknown>> };
}

describe('probe rounds on a strongly consistent table that cannot replicate', () => {
  let table: LocalIncidentTable;
  let faulty: ReturnType<typeof faultyDocumentClient> | undefined;

  beforeEach(async () => {
    table = await startLocalIncidentTable();
  });
  afterEach(async () => {
    await faulty?.stop();
    await table.stop();
  });

  function probeDependencies(rule: FaultRule, clock: Clock) {
    faulty = faultyDocumentClient(table, rule);
    const logger = recordingLogger();
    const metrics = recordingMetrics();
    const deps: ProbeInvocationDependencies = {
      deployment: 'acme-voice',
      sites: [SITE],
      settings: SETTINGS,
      region: 'us-east-1',
      regions: REGIONS,
      clock,
      probeSite: async (site, round) => [
        { siteId: site.id, region: round.region, at: round.at, endpoint: 'sip:udp:sbc.test:5060', ok: true },
      ],
      // The observation table is eventually consistent (MREC): its writes stay local and succeed.
      observations: new DynamoDbObservationStore({
        client: table.documentClient,
        tableName: table.observationTableName,
      }),
      siteHealth: new DynamoDbSiteHealthStore(faulty.documentClient, table.tableName),
      tripNotifier: { notifyTrip: async () => undefined },
      metrics,
      logger,
    };
    return { deps, logger, metrics };
  }

  function abstainedCount(metrics: ReturnType<typeof recordingMetrics>): unknown[] {
    const region = regionDimensions('acme-voice', 'us-east-1');
    return metrics.documents
      .filter((doc) => Object.entries(region).every(([name, value]) => doc[name] === value))
      .flatMap((doc) =>
        PROBE_METRICS.replicationAbstained.name in doc ? [doc[PROBE_METRICS.replicationAbstained.name]] : [],
      );
  }

  it('abstains, without throwing, from a round whose writes keep meeting ReplicatedWriteConflictException: a log line and a metric', async () => {
    // Arrange: every write of this region's site health conflicts with another region's
    const clock = new FakeClock(T0);
    const { deps, logger, metrics } = probeDependencies(
      failSiteHealthWrites(Infinity, replicatedWriteConflict),
      clock,
    );

    // Act: one round
    const summary = await runProbeInvocation(deps, T0 + 1_000);

    // Assert: an abstention, not an error: no site error, one warning naming it, metric 1
    expect(summary).toMatchObject({ rounds: 1, trips: 0, siteErrors: 0 });
    expect(logger.lines.filter((line) => line.level === 'error')).toEqual([]);
    const abstained = logger.lines.filter((line) =>
      line.message.includes('abstains from this round and does not vote'),
    );
    expect(abstained).toHaveLength(1);
    expect(abstained[0]).toMatchObject({
      level: 'warn',
      extra: {
        region: 'us-east-1',
        abstention: 'replication',
        sites: [{ siteId: 'pbx-east', kind: 'conflict' }],
      },
    });
    expect(abstainedCount(metrics)).toEqual([1]);
    // ...after a bounded retry, and nothing stored
    const puts = faulty!.calls.filter((call) => call.commandName === 'PutItemCommand');
    expect(puts).toHaveLength(REPLICATION_CONFLICT_ATTEMPTS);
    expect(
      await new DynamoDbSiteHealthStore(table.documentClient, table.tableName).get('pbx-east', 'us-east-1'),
    ).toBeUndefined();
  });

  it('abstains at once when the replica is cut off from the others (server fault), without retrying', async () => {
    const clock = new FakeClock(T0);
    const { deps, logger, metrics } = probeDependencies(
      failSiteHealthWrites(Infinity, isolatedReplicaError),
      clock,
    );

    const summary = await runProbeInvocation(deps, T0 + 1_000);

    expect(summary).toMatchObject({ rounds: 1, siteErrors: 0 });
    expect(logger.lines.find((line) => line.message.includes('does not vote'))).toMatchObject({
      extra: { sites: [{ siteId: 'pbx-east', kind: 'isolated' }] },
    });
    expect(abstainedCount(metrics)).toEqual([1]);
    expect(faulty!.calls.filter((call) => call.commandName === 'PutItemCommand')).toHaveLength(1);
  });

  it('decides normally when a conflicted write succeeds on a retry after a jittered backoff', async () => {
    // Arrange: the first write conflicts, the second goes through
    const clock = new FakeClock(T0);
    const { deps, logger, metrics } = probeDependencies(
      failSiteHealthWrites(1, replicatedWriteConflict),
      clock,
    );

    // Act
    const summary = await runProbeInvocation(deps, T0 + 1_000);

    // Assert: decided and stored, no abstention
    expect(summary).toMatchObject({ rounds: 1, siteErrors: 0 });
    expect(logger.lines.filter((line) => line.message.includes('does not vote'))).toEqual([]);
    expect(abstainedCount(metrics)).toEqual([0]);
    const stored = await new DynamoDbSiteHealthStore(table.documentClient, table.tableName).get(
      'pbx-east',
      'us-east-1',
    );
    expect(stored).toMatchObject({ version: 1, state: { siteId: 'pbx-east' } });
  });

  it('still reports other DynamoDB errors as site errors', async () => {
    const clock = new FakeClock(T0);
    const { deps, logger, metrics } = probeDependencies(
      failSiteHealthWrites(Infinity, () =>
        Object.assign(new Error('Requested resource not found'), {
          name: 'ResourceNotFoundException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        }),
      ),
      clock,
    );

    const summary = await runProbeInvocation(deps, T0 + 1_000);

    expect(summary).toMatchObject({ rounds: 1, siteErrors: 1 });
    expect(logger.lines.filter((line) => line.level === 'error')).toHaveLength(1);
    expect(abstainedCount(metrics)).toEqual([0]);
  });
});

describe('opening an incident on a strongly consistent table that cannot replicate', () => {
  const deployment = loadDeployment(EXAMPLE_CONFIG);
  const INCIDENT = outageIncidentId('phx-primary', T0);
  let harness: Harness;
  let output: CapturedOutput;
  let faulty: ReturnType<typeof faultyDocumentClient> | undefined;

  beforeEach(async () => {
    output = captureOutput();
    harness = await startHarness({
      config: deployment.config,
      plan: deployment.plan,
      clock: new FakeClock(T0 + 31_000),
    });
  });
  afterEach(async () => {
    output.restore();
    await faulty?.stop();
    await harness?.stop();
  });

  /** The orchestrator of `region` with its incident store on a client that fails as `rule` says. */
  function orchestratorWith(region: string, rule: FaultRule) {
    faulty = faultyDocumentClient(harness.table, rule);
    return {
      ...harness.orchestrator(region),
      incidents: new DynamoDbIncidentStore(faulty.documentClient, harness.table.tableName),
    };
  }

  const isPointerPut: (call: Parameters<FaultRule>[0]) => boolean = (call) =>
    call.commandName === 'PutItemCommand' && partitionKeyOf(call) === 'SITE#phx-primary';
  const isIncidentItemPut: (call: Parameters<FaultRule>[0]) => boolean = (call) =>
    call.commandName === 'PutItemCommand' &&
    partitionKeyOf(call) === `INCIDENT#${INCIDENT}` &&
    attributeOf(call, 'sk') === 'META';

  it('stops cleanly when the replica is cut off at the pointer: no pointer, no incident, no alert, nothing forwarded; a later run opens it once', async () => {
    // Arrange: us-east-1's replica reaches no other
    const isolated = orchestratorWith('us-east-1', (call) =>
      isPointerPut(call) ? isolatedReplicaError() : undefined,
    );

    // Act
    const result = await handleOrchestratorEvent(
      probeFailoverEvent('us-east-1', T0),
      lambdaContext('cut-1'),
      isolated,
    );

    // Assert: a clean stop, and nothing half-open
    expect(result).toMatchObject({ status: 'isolated', incidentId: INCIDENT });
    expect(output.text()).toContain('could not reach the other replicas');
    expect(await harness.incidents.getActive('phx-primary')).toBeUndefined();
    expect(await harness.incidents.listBySite('phx-primary')).toEqual([]);
    expect(harness.notifier.alerts).toEqual([]);
    expect(harness.numbersAway()).toEqual([]);

    // Act: us-east-2, not cut off, trips for the same outage
    const later = await handleOrchestratorEvent(
      probeFailoverEvent('us-east-2', T0),
      lambdaContext('ok-1'),
      harness.orchestrator('us-east-2'),
    );

    // Assert: opened exactly once, forwarded once, one first page
    expect(later).toEqual({ status: 'done', incidentId: INCIDENT, incidentStatus: 'forwarded' });
    expect(await harness.incidents.listBySite('phx-primary')).toHaveLength(1);
    expect(harness.notifier.alerts.filter((alert) => alert.kind === 'detected')).toHaveLength(1);
    for (const entry of deployment.plan) expect(harness.carriers.writesTo(entry.number)).toBe(1);
  });

  it('recovers a pointer left without its incident item (cut off between the two writes): the next run completes it, records the opening once and forwards once', async () => {
    // Arrange: the pointer write goes through, the incident item's is cut off
    const isolated = orchestratorWith('us-east-1', (call) =>
      isIncidentItemPut(call) ? isolatedReplicaError() : undefined,
    );

    // Act
    const result = await handleOrchestratorEvent(
      probeFailoverEvent('us-east-1', T0),
      lambdaContext('cut-1'),
      isolated,
    );

    // Assert: stopped; the only trace is the pointer, nothing is owed from an incident that does not exist
    expect(result).toMatchObject({ status: 'isolated', incidentId: INCIDENT });
    expect(await harness.incidents.get(INCIDENT)).toBeUndefined();
    expect(await harness.incidents.listEvents(INCIDENT)).toEqual([]);
    expect(harness.notifier.alerts).toEqual([]);
    expect(harness.numbersAway()).toEqual([]);

    // Act: the next run, from another region
    const later = await handleOrchestratorEvent(
      probeFailoverEvent('us-east-2', T0),
      lambdaContext('ok-1'),
      harness.orchestrator('us-east-2'),
    );

    // Assert: one incident, its opening on the timeline once, one first page, one forwarding pass
    expect(later).toEqual({ status: 'done', incidentId: INCIDENT, incidentStatus: 'forwarded' });
    expect(await harness.incidents.listBySite('phx-primary')).toHaveLength(1);
    const types = (await harness.incidents.listEvents(INCIDENT)).map((event) => event.type);
    expect(types.filter((type) => type === 'detected')).toHaveLength(1);
    expect(types.filter((type) => type === 'outage-started')).toHaveLength(1);
    expect(harness.notifier.alerts.filter((alert) => alert.kind === 'detected')).toHaveLength(1);
    for (const entry of deployment.plan) expect(harness.carriers.writesTo(entry.number)).toBe(1);
  });

  it('retries a conflicted open after a backoff and joins the incident another region opened meanwhile: opened once', async () => {
    // Arrange: us-east-1's pointer write conflicts once; meanwhile us-east-2 opens the incident
    let opened: unknown;
    let started = false;
    let conflicted = false;
    const conflicting = orchestratorWith('us-east-1', (call) => {
      if (!isPointerPut(call) || conflicted) return undefined;
      conflicted = true;
      return replicatedWriteConflict();
    });
    const otherRegion = harness.orchestrator('us-east-2');
    const clock = conflicting.clock as FakeClock;
    const sleep = clock.sleep.bind(clock);
    clock.sleep = async (ms: number) => {
      if (conflicted && !started) {
        started = true;
        opened = await handleOrchestratorEvent(
          probeFailoverEvent('us-east-2', T0),
          lambdaContext('east-2'),
          otherRegion,
        );
      }
      await sleep(ms);
    };

    // Act
    const result = await handleOrchestratorEvent(
      probeFailoverEvent('us-east-1', T0),
      lambdaContext('east-1'),
      conflicting,
    );

    // Assert: us-east-2 opened and forwarded, us-east-1 joined after its retry
    expect(opened).toEqual({ status: 'done', incidentId: INCIDENT, incidentStatus: 'forwarded' });
    expect(result).toEqual({ status: 'joined', incidentId: INCIDENT, incidentStatus: 'forwarded' });
    expect(await harness.incidents.listBySite('phx-primary')).toHaveLength(1);
    expect(harness.notifier.alerts.filter((alert) => alert.kind === 'detected')).toHaveLength(1);
    for (const entry of deployment.plan) expect(harness.carriers.writesTo(entry.number)).toBe(1);
  });

  it('lets other DynamoDB errors on open propagate', async () => {
    const broken = orchestratorWith('us-east-1', (call) =>
      isPointerPut(call)
        ? Object.assign(new Error('User is not authorized to perform: dynamodb:PutItem'), {
            name: 'AccessDeniedException',
            $fault: 'client',
            $metadata: { httpStatusCode: 400 },
          })
        : undefined,
    );

    await expect(
      handleOrchestratorEvent(probeFailoverEvent('us-east-1', T0), lambdaContext('denied-1'), broken),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(await harness.incidents.getActive('phx-primary')).toBeUndefined();
  });
});
