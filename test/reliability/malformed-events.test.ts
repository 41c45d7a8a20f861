/**
 * Malformed Lambda events, generated with fast-check from the valid ones (a required field dropped, a
 * field of the wrong type or out of range, an unknown key, or any JSON at all), given to the probe,
 * orchestrator and failback handlers wired to dynalite and the carrier fakes. Every one must be
 * rejected with problems that name the field, and nothing may be written, alerted or sent to a
 * carrier: the table is scanned at the end.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { DynamoDbObservationStore } from '../../lambdas/adapters/dynamodb/observation-store';
import { DynamoDbSiteHealthStore } from '../../lambdas/adapters/dynamodb/site-health-store';
import { handleFailbackEvent } from '../../lambdas/handlers/failback';
import { handleOrchestratorEvent } from '../../lambdas/handlers/orchestrator';
import { handleProbeEvent } from '../../lambdas/handlers/probe';
import type { ProbeLogger } from '../../lambdas/runtime/powertools';
import { loadDeployment } from '../../lib/config/load-config';
import { silentMetrics } from '../../lib/developer/drill/quiet-telemetry';
import { FakeClock } from '../domain/forwarding/fake-clock';
import { EXAMPLE_CONFIG } from '../support/config-files';
import {
  type CapturedOutput,
  captureOutput,
  type Harness,
  lambdaContext,
  probeFailoverEvent,
  startHarness,
} from './support/reliability-harness';

const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A field of a valid event and values that can never be valid there. */
interface FieldFault {
  path: string[];
  invalid: Json[];
}

/** A mutation of a valid event that is invalid for sure, and the field path its problem must name. */
interface EventFault {
  event: Json;
  names: string;
}

function withFault(valid: Record<string, Json>, fields: FieldFault[], unknownParents: string[][]) {
  const required = fields.filter((field) => field.path.length > 0);
  const drop = fc.constantFrom(...required).map((field): EventFault => {
    const event = structuredClone(valid);
    const parent = field.path
      .slice(0, -1)
      .reduce<Json>((node, key) => (node as Record<string, Json>)[key], event);
    delete (parent as Record<string, Json>)[field.path[field.path.length - 1]];
    return { event, names: field.path.join('.') };
  });
  const replace = fc.constantFrom(...required).chain((field) =>
    fc.constantFrom(...field.invalid).map((value): EventFault => {
      const event = structuredClone(valid);
      const parent = field.path
        .slice(0, -1)
        .reduce<Json>((node, key) => (node as Record<string, Json>)[key], event);
      (parent as Record<string, Json>)[field.path[field.path.length - 1]] = value;
      return { event, names: field.path.join('.') };
    }),
  );
  const unknown = fc
    .tuple(fc.constantFrom(...unknownParents), fc.stringMatching(/^[a-z][a-zA-Z]{2,10}$/))
    .filter(([parent, key]) => !Object.keys(lookup(valid, parent) as object).includes(key))
    .map(([parent, key]): EventFault => {
      const event = structuredClone(valid);
      (lookup(event, parent) as Record<string, Json>)[key] = 'x';
      return { event, names: parent.length > 0 ? parent.join('.') : '(event)' };
    });
  return fc.oneof(drop, replace, unknown);
}

function lookup(value: Json, path: string[]): Json {
  return path.reduce<Json>((node, key) => (node as Record<string, Json>)[key], value);
}

/** Any JSON that is not an object: arrays, strings, numbers, null. */
const notAnObject = fc.oneof(
  fc.constant(null),
  fc.string(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
) as fc.Arbitrary<Json>;

const STRING_MISTAKES: Json[] = [42, '', null, true, ['a'], { a: 1 }];
const TIME_MISTAKES: Json[] = ['yesterday', '2026-11-27T09:00:00Z', -1, 0, 1.5, null, {}];

const ORCHESTRATOR_FIELDS: FieldFault[] = [
  { path: ['action'], invalid: ['failback', 'FAILOVER', 1, null] },
  { path: ['siteId'], invalid: [...STRING_MISTAKES, 'x'.repeat(41)] },
  { path: ['outageStartedAt'], invalid: TIME_MISTAKES },
  { path: ['detectedAt'], invalid: TIME_MISTAKES },
  { path: ['regions'], invalid: [[], 'us-east-1', [''], [1], null] },
  { path: ['trigger'], invalid: ['probe', [], null, 7] },
  { path: ['trigger', 'type'], invalid: ['robot', '', 3, null] },
  { path: ['trigger', 'region'], invalid: ['', 5, null, []] },
  { path: ['failureKind'], invalid: ['meltdown', '', 0, null] },
  { path: ['reason'], invalid: [...STRING_MISTAKES, 'x'.repeat(501)] },
];

const APPROVE_FIELDS: FieldFault[] = [
  { path: ['action'], invalid: ['approved', 'APPROVE', 1, null] },
  { path: ['siteId'], invalid: [...STRING_MISTAKES, 'x'.repeat(41)] },
  { path: ['approvedBy'], invalid: ['jdoe', [], null, 1] },
  { path: ['approvedBy', 'name'], invalid: ['', 1, null, 'x'.repeat(201)] },
  { path: ['approvedBy', 'region'], invalid: ['', 1, null] },
];

describe('malformed Lambda events are rejected with the field named, and nothing is written', () => {
  const deployment = loadDeployment(EXAMPLE_CONFIG);
  let harness: Harness;
  let output: CapturedOutput;

  beforeEach(async () => {
    output = captureOutput();
    harness = await startHarness({
      config: deployment.config,
      plan: deployment.plan,
      clock: new FakeClock(T0),
    });
  });

  afterEach(async () => {
    output.restore();
    await harness.stop();
  });

  /** Nothing in the table, no alert, no carrier request, and every rejection was logged. */
  async function expectNothingHappened(rejections: number): Promise<void> {
    const { Items } = await harness.table.documentClient.send(
      new ScanCommand({ TableName: harness.table.tableName }),
    );
    expect(Items).toEqual([]);
    expect(harness.notifier.alerts).toEqual([]);
    expect(harness.carriers.requestCount()).toBe(0);
    expect(
      output.text().match(/Rejected a malformed \w+ event|Rejected an event that is not a probe schedule/g),
    ).toHaveLength(rejections);
  }

  /** Each problem is `<field path>: <what is wrong>`; one of them names `names` (or a field under it). */
  function expectNamed(problems: string[], names: string): void {
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(problem).toMatch(/^(\(event\)|[A-Za-z][\w.]*): \S/);
    const named = problems.some(
      (problem) => problem.startsWith(`${names}: `) || problem.startsWith(`${names}.`),
    );
    if (!named) throw new Error(`no problem names ${names}: ${problems.join(' | ')}`);
  }

  it('orchestrator', async () => {
    const valid = probeFailoverEvent('us-east-1', T0) as unknown as Record<string, Json>;
    const faults = fc.oneof(
      { weight: 4, arbitrary: withFault(valid, ORCHESTRATOR_FIELDS, [[], ['trigger']]) },
      { weight: 1, arbitrary: notAnObject.map((event): EventFault => ({ event, names: '(event)' })) },
    );
    const samples = fc.sample(faults, { seed: 9, numRuns: 120 });

    for (const { event, names } of samples) {
      const result = await handleOrchestratorEvent(
        event,
        lambdaContext('bad'),
        harness.orchestrator('us-east-1'),
      );
      if (result.status !== 'rejected') throw new Error(`accepted ${JSON.stringify(event)}`);
      expectNamed(result.problems, names);
    }

    await expectNothingHappened(samples.length);
  });

  it('failback', async () => {
    const valid = {
      action: 'approve',
      siteId: 'phx-primary',
      approvedBy: { name: 'jdoe', region: 'us-east-1' },
    } as Record<string, Json>;
    const faults = fc.oneof(
      { weight: 4, arbitrary: withFault(valid, APPROVE_FIELDS, [[], ['approvedBy']]) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<EventFault>(
          { event: { action: 'tick', siteId: '' }, names: 'siteId' },
          { event: { action: 'tick', extra: true }, names: '(event)' },
          { event: { source: 'aws.events', 'detail-type': 'Object Created' }, names: 'action' },
          { event: {}, names: 'action' },
        ),
      },
      { weight: 1, arbitrary: notAnObject.map((event): EventFault => ({ event, names: '(event)' })) },
    );
    const samples = fc.sample(faults, { seed: 10, numRuns: 100 });

    for (const { event, names } of samples) {
      const result = await handleFailbackEvent(event, lambdaContext('bad'), harness.failback('us-east-1'));
      if (result.status !== 'rejected') throw new Error(`accepted ${JSON.stringify(event)}`);
      expectNamed(result.problems, names);
    }

    await expectNothingHappened(samples.length);
  });

  it('probe', async () => {
    const lines: string[] = [];
    const logger = Object.fromEntries(
      (['debug', 'info', 'warn', 'error'] as const).map((level) => [
        level,
        (message: string) => {
          lines.push(message);
          process.stdout.write(`${message}\n`);
        },
      ]),
    ) as unknown as ProbeLogger;
    const deps = {
      deployment: deployment.config.deployment,
      sites: deployment.config.sites,
      settings: deployment.config.detection,
      region: 'us-east-1',
      regions: deployment.config.watchdogRegions,
      clock: new FakeClock(T0),
      probeSite: async () => {
        throw new Error('a rejected event must not probe');
      },
      observations: new DynamoDbObservationStore({
        client: harness.table.documentClient,
        tableName: harness.table.observationTableName,
      }),
      siteHealth: new DynamoDbSiteHealthStore(harness.table.documentClient, harness.table.tableName),
      tripNotifier: {
        notifyTrip: async () => {
          throw new Error('a rejected event must not trip');
        },
      },
      metrics: silentMetrics(),
      logger,
      windowSeconds: 55,
    };
    const junk = fc.oneof(
      notAnObject,
      fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue(), {
        minKeys: 1,
        maxKeys: 3,
      }) as fc.Arbitrary<Json>,
      fc.constantFrom<Json>(
        { source: 'aws.events' },
        { source: 'aws.s3', 'detail-type': 'Scheduled Event' },
        { 'detail-type': 'Scheduled Event' },
        { action: 'tick' },
      ),
    );
    const samples = fc.sample(junk, { seed: 11, numRuns: 80 });

    for (const event of samples) {
      const result = await handleProbeEvent(event, lambdaContext('bad'), deps);
      if (result.status !== 'rejected') throw new Error(`accepted ${JSON.stringify(event)}`);
      expect(result.problems[0]).toBe('expected an EventBridge Scheduled Event (source aws.events) or {}');
    }

    await expectNothingHappened(samples.length);
    expect(lines.filter((line) => line !== 'Rejected an event that is not a probe schedule')).toEqual([]);
  });
});
