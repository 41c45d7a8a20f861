import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb/incident-store';
import { RecordingNotifier } from '../../../lambdas/adapters/local/recording-notifier';
import type { CarrierName, Config } from '../../../lambdas/contracts/config/schema';
import { CarrierAuthError } from '../../../lambdas/contracts/errors';
import {
  type RunPracticeInput,
  runPractice,
  STALE_PRACTICE_MS,
} from '../../../lambdas/domain/practice/run-practice';
import type { CarrierAccess } from '../../../lambdas/ports/practice';
import { loadDeployment } from '../../../lib/config/load-config';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../../lib/developer/far-side/local-incident-table';
import { FakeClock } from '../forwarding/fake-clock';
import { InMemoryCarrier } from '../forwarding/in-memory-carrier';
import { InMemoryForwardingStateStore } from '../forwarding/in-memory-state-store';

const T0 = Date.UTC(2026, 10, 24, 15, 0, 0);
const CANARY = { number: '+16025559900', forwardTo: '+12145559900' };

describe('runPractice', () => {
  const example = loadDeployment();
  let table: LocalIncidentTable;
  let clock: FakeClock;
  let notifier: RecordingNotifier;
  let telnyx: InMemoryCarrier;

  /** Telnyx (with a canary) and Twilio (without), both in memory; the plan's numbers not armed. */
  function input(overrides: Partial<RunPracticeInput> = {}, config: Partial<Config> = {}): RunPracticeInput {
    const carriers = {
      telnyx: { ...example.config.carriers.telnyx!, canary: CANARY },
      twilio: { ...example.config.carriers.twilio! },
    };
    const opened: Partial<Record<CarrierName, InMemoryCarrier>> = {
      telnyx,
      twilio: new InMemoryCarrier({ name: 'twilio', clock }),
    };
    const access: CarrierAccess = {
      open: async (name) => {
        const carrier = opened[name];
        if (!carrier) throw new CarrierAuthError(name, 'is not configured');
        return carrier;
      },
    };
    return {
      config: {
        ...example.config,
        carriers,
        practice: { ...example.config.practice, audit: 'normal' },
        ...config,
      },
      plan: [],
      actor: { type: 'schedule', region: 'us-east-1', name: 'practice' },
      access,
      orchestrators: [
        { region: 'us-east-2', functionName: 'acme-voice-orchestrator', dryRun: async () => {} },
      ],
      alertTopics: [
        { region: 'us-east-1', subscriptions: async () => [{ protocol: 'email', confirmed: true }] },
      ],
      incidents: new DynamoDbIncidentStore(table.documentClient, table.tableName),
      numbers: new InMemoryForwardingStateStore(() => clock.now()),
      notifier,
      clock,
      random: () => 0.5,
      limits: {},
      runId: 'practice-1',
      ...overrides,
    };
  }

  beforeEach(async () => {
    table = await startLocalIncidentTable();
    clock = new FakeClock(T0);
    notifier = new RecordingNotifier(clock);
    telnyx = new InMemoryCarrier({ name: 'telnyx', clock });
    telnyx.addNumbers([CANARY.number]);
  });

  afterEach(async () => {
    await table.stop();
  });

  it('keeps its timeline: started, each step and check, resolved, the alert', async () => {
    const outcome = await runPractice(input());

    expect(outcome.result).toBe('passed');
    const events = await new DynamoDbIncidentStore(table.documentClient, table.tableName).listEvents(
      'practice-20261124T150000Z',
    );
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('practice-started');
    expect(types.filter((type) => type === 'practice-step')).toHaveLength(5);
    expect(types.slice(-2)).toEqual(['resolved', 'alert-sent']);
    expect(events.find((event) => event.type === 'practice-step')?.message).toMatch(
      /^telnyx canary \+16025559900: read ok in \d+ ms \(read and saved\)$/,
    );
  });

  it('still checks credentials, orchestrators, topics and drift when no carrier has a canary', async () => {
    const carriers = { telnyx: example.config.carriers.telnyx!, twilio: example.config.carriers.twilio! };

    const outcome = await runPractice(input({}, { carriers }));

    expect(outcome).toMatchObject({ result: 'passed', canaries: [] });
    expect(notifier.alerts.map((alert) => [alert.kind, alert.severity, alert.subject])).toEqual([
      [
        'practice-passed',
        'info',
        '[acme-voice] PRACTICE practice: practice passed: no canary configured, all checks ok',
      ],
    ]);
  });

  it("names an unreadable secret as that carrier's problem and still practices the others", async () => {
    const base = input();
    const access: CarrierAccess = {
      open: async (name) => {
        if (name === 'twilio') {
          throw new CarrierAuthError(
            'twilio',
            'secret "acme-voice/carriers/twilio" could not be read (AccessDeniedException); grant secretsmanager:GetSecretValue (and kms:Decrypt) on it',
          );
        }
        return base.access.open(name);
      },
    };

    const outcome = await runPractice({ ...base, access });

    expect(outcome).toMatchObject({
      result: 'failed',
      record: {
        problems: [
          'twilio: secret "acme-voice/carriers/twilio" could not be read (AccessDeniedException); grant secretsmanager:GetSecretValue (and kms:Decrypt) on it',
        ],
        canaries: [{ carrier: 'telnyx', passed: true }],
      },
    });
  });

  it('skips while another practice runs, and closes one left open by a run that died long ago', async () => {
    const incidents = new DynamoDbIncidentStore(table.documentClient, table.tableName);
    const abandonedAt = T0 - STALE_PRACTICE_MS - 60_000;
    clock = new FakeClock(abandonedAt);
    await incidents.openOrJoin({
      id: 'practice-20261124T135900Z',
      siteId: 'practice',
      kind: 'practice',
      outageStartedAt: abandonedAt,
      openedAt: abandonedAt,
      regions: ['us-east-2'],
      openedBy: { type: 'schedule', region: 'us-east-2' },
      failureKind: 'practice',
      reason: 'practice of the failover path',
      numbers: { total: 1, forwarded: 0, failed: 0, restored: 0 },
    });
    clock = new FakeClock(abandonedAt + 60_000);

    const whileRunning = await runPractice(input());
    clock = new FakeClock(T0);
    const later = await runPractice(input());

    expect(whileRunning).toEqual({
      result: 'skipped',
      reason: 'practice practice-20261124T135900Z is still running (opened by schedule in us-east-2)',
    });
    expect(later.result).toBe('passed');
    expect(await incidents.get('practice-20261124T135900Z')).toMatchObject({
      status: 'resolved',
      practice: { passed: false, problems: ['abandoned: the run that opened it never finished'] },
    });
  });
});
