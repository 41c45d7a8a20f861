/**
 * The whole forwarding path against every carrier at once: the real engine (forwardNumbers and
 * restoreNumbers), the real adapter, the carrier's HTTP fake injecting 30 % seeded faults of every
 * kind it supports, and the DynamoDB state store on dynalite. Time is a fake clock wherever the code
 * takes one (engine waits, bulk-job polling, signatures), so backoffs and Retry-After cost nothing;
 * only the fakes' `slow` answers take real time, kept short with a short client timeout.
 */
import { isDeepStrictEqual } from 'node:util';
import { BandwidthCarrier } from '../../lambdas/adapters/carriers/bandwidth';
import { TelnyxCarrier } from '../../lambdas/adapters/carriers/telnyx';
import { TwilioCarrier } from '../../lambdas/adapters/carriers/twilio';
import { WebhookCarrier } from '../../lambdas/adapters/carriers/webhook';
import { DynamoDbForwardingStateStore } from '../../lambdas/adapters/dynamodb/forwarding-state-store';
import { seededRandom } from '../../lambdas/adapters/local/seeded-random';
import type { PlanEntry } from '../../lambdas/contracts/config/plan-entry';
import type { CarrierName } from '../../lambdas/contracts/config/schema';
import { forwardNumbers } from '../../lambdas/domain/forwarding/forward-numbers';
import { ALREADY_FORWARDED_BEFORE_SNAPSHOT } from '../../lambdas/domain/forwarding/forward-one';
import type { IncidentRunOptions } from '../../lambdas/domain/forwarding/incident-number-run';
import { restoreNumbers } from '../../lambdas/domain/forwarding/restore-numbers';
import type { Carrier } from '../../lambdas/ports/carriers';
import type { ClaimedNumberState } from '../../lambdas/ports/forwarding-state';
import { BandwidthFake } from '../../lib/developer/carrier-fakes/bandwidth-fake';
import {
  ALL_FAULT_KINDS,
  type FakeCarrierOptions,
  type FakeCarrierServer,
} from '../../lib/developer/carrier-fakes/fake-carrier-server';
import { TelnyxFake } from '../../lib/developer/carrier-fakes/telnyx-fake';
import { TwilioFake } from '../../lib/developer/carrier-fakes/twilio-fake';
import { WebhookFake } from '../../lib/developer/carrier-fakes/webhook-fake';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../lib/developer/far-side/local-incident-table';
import { FakeClock } from '../domain/forwarding/fake-clock';

/** North American, so Bandwidth's 10-digit CallForward takes it too. */
const BACKUP = '+12145550000';
const VOICEMAIL = '+13125550199';
const NUMBERS_PER_CARRIER = 30;
/** The client gives up on a `slow` answer long before the fake sends it. */
const CLIENT_TIMEOUT_MS = 150;
const SLOW_ANSWER_MS = 400;

/** One carrier wired for the test: its fake, its adapter, and how to read the fake's state. */
interface CarrierUnderTest {
  fake: FakeCarrierServer;
  carrier: Carrier;
  numbers: string[];
  /** The number's routing at the fake, in the fake's own shape. */
  routingOf(number: string): unknown;
  /** The `settings` a correct snapshot of this pre-outage routing holds. */
  expectedSettings(preOutage: unknown): Record<string, unknown>;
}

/** Everything a carrier's setup needs from the test. */
interface SetupContext {
  clock: FakeClock;
  fakeOptions: FakeCarrierOptions;
  numbers: string[];
}

/** `count` NANP numbers of one area code, distinct per carrier. */
function planNumbers(areaCode: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `+1${areaCode}555${String(1000 + index)}`);
}

const nullable = (value: unknown) => (typeof value === 'string' ? value : null);

const SETUPS: Record<CarrierName, (context: SetupContext) => Promise<CarrierUnderTest>> = {
  async telnyx({ clock, fakeOptions, numbers }) {
    const fake = await new TelnyxFake(fakeOptions).start();
    // Plain numbers, numbers pre-armed to voicemail, numbers with forwarding switched off, and one
    // already forwarding every call to the backup (its original routing is unknowable).
    fake.seedNumbers(
      numbers.map((phoneNumber, index) => ({
        phoneNumber,
        callForwarding:
          index === 0
            ? { forwards_to: BACKUP, forwarding_type: 'always' as const }
            : index % 3 === 1
              ? { forwards_to: VOICEMAIL, forwarding_type: 'on-failure' as const }
              : index % 3 === 2
                ? { call_forwarding_enabled: false, forwards_to: VOICEMAIL }
                : {},
      })),
    );
    return {
      fake,
      numbers,
      carrier: new TelnyxCarrier({
        apiKey: fake.apiKey,
        baseUrl: fake.baseUrl,
        timeoutMs: CLIENT_TIMEOUT_MS,
        now: () => clock.now(),
        sleep: (ms) => clock.sleep(ms),
      }),
      routingOf: (number) => fake.routingOf(number),
      expectedSettings: (preOutage) => {
        const state = preOutage as NonNullable<ReturnType<TelnyxFake['routingOf']>>;
        return { id: state.id, connection_id: state.connection_id, call_forwarding: state.call_forwarding };
      },
    };
  },

  async twilio({ clock, fakeOptions, numbers }) {
    const fake = await new TwilioFake(fakeOptions).start();
    // Answered by a voice URL (with a fallback), by an Elastic SIP trunk (its voice URL ignored
    // meanwhile: the API has no way to empty it again), or by a TwiML application (refused: the API
    // has no way to clear it but a trunk).
    fake.seedNumbers(
      numbers.map((phoneNumber, index) =>
        index % 3 === 0
          ? { phoneNumber, voiceFallbackUrl: 'https://pbx.example.com/fallback' }
          : index % 3 === 1
            ? { phoneNumber, trunkSid: `TK${'1'.repeat(32)}` }
            : { phoneNumber, voiceUrl: null, voiceApplicationSid: `AP${'2'.repeat(32)}` },
      ),
    );
    return {
      fake,
      numbers,
      carrier: new TwilioCarrier({
        accountSid: fake.accountSid,
        authToken: fake.authToken,
        baseUrl: fake.baseUrl,
        trunkingBaseUrl: fake.trunkingBaseUrl,
        timeoutMs: CLIENT_TIMEOUT_MS,
        now: () => clock.now(),
      }),
      routingOf: (number) => fake.routingOf(number),
      expectedSettings: (preOutage) => {
        const state = preOutage as NonNullable<ReturnType<TwilioFake['routingOf']>>;
        return {
          sid: state.sid,
          voice_url: nullable(state.voice_url),
          voice_method: nullable(state.voice_method),
          voice_fallback_url: nullable(state.voice_fallback_url),
          voice_fallback_method: nullable(state.voice_fallback_method),
          trunk_sid: nullable(state.trunk_sid),
          voice_application_sid: nullable(state.voice_application_sid),
        };
      },
    };
  },

  async bandwidth({ clock, fakeOptions, numbers }) {
    const fake = await new BandwidthFake(fakeOptions).start();
    // Two SIP peers, some numbers already forwarded elsewhere, one already forwarded to the backup.
    fake.seedNumbers(
      numbers.map((phoneNumber, index) => ({
        phoneNumber,
        ...(index % 2 === 1 ? { siteId: '480', sipPeerId: '500015' } : {}),
        callForward: index === 0 ? BACKUP.slice(2) : index % 3 === 1 ? VOICEMAIL.slice(2) : null,
      })),
    );
    return {
      fake,
      numbers,
      carrier: new BandwidthCarrier({
        accountId: fake.accountId,
        username: fake.username,
        password: fake.password,
        baseUrl: fake.baseUrl,
        timeoutMs: CLIENT_TIMEOUT_MS,
        now: () => clock.now(),
        sleep: (ms) => clock.sleep(ms),
      }),
      routingOf: (number) => fake.routingOf(number),
      expectedSettings: (preOutage) => ({ ...(preOutage as Record<string, unknown>) }),
    };
  },

  async webhook({ clock, fakeOptions, numbers }) {
    const fake = await new WebhookFake(fakeOptions).start();
    fake.seedNumbers(
      numbers.map((phoneNumber, index) => ({
        phoneNumber,
        settings: {
          route: `sip:pbx@sbc${1 + (index % 2)}.example.net`,
          trunk: index % 2 === 0 ? 'primary' : 'east',
        },
        ...(index === 0
          ? { forwardsTo: BACKUP, mode: 'always' as const }
          : index % 3 === 1
            ? { forwardsTo: VOICEMAIL, mode: 'on-failure' as const }
            : {}),
      })),
    );
    let requestId = 0;
    return {
      fake,
      numbers,
      carrier: new WebhookCarrier({
        baseUrl: fake.url,
        signingSecret: fake.signingSecret,
        timeoutMs: CLIENT_TIMEOUT_MS,
        now: () => clock.now(),
        requestId: () => {
          requestId += 1;
          return `request-${String(requestId).padStart(6, '0')}`;
        },
      }),
      routingOf: (number) => fake.routingOf(number),
      expectedSettings: (preOutage) => ({
        ...((preOutage as NonNullable<ReturnType<WebhookFake['routingOf']>>).settings as Record<
          string,
          unknown
        >),
      }),
    };
  },
};

const CASES: Array<[CarrierName, string, number]> = [
  ['telnyx', '602', 101],
  ['twilio', '415', 202],
  ['bandwidth', '303', 303],
  ['webhook', '512', 404],
];

let table: LocalIncidentTable;
beforeEach(async () => {
  table = await startLocalIncidentTable();
});
afterEach(async () => {
  await table.stop();
});

describe('forwarding through each carrier adapter and its HTTP fake under 30 % faults', () => {
  it.each(CASES)(
    '%s: every number ends forwarded or failed with a reason, none applied twice, snapshots equal the pre-outage routing, and restore puts every number back exactly',
    async (name, areaCode, seed) => {
      // Arrange
      const clock = new FakeClock();
      const under = await SETUPS[name]({
        clock,
        numbers: planNumbers(areaCode, NUMBERS_PER_CARRIER),
        fakeOptions: {
          faultRate: 0.3,
          faultKinds: ALL_FAULT_KINDS,
          seed,
          latencyMs: [0, 2],
          slowMs: SLOW_ANSWER_MS,
          now: () => clock.now(),
        },
      });
      try {
        const { fake, carrier, numbers } = under;
        const preOutage = new Map(numbers.map((number) => [number, under.routingOf(number)]));
        const entries: PlanEntry[] = numbers.map((number) => ({
          number,
          carrier: name,
          siteId: 'phx-primary',
          forwardTo: BACKUP,
        }));
        const store = new DynamoDbForwardingStateStore(table.documentClient, table.tableName, {
          now: () => clock.now(),
        });
        const run: Omit<IncidentRunOptions, 'runId'> = {
          incidentId: `inc-${name}`,
          carriers: { [name]: carrier },
          store,
          clock,
          random: seededRandom(seed),
          limits: { [name]: { rateLimitPerSecond: 1000, maxConcurrency: 8 } },
          retry: { baseDelayMs: 50, maxDelayMs: 2000, maxAttemptsPerNumber: 12, retryBudget: 10_000 },
        };

        // Act: fail over
        const summary = await forwardNumbers({ ...run, runId: `forward-${name}`, entries });

        // Assert: every number settled, with a reason when it failed
        expect(summary.pending).toBe(0);
        expect(summary.forwarded + summary.failed.length).toBe(NUMBERS_PER_CARRIER);
        expect(summary.retries).toBeGreaterThan(0);
        expect(summary.forwarded).toBeGreaterThan(NUMBERS_PER_CARRIER / 2);
        const rows = (await store.list(run.incidentId)) as ClaimedNumberState[];
        expect(rows).toHaveLength(NUMBERS_PER_CARRIER);
        for (const row of rows) {
          expect({ number: row.number, status: row.status }).toEqual({
            number: row.number,
            status: expect.stringMatching(/^(forwarded|failed)$/),
          });
          if (row.status === 'failed') expect(row.lastError).toEqual(expect.stringMatching(/\S/));
          else expect(under.routingOf(row.number)).not.toEqual(preOutage.get(row.number));
        }
        // ...none applied twice, by the fake's own write log
        const forwardWrites = new Map(numbers.map((number) => [number, fake.writesTo(number)]));
        expect(numbers.filter((number) => (forwardWrites.get(number) ?? 0) > 1)).toEqual([]);
        // ...every saved snapshot is the routing the number had before the outage
        for (const row of rows.filter((candidate) => candidate.snapshot !== undefined)) {
          expect({ number: row.number, settings: row.snapshot?.settings }).toEqual({
            number: row.number,
            settings: under.expectedSettings(preOutage.get(row.number)),
          });
        }
        // ...and a number already forwarded to the backup was refused, never snapshotted as "original"
        // (not seeded for Twilio, whose forwarding lives in an Echo TwiML URL only the adapter builds)
        if (name !== 'twilio') {
          const preForwarded = rows.find((row) => row.number === numbers[0]);
          expect(preForwarded).toMatchObject({
            status: 'failed',
            lastError: ALREADY_FORWARDED_BEFORE_SNAPSHOT,
          });
          expect(preForwarded?.snapshot).toBeUndefined();
        }

        // Act: fail back, running again for whatever a pass could not finish (as an operator would)
        for (let pass = 1; pass <= 3; pass++) {
          const restored = await restoreNumbers({ ...run, runId: `restore-${name}-${pass}`, numbers });
          if (restored.failed.length === 0 && restored.pending === 0) break;
        }

        // Assert: every number is back exactly as it was, restored at most once
        expect(
          numbers.filter((number) => !isDeepStrictEqual(under.routingOf(number), preOutage.get(number))),
        ).toEqual([]);
        expect(
          numbers.filter((number) => fake.writesTo(number) - (forwardWrites.get(number) ?? 0) > 1),
        ).toEqual([]);
        expect(fake.violations).toEqual([]);
        // Arrival order decides which request draws which fault, so count kinds, not exact faults.
        const faultKinds = new Set(fake.requests.flatMap((entry) => (entry.fault ? [entry.fault] : [])));
        expect(faultKinds.size).toBeGreaterThanOrEqual(6);
      } finally {
        await under.fake.stop();
      }
    },
  );
});
