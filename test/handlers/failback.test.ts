import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { createCarrierDirectory } from '../../lambdas/adapters/carriers/carrier-directory';
import { DynamoDbForwardingStateStore } from '../../lambdas/adapters/dynamodb/forwarding-state-store';
import { DynamoDbIncidentStore } from '../../lambdas/adapters/dynamodb/incident-store';
import { DynamoDbRouteReadBackStore } from '../../lambdas/adapters/dynamodb/route-read-back-store';
import { DynamoDbSiteHealthStore } from '../../lambdas/adapters/dynamodb/site-health-store';
import { SnsNotifier } from '../../lambdas/adapters/sns/sns-notifier';
import type { Config } from '../../lambdas/contracts/config/schema';
import { CarrierError } from '../../lambdas/contracts/errors';
import { type FailbackHandlerDependencies, handleFailbackEvent } from '../../lambdas/handlers/failback';
import { handleOrchestratorEvent } from '../../lambdas/handlers/orchestrator';
import type { CarrierDirectory } from '../../lambdas/ports/carriers';
import type { Clock } from '../../lambdas/ports/clock';
import type { SiteHealthState } from '../../lambdas/ports/detection';
import type { ForwardingStateStore } from '../../lambdas/ports/forwarding-state';
import type { DeploymentFiles } from '../../lambdas/runtime/deployment-files';
import { loadDeployment } from '../../lib/config/load-config';
import { type LocalCarriers, startLocalCarriers } from '../../lib/developer/far-side/local-carriers';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../lib/developer/far-side/local-incident-table';
import { EXAMPLE_CONFIG } from '../support/config-files';

const snsMock = mockClient(SNSClient);
const REGION = 'us-east-1';
const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);
const INCIDENT = 'phx-primary-20261127T090000Z';

/** A clock the test moves; sleeps advance it instead of waiting. */
function manualClock(start: number): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

describe('failback handler', () => {
  const deployment = loadDeployment(EXAMPLE_CONFIG);
  let table: LocalIncidentTable;
  let carriers: LocalCarriers;
  let clock: ReturnType<typeof manualClock>;
  let siteHealth: DynamoDbSiteHealthStore;
  let healthVersion: number | undefined;
  let directoryWrapper: (directory: CarrierDirectory) => CarrierDirectory;
  let numbersStore: (store: ForwardingStateStore) => ForwardingStateStore;

  function files(failback: Partial<Config['failback']> = {}): DeploymentFiles {
    const fastCarriers = Object.fromEntries(
      Object.entries(carriers.carriers).map(([name, carrier]) => [
        name,
        { ...carrier, rateLimitPerSecond: 200 },
      ]),
    );
    return {
      config: {
        ...deployment.config,
        carriers: fastCarriers,
        failback: { ...deployment.config.failback, ...failback },
      },
      plan: deployment.plan,
    };
  }

  function dependencies(deploymentFiles: DeploymentFiles): FailbackHandlerDependencies {
    return {
      files: deploymentFiles,
      incidents: new DynamoDbIncidentStore(table.documentClient, table.tableName),
      numbers: numbersStore(new DynamoDbForwardingStateStore(table.documentClient, table.tableName)),
      readBacks: new DynamoDbRouteReadBackStore(table.documentClient, table.tableName),
      notifier: new SnsNotifier(
        new SNSClient({ region: REGION }),
        'arn:aws:sns:us-east-1:111111111111:alerts',
      ),
      siteHealth,
      carriers: async () =>
        directoryWrapper(
          await createCarrierDirectory(deploymentFiles.config.carriers, carriers.credentialSource, {
            pollIntervalMs: 20,
          }),
        ),
      clock,
      random: () => 0.5,
      region: REGION,
    };
  }

  const context = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 300_000 });

  /** The probes' quorum decision as this region holds it: up and fresh, or failing in two regions. */
  async function reportHealth(kind: 'up' | 'down' | 'degrading'): Promise<void> {
    const now = clock.now();
    const region = (ok: boolean) => ({
      lastRoundAt: now,
      lastRoundOk: ok,
      consecutiveFailures: ok ? 0 : 3,
      failureRunStartedAt: ok ? null : now - 20_000,
      lastReason: ok ? 'SIP 200 OK' : 'SIP 503 Service Unavailable',
    });
    const state: SiteHealthState = {
      siteId: 'phx-primary',
      status: kind === 'down' ? 'down' : 'up',
      processedUpTo: now,
      regions: {
        'us-east-1': region(kind === 'up'),
        'us-east-2': region(kind === 'up'),
        'us-west-2': region(true),
      },
      outage: null,
      healthySince: null,
    };
    healthVersion = await siteHealth.put('phx-primary', REGION, { state, unannounced: [] }, healthVersion);
  }

  async function failOver(): Promise<void> {
    const result = await handleOrchestratorEvent(
      {
        action: 'failover',
        siteId: 'phx-primary',
        outageStartedAt: T0,
        detectedAt: T0 + 31_000,
        regions: ['us-east-1', 'us-east-2'],
        trigger: { type: 'probe', region: REGION },
        failureKind: 'site-unreachable',
        reason: 'SIP OPTIONS timeout',
      },
      context('failover-1'),
      { ...dependencies(files()), startContinuation: async () => undefined },
    );
    expect(result).toMatchObject({ status: 'done', incidentStatus: 'forwarded' });
  }

  const tick = (deploymentFiles: DeploymentFiles, id: string) =>
    handleFailbackEvent(
      { action: 'tick', siteId: 'phx-primary' },
      context(id),
      dependencies(deploymentFiles),
    );
  const approve = (deploymentFiles: DeploymentFiles, id: string) =>
    handleFailbackEvent(
      { action: 'approve', siteId: 'phx-primary', approvedBy: { name: 'jdoe', region: 'us-east-2' } },
      context(id),
      dependencies(deploymentFiles),
    );

  /** Plan numbers whose routing at the fake carriers is back to the pre-outage one. */
  function numbersHome(): string[] {
    return deployment.plan
      .filter((entry) => carriers.writesTo(entry.number) === 2)
      .map((entry) => entry.number);
  }

  beforeEach(async () => {
    snsMock.reset();
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
    table = await startLocalIncidentTable();
    carriers = await startLocalCarriers(deployment.config, deployment.plan);
    clock = manualClock(T0 + 60_000);
    siteHealth = new DynamoDbSiteHealthStore(table.documentClient, table.tableName);
    healthVersion = undefined;
    directoryWrapper = (directory) => directory;
    numbersStore = (store) => store;
    await failOver();
  });

  afterEach(async () => {
    await carriers.stop();
    await table.stop();
  });

  it('waits while the site is down, then for approval in manual mode', async () => {
    await reportHealth('down');
    expect(await tick(files(), 't1')).toMatchObject({ sites: [{ result: 'awaiting-recovery' }] });

    await reportHealth('up');
    const result = await tick(files(), 't2');

    expect(result).toMatchObject({
      status: 'ok',
      sites: [{ siteId: 'phx-primary', result: 'awaiting-approval' }],
    });
    expect(numbersHome()).toEqual([]);
    const kinds = snsMock
      .commandCalls(PublishCommand)
      .map((call) => call.args[0].input.MessageAttributes?.kind?.StringValue);
    expect(kinds.at(-1)).toBe('recovered');
    expect(JSON.parse(snsMock.commandCalls(PublishCommand).at(-1)!.args[0].input.Message!).email).toContain(
      'carrier-failover failback --site phx-primary --approve',
    );
  });

  it("restores exactly each wave's share, in order, waiting the configured minutes between waves", async () => {
    await reportHealth('up');
    await tick(files(), 't1');
    const sorted = deployment.plan.map((entry) => entry.number).sort();

    const homeAfter: string[][] = [];
    const first = await approve(files(), 'a1');
    homeAfter.push(numbersHome());
    expect(first).toMatchObject({ sites: [{ result: 'waiting' }] });
    for (let wave = 2; wave <= 4; wave++) {
      expect(await tick(files(), `early-${wave}`)).toMatchObject({ sites: [{ result: 'waiting' }] });
      clock.advance(5 * 60_000);
      await reportHealth('up');
      await tick(files(), `t${wave}`);
      homeAfter.push(numbersHome());
    }

    // 24 numbers, waves 10/25/50/100 %: 3, 6, 12, 24 home, always the first of the sorted list.
    expect(homeAfter.map((home) => home.length)).toEqual([3, 6, 12, 24]);
    for (const home of homeAfter) expect([...home].sort()).toEqual(sorted.slice(0, home.length));
    const store = new DynamoDbIncidentStore(table.documentClient, table.tableName);
    expect(await store.get(INCIDENT)).toMatchObject({ status: 'resolved', numbers: { restored: 24 } });
    for (const entry of deployment.plan) expect(carriers.writesTo(entry.number)).toBe(2);
    const events = (await store.listEvents(INCIDENT)).map((event) => event.type);
    expect(events.filter((type) => type === 'failback-wave-finished')).toHaveLength(4);
    expect(events.at(-2)).toBe('resolved');
    const kinds = snsMock
      .commandCalls(PublishCommand)
      .map((call) => call.args[0].input.MessageAttributes?.kind?.StringValue);
    expect(kinds.filter((kind) => kind === 'failback-wave')).toHaveLength(4);
    expect(kinds.at(-1)).toBe('resolved');
  });

  it('halts when the site degrades between waves and leaves the rest forwarded', async () => {
    await reportHealth('up');
    await tick(files(), 't1');
    await approve(files(), 'a1');
    expect(numbersHome()).toHaveLength(3);

    clock.advance(5 * 60_000);
    await reportHealth('degrading');
    const result = await tick(files(), 't2');

    expect(result).toMatchObject({ sites: [{ result: 'halted' }] });
    expect(numbersHome()).toHaveLength(3);
    for (const entry of deployment.plan) {
      const routing = carriers.writesTo(entry.number);
      expect(routing === 1 || routing === 2).toBe(true);
    }
    const halted = snsMock.commandCalls(PublishCommand).at(-1)!.args[0].input;
    expect(halted.MessageAttributes?.kind?.StringValue).toBe('failback-halted');
    expect(halted.MessageAttributes?.severity?.StringValue).toBe('critical');
    expect(JSON.parse(halted.Message!).email).toContain('21 numbers stay forwarded');

    // A later tick stays halted, even once healthy: resuming needs a new approval.
    clock.advance(5 * 60_000);
    await reportHealth('up');
    expect(await tick(files(), 't3')).toMatchObject({ sites: [{ result: 'halted' }] });
    expect(numbersHome()).toHaveLength(3);
    await approve(files(), 'a2');
    expect(numbersHome()).toHaveLength(6);
  });

  it('resumes a wave that crashed after a carrier write and before recording it, restoring no number twice', async () => {
    await reportHealth('up');
    await tick(files(), 't1');
    let recorded = 0;
    // The process dies right after the carrier restored the 6th number, before the table says so.
    numbersStore = (store) => crashBeforeRecordingRestore(store, () => ++recorded > 5);

    await expect(
      approve(files({ waves: [50, 100], minutesBetweenWaves: 0 }), 'crashing'),
    ).rejects.toMatchObject({
      message: 'simulated crash',
    });
    expect(numbersHome().length).toBeGreaterThanOrEqual(6);
    numbersStore = (store) => store;
    clock.advance(10 * 60_000); // the crashed run's lease expires
    await reportHealth('up');
    const result = await tick(files({ waves: [50, 100], minutesBetweenWaves: 0 }), 'after-crash');

    expect(result).toMatchObject({ sites: [{ result: 'resolved' }] });
    for (const entry of deployment.plan) expect(carriers.writesTo(entry.number)).toBe(2);
  });

  it('halts instead of resolving while numbers could not be restored, and retries them on approval', async () => {
    await reportHealth('up');
    await tick(files(), 't1');
    const stuck = deployment.plan.find((entry) => entry.carrier === 'telnyx')!.number;
    directoryWrapper = (directory) => rejectRestoreOf(directory, stuck);

    const halted = await approve(files({ minutesBetweenWaves: 0 }), 'a1');

    expect(halted).toMatchObject({
      sites: [
        { result: 'halted', detail: expect.stringContaining(`1 numbers could not be restored (${stuck}:`) },
      ],
    });
    expect(numbersHome()).toHaveLength(23);
    directoryWrapper = (directory) => directory;
    clock.advance(10 * 60_000);
    await reportHealth('up');
    expect(await approve(files({ minutesBetweenWaves: 0 }), 'a2')).toMatchObject({
      sites: [{ result: 'resolved' }],
    });
    expect(numbersHome()).toHaveLength(24);
  });

  it('treats a second approval as a repeat: one approval, no extra restores', async () => {
    await reportHealth('up');
    await tick(files(), 't1');

    await approve(files(), 'a1');
    await approve(files(), 'a2');

    expect(numbersHome()).toHaveLength(3);
    const events = await new DynamoDbIncidentStore(table.documentClient, table.tableName).listEvents(
      INCIDENT,
    );
    expect(events.filter((event) => event.type === 'failback-approved')).toHaveLength(1);
    expect(
      events.filter((event) => event.type === 'note' && event.message.includes('approval repeated')),
    ).toHaveLength(1);
  });

  it('starts by itself after the recovery hold in automatic mode', async () => {
    await reportHealth('up');

    const result = await tick(files({ mode: 'automatic', minutesBetweenWaves: 0 }), 't1');

    expect(result).toMatchObject({ sites: [{ result: 'resolved' }] });
    expect(numbersHome()).toHaveLength(24);
  });

  it('rejects a malformed event and an unknown site, changing nothing', async () => {
    const deps = dependencies(files());

    const malformed = await handleFailbackEvent(
      { action: 'approve', siteId: 'phx-primary' },
      context('x'),
      deps,
    );
    const unknown = await handleFailbackEvent({ action: 'tick', siteId: 'nowhere' }, context('y'), deps);

    expect(malformed).toMatchObject({ status: 'rejected', problems: [expect.stringMatching(/approvedBy/)] });
    expect(unknown).toEqual({
      status: 'rejected',
      problems: ['siteId: expected one of phx-primary, got "nowhere"'],
    });
    expect(numbersHome()).toEqual([]);
  });
});

/** A state store whose process "dies" (throws out of the engine) when recording a restore, once `crash()` says so. */
function crashBeforeRecordingRestore(
  store: ForwardingStateStore,
  crash: () => boolean,
): ForwardingStateStore {
  return {
    ensureNumbers: (...args) => store.ensureNumbers(...args),
    list: (...args) => store.list(...args),
    get: (...args) => store.get(...args),
    update: async (...args) => {
      if (args[3].status === 'restored' && crash()) throw new SimulatedCrash();
      return store.update(...args);
    },
  };
}

/** Not an Error, so nothing on the way mistakes it for a carrier failure and carries on. */
class SimulatedCrash {
  readonly message = 'simulated crash';
}

/** Every carrier refuses to restore `number` (a permanent failure). */
function rejectRestoreOf(directory: CarrierDirectory, number: string): CarrierDirectory {
  const wrapped: CarrierDirectory = {};
  for (const [name, carrier] of Object.entries(directory)) {
    wrapped[name as keyof CarrierDirectory] = Object.assign(Object.create(carrier), {
      restore: async (snapshot: Parameters<typeof carrier.restore>[0]) => {
        if (snapshot.number === number) {
          throw new CarrierError(name, 'number is locked by a port-out order', {
            retryable: false,
            status: 409,
          });
        }
        return carrier.restore(snapshot);
      },
    });
  }
  return wrapped;
}
