import type { ForwardMode } from '../../../lambdas/contracts/config/plan-entry';
import type { CarrierName } from '../../../lambdas/contracts/config/schema';
import { CarrierError } from '../../../lambdas/contracts/errors';
import type {
  BulkItemOutcome,
  Carrier,
  ForwardRequest,
  RoutingSnapshot,
} from '../../../lambdas/ports/carriers';
import type { Clock, Random } from '../../../lambdas/ports/clock';

/**
 * Ways a call can go wrong:
 * - `rate-limited`: 429 with Retry-After, not applied (carriers document 429 as never processed);
 * - `server-error`: 500, not applied;
 * - `server-error-after-apply`: the change is applied, then 503 comes back;
 * - `timeout-after-apply`: the change is applied, the answer is lost (accepted but errored);
 * - `reset`: the connection resets before the carrier saw the request;
 * - `permanent`: 422, not applied, not retryable.
 */
export type FaultKind =
  | 'rate-limited'
  | 'server-error'
  | 'server-error-after-apply'
  | 'timeout-after-apply'
  | 'reset'
  | 'permanent';

/** Every fault kind, the default mix. */
export const ALL_FAULT_KINDS: readonly FaultKind[] = [
  'rate-limited',
  'server-error',
  'server-error-after-apply',
  'timeout-after-apply',
  'reset',
  'permanent',
];

/** Faults that can happen to a read (nothing to apply, and a read is never refused for good). */
const READ_FAULT_KINDS: readonly FaultKind[] = ['rate-limited', 'server-error', 'reset'];

/** The carrier calls the double logs. */
export type CarrierOperation = 'read' | 'forward' | 'restore' | 'forward-many';

/** Hooks to inject crashes at precise points; a hook that throws aborts the call with its error. */
export interface CarrierHooks {
  /** Before anything happens in a call. */
  beforeCall?: (operation: CarrierOperation, numbers: string[]) => void;
  /** Inside a bulk call, right after item `index` was applied. */
  afterBulkItem?: (number: string, index: number) => void;
}

/** How an InMemoryCarrier behaves; every field is optional. */
export interface InMemoryCarrierOptions {
  name?: CarrierName;
  /** Drives fault injection; give a seeded one. */
  random?: Random;
  /** Share of write calls (forward, restore, bulk) that fail. @default 0 */
  faultRate?: number;
  /** Share of reads that fail. @default faultRate */
  readFaultRate?: number;
  /** Kinds of write faults, picked uniformly. @default ALL_FAULT_KINDS */
  faultKinds?: readonly FaultKind[];
  /** Share of items inside a successful bulk call that fail alone (500, not applied). @default faultRate */
  bulkItemFaultRate?: number;
  /** Retry-After sent with 429. @default 1000 */
  retryAfterMs?: number;
  /** Numbers whose writes are always refused (422). */
  permanentlyFailing?: Iterable<string>;
  /** Enables forwardMany with this many numbers a call. */
  bulkLimit?: number;
  /** Modes the carrier supports. @default ['always', 'on-failure'] */
  forwardModes?: readonly ForwardMode[];
  /** Call timestamps come from here. */
  clock?: Clock;
  /** Virtual time each call takes (through the clock), so concurrency can be observed. @default 0 */
  latencyMs?: number;
  /** Virtual time a write takes, when writes are slower than reads. @default latencyMs */
  writeLatencyMs?: number;
  hooks?: CarrierHooks;
}

/** One call as the carrier saw it. */
export interface CarrierCall {
  operation: CarrierOperation;
  numbers: string[];
  at: number;
  fault?: FaultKind;
}

/** One write as the carrier saw it; `accepted` means the change was applied (whatever was answered). */
export interface WriteRecord {
  number: string;
  operation: 'forward' | 'restore';
  accepted: boolean;
  mode?: ForwardMode;
  destination?: string;
}

/** The routing a test gives a number before the outage. */
export interface InitialRouting {
  forwardsTo: string | null;
  mode: ForwardMode | null;
}

/** The in-memory carrier's own shape of settings, Telnyx-like. */
interface Settings {
  connectionId: string;
  callForwarding: { enabled: boolean; forwardsTo: string | null; type: ForwardMode | null };
  [key: string]: unknown;
}

/**
 * An in-memory Carrier (the port) with seeded fault injection, a per-number write log and optional
 * bulk support. Good for testing engines; the HTTP fakes check the real wire formats.
 */
export class InMemoryCarrier implements Carrier {
  readonly name: CarrierName;
  readonly bulkLimit?: number;
  readonly forwardModes: readonly ForwardMode[];
  forwardMany?: (requests: ForwardRequest[]) => Promise<BulkItemOutcome[]>;
  readonly calls: CarrierCall[] = [];
  readonly writes: WriteRecord[] = [];
  inFlight = 0;
  maxInFlight = 0;
  hooks: CarrierHooks;
  private readonly numbers = new Map<string, Settings>();
  private readonly scripted = new Map<string, FaultKind[]>();
  private readonly permanentlyFailing: Set<string>;
  private random: Random;
  private readonly options: InMemoryCarrierOptions;

  constructor(options: InMemoryCarrierOptions = {}) {
    this.options = { ...options };
    this.name = options.name ?? 'telnyx';
    this.forwardModes = options.forwardModes ?? ['always', 'on-failure'];
    this.random = options.random ?? (() => 0.5);
    this.permanentlyFailing = new Set(options.permanentlyFailing ?? []);
    this.hooks = options.hooks ?? {};
    if (options.bulkLimit) {
      this.bulkLimit = options.bulkLimit;
      this.forwardMany = (requests) => this.bulkForward(requests);
    }
  }

  /** Adds numbers with their pre-outage routing (not forwarded unless said). */
  addNumbers(numbers: Iterable<string>, initial: InitialRouting = { forwardsTo: null, mode: null }): void {
    for (const number of numbers) {
      this.numbers.set(number, {
        connectionId: `conn-${number.slice(-3)}`,
        callForwarding: {
          enabled: initial.forwardsTo !== null,
          forwardsTo: initial.forwardsTo,
          type: initial.mode,
        },
      });
    }
  }

  /** Changes fault injection from now on (e.g. a clean failover, then a flaky failback). */
  configureFaults(
    faults: Pick<
      InMemoryCarrierOptions,
      'faultRate' | 'readFaultRate' | 'faultKinds' | 'bulkItemFaultRate'
    > & {
      random?: Random;
    },
  ): void {
    const { random, ...rest } = faults;
    Object.assign(this.options, rest);
    if (random) this.random = random;
  }

  /**
   * Makes the next calls of `operation` on `number` fail with `faults`, in order, before any random
   * fault is drawn (a `read` script applies to readRouting).
   */
  scriptFaults(number: string, operation: 'read' | 'forward' | 'restore', faults: FaultKind[]): void {
    this.scripted.set(`${operation} ${number}`, [...faults]);
  }

  /** The number's routing now, without faults or logging (for assertions). */
  routingOf(number: string): RoutingSnapshot {
    return this.snapshotOf(number, this.settingsOf(number));
  }

  /** Writes the carrier applied for a number (optionally of one operation). */
  acceptedWrites(number: string, operation?: WriteRecord['operation']): number {
    return this.writes.filter(
      (write) => write.number === number && write.accepted && (!operation || write.operation === operation),
    ).length;
  }

  async readRouting(number: string): Promise<RoutingSnapshot> {
    return this.around('read', [number], READ_FAULT_KINDS, this.options.readFaultRate, async (fault) => {
      this.throwIfFaultBeforeApply(fault);
      return this.routingOf(number);
    });
  }

  async forward(request: ForwardRequest): Promise<void> {
    await this.around(
      'forward',
      [request.number],
      this.faultKinds(),
      this.options.faultRate,
      async (fault) => {
        this.refusePermanently(request.number, 'forward');
        this.throwIfFaultBeforeApply(fault, request.number, 'forward');
        this.applyForward(request);
        this.throwIfFaultAfterApply(fault);
      },
    );
  }

  async restore(snapshot: RoutingSnapshot): Promise<void> {
    await this.around(
      'restore',
      [snapshot.number],
      this.faultKinds(),
      this.options.faultRate,
      async (fault) => {
        this.refusePermanently(snapshot.number, 'restore');
        this.throwIfFaultBeforeApply(fault, snapshot.number, 'restore');
        this.settingsOf(snapshot.number);
        this.numbers.set(snapshot.number, structuredClone(snapshot.settings) as Settings);
        this.writes.push({ number: snapshot.number, operation: 'restore', accepted: true });
        this.throwIfFaultAfterApply(fault);
      },
    );
  }

  private async bulkForward(requests: ForwardRequest[]): Promise<BulkItemOutcome[]> {
    if (requests.length > (this.bulkLimit ?? 0)) {
      throw new CarrierError(this.name, `bulk job of ${requests.length} numbers exceeds ${this.bulkLimit}`, {
        retryable: false,
        status: 422,
      });
    }
    const numbers = requests.map((request) => request.number);
    return this.around(
      'forward-many',
      numbers,
      this.wholeBulkFaultKinds(),
      this.options.faultRate,
      async (fault) => {
        this.throwIfFaultBeforeApply(fault);
        const itemFaultRate = this.options.bulkItemFaultRate ?? this.options.faultRate ?? 0;
        const outcomes: BulkItemOutcome[] = [];
        requests.forEach((request, index) => {
          if (this.permanentlyFailing.has(request.number)) {
            this.writes.push({ number: request.number, operation: 'forward', accepted: false });
            outcomes.push({ number: request.number, ok: false, error: this.refusal(request.number) });
          } else if (this.random() < itemFaultRate) {
            this.writes.push({ number: request.number, operation: 'forward', accepted: false });
            const error = new CarrierError(this.name, `job item ${request.number} failed`, {
              retryable: true,
              status: 500,
            });
            outcomes.push({ number: request.number, ok: false, error });
          } else {
            this.applyForward(request);
            outcomes.push({ number: request.number, ok: true });
          }
          this.hooks.afterBulkItem?.(request.number, index);
        });
        this.throwIfFaultAfterApply(fault);
        return outcomes;
      },
    );
  }

  private async around<T>(
    operation: CarrierOperation,
    numbers: string[],
    kinds: readonly FaultKind[],
    rate: number | undefined,
    body: (fault: FaultKind | undefined) => Promise<T>,
  ): Promise<T> {
    this.hooks.beforeCall?.(operation, numbers);
    const faultRate = rate ?? this.options.faultRate ?? 0;
    const script = numbers.length === 1 ? this.scripted.get(`${operation} ${numbers[0]}`) : undefined;
    const fault = script?.length
      ? script.shift()
      : kinds.length > 0 && this.random() < faultRate
        ? kinds[Math.floor(this.random() * kinds.length)]
        : undefined;
    this.calls.push({ operation, numbers, at: this.options.clock?.now() ?? 0, fault });
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const latencyMs =
        operation === 'read'
          ? this.options.latencyMs
          : (this.options.writeLatencyMs ?? this.options.latencyMs);
      if (latencyMs && this.options.clock) await this.options.clock.sleep(latencyMs);
      return await body(fault);
    } finally {
      this.inFlight -= 1;
    }
  }

  private applyForward(request: ForwardRequest): void {
    const settings = this.settingsOf(request.number);
    settings.callForwarding = { enabled: true, forwardsTo: request.destination, type: request.mode };
    this.writes.push({
      number: request.number,
      operation: 'forward',
      accepted: true,
      mode: request.mode,
      destination: request.destination,
    });
  }

  private refusePermanently(number: string, operation: WriteRecord['operation']): void {
    if (!this.permanentlyFailing.has(number)) return;
    this.writes.push({ number, operation, accepted: false });
    throw this.refusal(number);
  }

  private refusal(number: string): CarrierError {
    return new CarrierError(
      this.name,
      `422 number ${number} cannot be changed: it is locked by a port order`,
      {
        retryable: false,
        status: 422,
      },
    );
  }

  /** Throws the fault's error when the fault means the carrier refused or never saw the request. */
  private throwIfFaultBeforeApply(
    fault: FaultKind | undefined,
    number?: string,
    operation?: WriteRecord['operation'],
  ): void {
    const error = this.errorBeforeApply(fault);
    if (!error) return;
    if (number && operation) this.writes.push({ number, operation, accepted: false });
    throw error;
  }

  private errorBeforeApply(fault: FaultKind | undefined): CarrierError | undefined {
    switch (fault) {
      case 'rate-limited':
        return new CarrierError(this.name, '429 Too Many Requests', {
          retryable: true,
          status: 429,
          code: '10011',
          retryAfterMs: this.options.retryAfterMs ?? 1_000,
        });
      case 'server-error':
        return new CarrierError(this.name, '500 Internal Server Error', { retryable: true, status: 500 });
      case 'reset':
        return new CarrierError(this.name, 'socket hang up (ECONNRESET)', { retryable: true });
      case 'permanent':
        return new CarrierError(this.name, '422 destination rejected', { retryable: false, status: 422 });
      default:
        return undefined;
    }
  }

  private throwIfFaultAfterApply(fault: FaultKind | undefined): void {
    if (fault === 'timeout-after-apply') {
      throw new CarrierError(this.name, 'request timed out after 10000 ms', { retryable: true });
    }
    if (fault === 'server-error-after-apply') {
      throw new CarrierError(this.name, '503 Service Unavailable', { retryable: true, status: 503 });
    }
  }

  private faultKinds(): readonly FaultKind[] {
    return this.options.faultKinds ?? ALL_FAULT_KINDS;
  }

  /** A whole bulk job is refused or lost; "permanent" stays per item. */
  private wholeBulkFaultKinds(): readonly FaultKind[] {
    return this.faultKinds().filter((kind) => kind !== 'permanent');
  }

  private settingsOf(number: string): Settings {
    const settings = this.numbers.get(number);
    if (!settings) {
      throw new CarrierError(this.name, `404 number ${number} is not on this account`, {
        retryable: false,
        status: 404,
      });
    }
    return settings;
  }

  private snapshotOf(number: string, settings: Settings): RoutingSnapshot {
    const forwarding = settings.callForwarding;
    return {
      carrier: this.name,
      number,
      settings: structuredClone(settings),
      forwardsTo: forwarding.enabled ? forwarding.forwardsTo : null,
      mode: forwarding.enabled ? forwarding.type : null,
    };
  }
}
