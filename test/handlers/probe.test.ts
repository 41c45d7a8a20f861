import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbObservationStore } from '../../lambdas/adapters/dynamodb/observation-store';
import { DynamoDbSiteHealthStore } from '../../lambdas/adapters/dynamodb/site-health-store';
import {
  describeTrip,
  failoverEventForTrip,
  failureKindOfTrip,
  OrchestratorInvoker,
} from '../../lambdas/adapters/lambda/orchestrator-invoker';
import { probeSite } from '../../lambdas/adapters/probes/probe-site';
import type { DetectionSettings, Site } from '../../lambdas/contracts/config/schema';
import { DEPLOYMENT_FILES } from '../../lambdas/contracts/deployment-files';
import { readEnvironment } from '../../lambdas/contracts/environments/common-environment';
import { probeEnvironmentSchema } from '../../lambdas/contracts/environments/probe-environment';
import { failoverEventSchema } from '../../lambdas/contracts/events/orchestrator-event';
import {
  DIMENSION_NAMES,
  METRIC_NAMESPACE,
  ORCHESTRATOR_METRICS,
  PROBE_METRICS,
  regionDimensions,
  siteRegionDimensions,
  siteRegionKindDimensions,
} from '../../lambdas/contracts/metric-names';
import { outageKey } from '../../lambdas/domain/detection/decide-site-health';
import { handleProbeEvent, handler, type ProbeHandlerDependencies } from '../../lambdas/handlers/probe';
import type { Clock } from '../../lambdas/ports/clock';
import type { SiteTrip } from '../../lambdas/ports/detection';
import type { ProbeLogger } from '../../lambdas/runtime/powertools';
import { createProbeMetrics } from '../../lambdas/runtime/probe-metrics';
import { loadDeployment } from '../../lib/config/load-config';
import { SipResponder } from '../../lib/developer/drill/sip-responder';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../lib/developer/far-side/local-incident-table';
import { ROOT, sourceFiles } from '../architecture/source-graph';
import { EXAMPLE_CONFIG, EXAMPLE_PLAN } from '../support/config-files';

const lambdaMock = mockClient(LambdaClient);

/**
 * A minute boundary near now: EMF timestamps must lie within CloudWatch's window (14 days back), and
 * rounds fall on interval boundaries of the epoch, so every run of the suite has the same schedule.
 */
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'];
const SETTINGS: DetectionSettings = {
  probeIntervalSeconds: 10,
  failuresToTrip: 3,
  quorum: 2,
  recoveryHoldMinutes: 1,
  probeTimeoutMs: 500,
  controlTargets: [],
};
const SCHEDULED_EVENT = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '111111111111',
  time: new Date(T0).toISOString(),
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:111111111111:rule/acme-voice-probe'],
  detail: {},
};

/**
 * Fake time shared by several concurrent runs (one per region): it stands still while any run works
 * and jumps to the earliest wake-up once every run sleeps or has finished. Rounds of all regions thus
 * start at the same instant and finish before time moves on, as the settle window assumes.
 */
class LockstepClock implements Clock {
  private readonly sleepers: Array<{ until: number; wake: () => void }> = [];
  private running = 0;

  constructor(public nowMs: number) {}

  now(): number {
    return this.nowMs;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => {
      this.sleepers.push({ until: this.nowMs + ms, wake });
      this.running--;
      this.advanceWhenAllAsleep();
    });
  }

  /** Runs the tasks concurrently under this clock. */
  runTogether<T>(tasks: Array<() => Promise<T>>): Promise<T[]> {
    this.running = tasks.length;
    return Promise.all(
      tasks.map((task) =>
        task().finally(() => {
          this.running--;
          this.advanceWhenAllAsleep();
        }),
      ),
    );
  }

  private advanceWhenAllAsleep(): void {
    if (this.running > 0 || this.sleepers.length === 0) return;
    const next = Math.min(...this.sleepers.map((s) => s.until));
    this.nowMs = Math.max(this.nowMs, next);
    for (const sleeper of this.sleepers.filter((s) => s.until <= next)) {
      this.sleepers.splice(this.sleepers.indexOf(sleeper), 1);
      this.running++;
      sleeper.wake();
    }
  }
}

/** Keeps log calls for assertions instead of printing them. */
function recordingLogger(): ProbeLogger & { lines: Array<{ level: string; message: string }> } {
  const lines: Array<{ level: string; message: string }> = [];
  const record = (level: string) => (message: string) => {
    lines.push({ level, message });
  };
  return {
    lines,
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
}

/** A health URL on loopback answering `status` with "ok". */
async function startHealthServer(): Promise<{ port: number; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { port: (server.address() as AddressInfo).port, server };
}

/** One EMF document as Powertools prints it. */
interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> };
  [key: string]: unknown;
}

function context(remainingMs = 60_000): { getRemainingTimeInMillis(): number } {
  return { getRemainingTimeInMillis: () => remainingMs };
}

describe('probe handler', () => {
  let table: LocalIncidentTable;
  let responder: SipResponder;
  let health: { port: number; server: Server };
  let site: Site;
  let stdout: string[];
  let stdoutSpy: jest.SpyInstance;

  function dependencies(
    region: string,
    clock: Clock,
  ): ProbeHandlerDependencies & { logger: ReturnType<typeof recordingLogger> } {
    return {
      deployment: 'acme-voice',
      sites: [site],
      settings: SETTINGS,
      region,
      regions: REGIONS,
      clock,
      probeSite: (s, round) =>
        probeSite(s, round, {
          timeoutMs: SETTINGS.probeTimeoutMs,
          calls: { probeIntervalSeconds: SETTINGS.probeIntervalSeconds, call: { teardownMs: 300 } },
        }),
      observations: new DynamoDbObservationStore({
        client: table.documentClient,
        tableName: table.observationTableName,
        retentionDays: 35,
      }),
      siteHealth: new DynamoDbSiteHealthStore(table.documentClient, table.tableName),
      tripNotifier: new OrchestratorInvoker({
        client: new LambdaClient({ region }),
        functionName: `acme-voice-orchestrator-${region}`,
        region,
      }),
      metrics: createProbeMetrics(),
      logger: recordingLogger(),
      windowSeconds: 55,
    };
  }

  function emfDocuments(): EmfDocument[] {
    return stdout
      .join('')
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as EmfDocument);
  }

  /** The EMF documents whose single dimension set is exactly `dimensions`. */
  function documentsWith(dimensions: Record<string, string>): EmfDocument[] {
    return emfDocuments().filter((doc) => {
      const [metric] = doc._aws.CloudWatchMetrics;
      return (
        JSON.stringify(metric.Dimensions) === JSON.stringify([Object.keys(dimensions)]) &&
        Object.entries(dimensions).every(([name, value]) => doc[name] === value)
      );
    });
  }

  /** Every item of both tables: the incident table's first, then the observation table's. */
  async function tableItems(): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for (const TableName of [table.tableName, table.observationTableName]) {
      const { Items } = await table.documentClient.send(new ScanCommand({ TableName }));
      items.push(...(Items ?? []));
    }
    return items;
  }

  beforeEach(async () => {
    lambdaMock.reset();
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 202 });
    table = await startLocalIncidentTable();
    responder = await SipResponder.start({ mode: 200 });
    health = await startHealthServer();
    site = {
      id: 'phx-primary',
      role: 'primary',
      sip: [{ host: '127.0.0.1', port: responder.port, transport: 'udp', healthyCodes: [] }],
      http: [{ url: `http://127.0.0.1:${health.port}/health`, expectedStatus: 200, bodyContains: 'ok' }],
      calls: [],
    };
    stdout = [];
    stdoutSpy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk));
      return true;
    });
  });

  afterEach(async () => {
    stdoutSpy.mockRestore();
    await responder.close();
    await new Promise<void>((done) => health.server.close(() => done()));
    await table.stop();
  });

  it('probes a healthy site all minute: observations with TTL, success and heartbeat metrics, no failover', async () => {
    const clock = new LockstepClock(T0);
    const deps = dependencies('us-east-1', clock);

    const [result] = await clock.runTogether([() => handleProbeEvent(SCHEDULED_EVENT, context(), deps)]);

    expect(result).toEqual({
      status: 'done',
      rounds: 6,
      trips: 0,
      recoveries: 0,
      notified: 0,
      siteErrors: 0,
    });
    const { Items = [] } = await table.documentClient.send(
      new QueryCommand({
        TableName: table.observationTableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'OBS#phx-primary#us-east-1' },
      }),
    );
    expect(Items).toHaveLength(12); // six rounds, two endpoints
    for (const item of Items) {
      expect(item.ok).toBe(true);
      expect(item.expiresAt).toBe(Math.floor((item.at as number) / 1000) + 35 * 86_400);
    }
    const siteDocs = documentsWith(siteRegionDimensions('acme-voice', 'phx-primary', 'us-east-1'));
    expect(siteDocs.map((doc) => doc._aws.Timestamp)).toEqual([0, 1, 2, 3, 4, 5].map((i) => T0 + i * 10_000));
    for (const doc of siteDocs) {
      expect(doc._aws.CloudWatchMetrics[0].Namespace).toBe(METRIC_NAMESPACE);
      expect(doc[PROBE_METRICS.probeSuccess.name]).toEqual([1, 1]);
      expect(doc[PROBE_METRICS.probeLatency.name]).toEqual([expect.any(Number), expect.any(Number)]);
      expect(doc[PROBE_METRICS.siteDown.name]).toBe(0);
    }
    for (const kind of ['sip', 'http'] as const) {
      const kindDocs = documentsWith(
        siteRegionKindDimensions('acme-voice', 'phx-primary', 'us-east-1', kind),
      );
      expect(kindDocs).toHaveLength(6);
      expect(kindDocs.map((doc) => doc[PROBE_METRICS.probeSuccess.name])).toEqual(Array(6).fill(1));
      expect(kindDocs.every((doc) => doc[DIMENSION_NAMES.kind] === kind)).toBe(true);
    }
    const heartbeats = documentsWith(regionDimensions('acme-voice', 'us-east-1'));
    expect(heartbeats.map((doc) => doc[PROBE_METRICS.probeHeartbeat.name])).toEqual([1]);
    expect(emfDocuments()).toHaveLength(6 * 3 + 1);
    expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  it('places the test calls every round: observations, CallSetupTime per region, and calls-failing when only they fail', async () => {
    site.calls = [
      {
        host: '127.0.0.1',
        port: responder.port,
        transport: 'udp',
        to: '+15550100999',
        from: 'carrier-failover',
        expect: [200],
        answerWithinMs: 500,
      },
    ];
    const clock = new LockstepClock(T0);
    const [healthy] = await clock.runTogether([
      () => handleProbeEvent(SCHEDULED_EVENT, context(), dependencies('us-east-1', clock)),
    ]);
    expect(healthy).toMatchObject({ status: 'done', trips: 0, siteErrors: 0 });
    const { Items = [] } = await table.documentClient.send(
      new QueryCommand({
        TableName: table.observationTableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'OBS#phx-primary#us-east-1' },
      }),
    );
    const calls = Items.filter((item) => String(item.endpoint).startsWith('call:'));
    expect(calls.map((item) => [item.endpoint, item.ok, item.reason])).toEqual(
      Array(healthy.status === 'done' ? healthy.rounds : 0).fill([
        `call:udp:127.0.0.1:${responder.port}:+15550100999`,
        true,
        'SIP 200 OK',
      ]),
    );
    const callDocs = documentsWith(
      siteRegionKindDimensions('acme-voice', 'phx-primary', 'us-east-1', 'call'),
    );
    expect(callDocs.length).toBeGreaterThan(0);
    for (const doc of callDocs) expect(doc[PROBE_METRICS.callSetupTime.name]).toEqual(expect.any(Number));
    // Every INVITE was hung up.
    const methods = responder.requests.map((request) => request.message.method);
    expect(methods.filter((m) => m === 'BYE')).toHaveLength(methods.filter((m) => m === 'INVITE').length);

    // The softswitch out of sync: OPTIONS and HTTP answer, calls get 503, and every region trips.
    lambdaMock.reset();
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 202 });
    responder.setCallMode(503, 'Out Of Sync');
    const later = new LockstepClock(T0 + 120_000);
    await later.runTogether(
      REGIONS.map(
        (region) => () => handleProbeEvent(SCHEDULED_EVENT, context(), dependencies(region, later)),
      ),
    );
    const events = lambdaMock
      .commandCalls(InvokeCommand)
      .map((call) =>
        failoverEventSchema.parse(
          JSON.parse(new TextDecoder().decode(call.args[0].input.Payload as Uint8Array)),
        ),
      );
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(event).toMatchObject({
        failureKind: 'calls-failing',
        reason: 'test call SIP 503 Out Of Sync from us-east-1, us-east-2, us-west-2',
      });
    }
  });

  it('asks the orchestrator asynchronously for the same outage from every region that trips', async () => {
    await responder.setMode(503); // up but out of sync
    const clock = new LockstepClock(T0);
    const regionDeps = REGIONS.map((region) => dependencies(region, clock));

    const results = await clock.runTogether(
      regionDeps.map((deps) => () => handleProbeEvent(SCHEDULED_EVENT, context(), deps)),
    );

    expect(results.map((r) => r.status === 'done' && [r.trips, r.notified, r.siteErrors])).toEqual(
      REGIONS.map(() => [1, 1, 0]),
    );
    const invokes = lambdaMock.commandCalls(InvokeCommand).map((call) => call.args[0].input);
    expect(invokes.map((input) => [input.FunctionName, input.InvocationType]).sort()).toEqual(
      REGIONS.map((region) => [`acme-voice-orchestrator-${region}`, 'Event']),
    );
    const events = invokes.map((input) =>
      failoverEventSchema.parse(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))),
    );
    // Three failed rounds from T0 in every region: the quorum completed with the round at T0 + 20 s.
    for (const event of events) {
      expect(event).toEqual({
        action: 'failover',
        siteId: 'phx-primary',
        outageStartedAt: T0,
        detectedAt: T0 + 20_000,
        regions: REGIONS,
        trigger: { type: 'probe', region: expect.any(String) },
        failureKind: 'sip-errors',
        reason: 'SIP 503 Service Unavailable from us-east-1, us-east-2, us-west-2',
      });
    }
    expect(events.map((event) => event.trigger.region).sort()).toEqual(REGIONS);
    // SiteDown turns 1 in the round that decided the trip and stays there, in every region.
    for (const region of REGIONS) {
      const siteDocs = documentsWith(siteRegionDimensions('acme-voice', 'phx-primary', region));
      expect(siteDocs.map((doc) => doc[PROBE_METRICS.siteDown.name])).toEqual([0, 0, 0, 1, 1, 1]);
      expect(siteDocs.map((doc) => doc[PROBE_METRICS.probeSuccess.name])).toEqual(Array(6).fill([0, 1]));
    }
  });

  it.each([
    ['an SQS message', { Records: [{ eventSource: 'aws:sqs', body: '{}' }] }],
    ['an event from another source', { ...SCHEDULED_EVENT, source: 'aws.s3' }],
    ['null', null],
    ['a string', 'probe now'],
    ['an array', []],
  ])('rejects %s without probing, writing or invoking', async (_name, event) => {
    const clock = new LockstepClock(T0);
    const deps = dependencies('us-east-1', clock);

    const result = await handleProbeEvent(event, context(), deps);

    expect(result).toMatchObject({
      status: 'rejected',
      problems: expect.arrayContaining([expect.any(String)]),
    });
    expect(deps.logger.lines).toEqual([
      { level: 'error', message: 'Rejected an event that is not a probe schedule' },
    ]);
    expect(await tableItems()).toEqual([]);
    expect(responder.requests).toHaveLength(0);
    expect(emfDocuments()).toEqual([]);
    expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  it('accepts a manual {} and stops before the Lambda deadline when that comes before the window', async () => {
    const clock = new LockstepClock(T0);

    const [result] = await clock.runTogether([
      () => handleProbeEvent({}, context(25_000), dependencies('us-east-1', clock)),
    ]);

    // Deadline T0 + 20 s (25 s left less the 5 s margin): the round at T0 + 20 s could not finish.
    expect(result).toMatchObject({ status: 'done', rounds: 2 });
  });

  it('wires the environment, the deployment files and the module-scope clients in the Lambda handler', async () => {
    const deployment = loadDeployment(EXAMPLE_CONFIG);
    const taskRoot = mkdtempSync(join(tmpdir(), 'carrier-failover-probe-'));
    mkdirSync(join(taskRoot, 'deployment'));
    const config = {
      ...deployment.config,
      sites: [site, { ...site, id: 'dal-standby', role: 'standby' }],
      detection: {
        ...deployment.config.detection,
        probeIntervalSeconds: 5,
        probeTimeoutMs: 300,
        controlTargets: [new URL('/control', site.http[0].url).href],
      },
    };
    writeFileSync(join(taskRoot, DEPLOYMENT_FILES.config), JSON.stringify(config));
    writeFileSync(join(taskRoot, DEPLOYMENT_FILES.plan), readFileSync(EXAMPLE_PLAN, 'utf8'));
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_REGION: 'us-east-2',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
      LAMBDA_TASK_ROOT: taskRoot,
      DEPLOYMENT_NAME: 'acme-voice',
      TABLE_NAME: table.tableName,
      OBSERVATION_TABLE_NAME: table.observationTableName,
      ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-2:111111111111:acme-voice-alerts',
      POWERTOOLS_SERVICE_NAME: 'probe',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      ORCHESTRATOR_FUNCTION_NAME: 'acme-voice-orchestrator',
      WATCHDOG_REGIONS: REGIONS.join(','),
      // One second: a round or two on the real clock is enough to prove the wiring.
      PROBE_WINDOW_SECONDS: '1',
    });
    try {
      const result = await handler(SCHEDULED_EVENT, {
        functionName: 'acme-voice-probe',
        awsRequestId: 'req-1',
        getRemainingTimeInMillis: () => 60_000,
      } as unknown as Context);

      expect(result).toMatchObject({ status: 'done', trips: 0, siteErrors: 0 });
      const rounds = result.status === 'done' ? result.rounds : 0;
      expect(rounds).toBeGreaterThanOrEqual(1);
      const observations = (await tableItems()).filter((item) => item.type === 'observation');
      // Two sites, two endpoints and the control target each: the control is requested once a round.
      expect(observations).toHaveLength(rounds * 2 * 3);
      // All on the observation table (TTL), none on the strongly consistent incident table.
      const { Items: onIncidentTable = [] } = await table.documentClient.send(
        new ScanCommand({ TableName: table.tableName }),
      );
      expect(onIncidentTable.filter((item) => item.type === 'observation')).toEqual([]);
      expect(observations.every((item) => item.region === 'us-east-2' && item.expiresAt !== undefined)).toBe(
        true,
      );
      const control = observations.filter((item) => String(item.endpoint).startsWith('control:'));
      expect(control.map((item) => [item.ok, item.reason])).toEqual(
        Array(rounds * 2).fill([true, 'HTTP 200']),
      );
      const regionDocs = documentsWith(regionDimensions('acme-voice', 'us-east-2'));
      expect(regionDocs.filter((doc) => doc[PROBE_METRICS.probeHeartbeat.name] === 1)).toHaveLength(1);
      expect(regionDocs.flatMap((doc) => doc[PROBE_METRICS.controlReachable.name] ?? [])).toEqual(
        Array(rounds).fill(1),
      );
      // No `service` dimension from Powertools: readers address metrics by our dimension sets alone.
      expect(emfDocuments().every((doc) => doc.service === undefined)).toBe(true);
    } finally {
      process.env = saved;
    }
  });
});

describe('failover event for a trip', () => {
  const trip = (reasons: Record<string, string>): SiteTrip => ({
    kind: 'tripped',
    siteId: 'phx-primary',
    at: T0 + 20_000,
    outageStartedAt: T0,
    idempotencyKey: outageKey('phx-primary', T0),
    regions: Object.keys(reasons).sort(),
    reasons,
  });

  it('calls a site whose SBCs answer with errors in every voting region "sip-errors"', () => {
    const sipErrors = trip({
      'us-east-1': 'sip:udp:sbc1.phx.example.net:5060: SIP 503 Service Unavailable',
      'us-east-2': 'sip:udp:sbc1.phx.example.net:5060: SIP 480 Temporarily Unavailable',
    });

    expect(failureKindOfTrip(sipErrors)).toBe('sip-errors');
    expect(describeTrip(sipErrors)).toBe(
      'SIP 503 Service Unavailable from us-east-1; SIP 480 Temporarily Unavailable from us-east-2',
    );
  });

  it('calls timeouts, refusals and health-URL failures "site-unreachable", and words them per probe', () => {
    const unreachable = trip({
      'us-east-1': 'sip:udp:sbc1.phx.example.net:5060: timeout after 2000 ms',
      'us-east-2':
        'sip:udp:sbc1.phx.example.net:5060: SIP 503 Service Unavailable; https://portal.phx.example.net/health?token=s3cret: HTTP 500',
    });

    expect(failureKindOfTrip(unreachable)).toBe('site-unreachable');
    expect(describeTrip(unreachable)).toBe(
      'SIP OPTIONS timeout after 2000 ms from us-east-1; SIP 503 Service Unavailable from us-east-2; HTTP 500 from us-east-2',
    );
    expect(failoverEventForTrip(unreachable, { region: 'us-east-1' }).reason).not.toContain('s3cret');
  });

  it('keeps the reason within the orchestrator event limit', () => {
    const long = trip(
      Object.fromEntries(
        Array.from({ length: 40 }, (_, i) => [
          `us-east-${i}`,
          `sip:tcp:sbc${i}.example.net:5060: SIP ${500 + i} Error`,
        ]),
      ),
    );

    const event = failoverEventForTrip(long, { region: 'us-east-1', name: 'acme-voice-probe' });

    expect(event.reason.length).toBeLessThanOrEqual(500);
    expect(event.trigger).toEqual({ type: 'probe', region: 'us-east-1', name: 'acme-voice-probe' });
  });
});

describe('probe environment', () => {
  const common = {
    DEPLOYMENT_NAME: 'acme-voice',
    TABLE_NAME: 'acme-voice-incidents',
    OBSERVATION_TABLE_NAME: 'acme-voice-observations',
    ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:111111111111:acme-voice-alerts',
    POWERTOOLS_SERVICE_NAME: 'probe',
    ORCHESTRATOR_FUNCTION_NAME: 'acme-voice-orchestrator',
  };

  it('splits the watchdog regions and fills in the window and retention defaults', () => {
    const env = readEnvironment(probeEnvironmentSchema, {
      ...common,
      WATCHDOG_REGIONS: 'us-east-1, us-east-2,us-west-2',
    });

    expect(env).toMatchObject({
      WATCHDOG_REGIONS: REGIONS,
      PROBE_WINDOW_SECONDS: 55,
      OBSERVATION_RETENTION_DAYS: 35,
    });
  });

  it('names every missing or malformed variable', () => {
    expect(() =>
      readEnvironment(probeEnvironmentSchema, {
        ...common,
        OBSERVATION_TABLE_NAME: undefined,
        ORCHESTRATOR_FUNCTION_NAME: undefined,
        WATCHDOG_REGIONS: 'us-east-1,mars',
        PROBE_WINDOW_SECONDS: '55s',
      }),
    ).toThrow(
      /OBSERVATION_TABLE_NAME.*ORCHESTRATOR_FUNCTION_NAME.*WATCHDOG_REGIONS\.1: expected AWS regions.*PROBE_WINDOW_SECONDS: expected a whole number/,
    );
  });
});

describe('metric names', () => {
  it('are spelled only in lambdas/contracts/metric-names.ts', () => {
    const namesModule = 'lambdas/contracts/metric-names.ts';
    const names = [
      METRIC_NAMESPACE,
      ...Object.values(DIMENSION_NAMES),
      ...Object.values(PROBE_METRICS).map((m) => m.name),
      ...Object.values(ORCHESTRATOR_METRICS).map((m) => m.name),
    ];

    // The carriers' wire formats have words of their own (Bandwidth's XML has a `Site` element), and
    // the carrier adapters publish no metric.
    const misplaced = sourceFiles()
      .filter(
        (path) =>
          path.startsWith('lambdas/') &&
          path !== namesModule &&
          !path.startsWith('lambdas/adapters/carriers/'),
      )
      .flatMap((path) => {
        const text = readFileSync(join(ROOT, path), 'utf8');
        return names
          .filter((name) => [`'${name}'`, `"${name}"`, `\`${name}\``].some((quoted) => text.includes(quoted)))
          .map((name) => `${path}: ${name} (import it from ${namesModule})`);
      });

    expect(misplaced).toEqual([]);
  });
});
