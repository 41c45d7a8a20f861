import { CarrierAuthError, CarrierError } from '../../../lambdas/contracts/errors';
import { describeCarrierProblem, practiceCanary } from '../../../lambdas/domain/practice/canary-practice';
import type { ForwardingStateStore } from '../../../lambdas/ports/forwarding-state';
import { FakeClock } from '../forwarding/fake-clock';
import { InMemoryCarrier } from '../forwarding/in-memory-carrier';
import { InMemoryForwardingStateStore } from '../forwarding/in-memory-state-store';

const CANARY = { number: '+16025559900', forwardTo: '+12145559900' };
const ORIGINAL = { forwardsTo: '+19995550000', mode: 'on-failure' as const };

function setup(options: { store?: (store: InMemoryForwardingStateStore) => ForwardingStateStore } = {}) {
  const clock = new FakeClock();
  const carrier = new InMemoryCarrier({ name: 'telnyx', clock, latencyMs: 5 });
  carrier.addNumbers([CANARY.number], ORIGINAL);
  const memory = new InMemoryForwardingStateStore(() => clock.now());
  const input = {
    incidentId: 'practice-20261124T150000Z',
    siteId: 'practice',
    carrier: 'telnyx' as const,
    canary: CANARY,
    adapter: carrier,
    numbers: options.store ? options.store(memory) : memory,
    clock,
    random: () => 0.5,
    limits: { telnyx: { rateLimitPerSecond: 100, maxConcurrency: 2 } },
    runId: 'practice-run-1',
  };
  return { carrier, input, memory };
}

describe('practiceCanary', () => {
  it('forwards, verifies, restores and verifies the canary, timing each step', async () => {
    const { carrier, input } = setup();
    const steps: string[] = [];

    const result = await practiceCanary({
      ...input,
      onStep: (step, _ms, ok) => void steps.push(`${step}:${ok}`),
    });

    expect(result).toMatchObject({ passed: true, restored: true, credentialsRejected: false, problems: [] });
    expect(steps).toEqual([
      'read:true',
      'forward:true',
      'verify-forward:true',
      'restore:true',
      'verify-restore:true',
    ]);
    expect(Object.values(result.durationsMs).every((ms) => ms !== undefined && ms >= 0)).toBe(true);
    expect(result.durationsMs.forward).toBeGreaterThan(0);
    expect(carrier.acceptedWrites(CANARY.number, 'forward')).toBe(1);
    expect(carrier.acceptedWrites(CANARY.number, 'restore')).toBe(1);
    expect(carrier.routingOf(CANARY.number)).toMatchObject(ORIGINAL);
  });

  it('restores the canary straight through the adapter when the state store fails after the forward', async () => {
    const { carrier, input } = setup({
      store: (memory) =>
        Object.assign(Object.create(memory), {
          update: async (...args: Parameters<ForwardingStateStore['update']>) => {
            if (args[3].status === 'restoring') throw new Error('ProvisionedThroughputExceededException');
            return memory.update(...args);
          },
        }),
    });

    const result = await practiceCanary(input);

    expect(result.restored).toBe(true);
    expect(result.passed).toBe(false);
    expect(result.problems).toEqual([
      expect.stringContaining(
        'telnyx: the failback engine failed (Error: ProvisionedThroughputExceededException)',
      ),
    ]);
    expect(carrier.routingOf(CANARY.number)).toMatchObject(ORIGINAL);
  });

  it('names a canary it could not restore, with the routing to put back by hand', async () => {
    const { carrier, input } = setup();
    carrier.scriptFaults(CANARY.number, 'restore', Array(40).fill('permanent'));

    const result = await practiceCanary(input);

    expect(result).toMatchObject({ passed: false, restored: false });
    expect(result.problems.at(-1)).toBe(
      `telnyx: canary ${CANARY.number} is NOT restored (now forwarding every call to ${CANARY.forwardTo}); put it back by hand: forwarding on failure to ${ORIGINAL.forwardsTo}`,
    );
  });

  it('refuses a canary that is already forwarded before the run, writing nothing', async () => {
    const { carrier, input } = setup();
    await carrier.forward({ number: CANARY.number, destination: CANARY.forwardTo, mode: 'always' });
    const before = carrier.writes.length;

    const result = await practiceCanary(input);

    expect(result.passed).toBe(false);
    expect(result.problems[0]).toContain('telnyx: already forwarded before snapshot');
    expect(carrier.writes).toHaveLength(before);
  });
});

describe('describeCarrierProblem', () => {
  it.each([
    [
      new CarrierAuthError('telnyx', 'rejected', { status: 401 }),
      'telnyx: 401 from the API, credential rejected',
    ],
    [
      new CarrierAuthError('telnyx', 'secret "x" does not exist in this region'),
      'telnyx: secret "x" does not exist in this region',
    ],
    [
      new CarrierError('telnyx', 'boom', { retryable: true, status: 503 }),
      'telnyx: 503 from the API while forwarding',
    ],
    [
      new CarrierError('telnyx', 'connect ECONNREFUSED', { retryable: true }),
      'telnyx: API unreachable while forwarding (connect ECONNREFUSED)',
    ],
    [
      new CarrierError('telnyx', 'number not on account', { retryable: false, status: 404 }),
      'telnyx: 404 from the API while forwarding (number not on account)',
    ],
    [undefined, 'telnyx: the engine said so'],
  ])('words %p as one line naming the broken piece', (error, expected) => {
    expect(describeCarrierProblem('telnyx', error, 'forwarding', 'the engine said so')).toBe(expected);
  });
});
