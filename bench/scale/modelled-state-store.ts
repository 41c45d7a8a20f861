/**
 * The forwarding engine's per-number store for the scale bench: a Map with the DynamoDB store's
 * semantics (version check, a snapshot is never replaced, `undefined` removes a field), sleeping a
 * modelled DynamoDB latency on the virtual clock for each call instead of a real table round trip.
 * dynalite would take hours of real time for a 100,000-number run's million calls; the incident,
 * read-back and detection stores stay on dynalite (a few hundred calls a run).
 */
import type { PlanEntry } from '../../lambdas/contracts/config/plan-entry';
import { ConcurrentModificationError } from '../../lambdas/contracts/errors';
import type { Clock, Random } from '../../lambdas/ports/clock';
import type {
  ClaimedNumberState,
  ForwardingStateStore,
  NumberStateChanges,
} from '../../lambdas/ports/forwarding-state';

/** What a DynamoDB call costs, and how the real store batches its calls. */
export interface ModelledLatency {
  /** One call's round trip, ms, drawn uniformly in the range. @default [5, 10] */
  readonly callMs?: readonly [number, number];
  /** Puts the real store's ensureNumbers keeps in flight (DynamoDbForwardingStateStore's writeConcurrency). @default 16 */
  readonly writeConcurrency?: number;
  /** Rows one consistent Query page returns (1 MB at about 400 bytes a row). @default 2500 */
  readonly rowsPerPage?: number;
}

const FROZEN = new Set(['incidentId', 'number', 'version']);

/** See the module comment. */
export class ModelledStateStore implements ForwardingStateStore {
  private readonly rows = new Map<string, ClaimedNumberState>();
  private readonly callMs: readonly [number, number];
  private readonly writeConcurrency: number;
  private readonly rowsPerPage: number;
  /** Calls made, by kind, for the report. */
  readonly calls = { ensure: 0, list: 0, get: 0, update: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    latency: ModelledLatency = {},
  ) {
    this.callMs = latency.callMs ?? [5, 10];
    this.writeConcurrency = latency.writeConcurrency ?? 16;
    this.rowsPerPage = latency.rowsPerPage ?? 2500;
  }

  async ensureNumbers(incidentId: string, entries: PlanEntry[]): Promise<void> {
    this.calls.ensure += entries.length;
    // One conditional Put a row, `writeConcurrency` at a time: a round trip per wave of them.
    await this.roundTrips(Math.ceil(entries.length / this.writeConcurrency));
    const updatedAt = this.clock.now();
    for (const entry of entries) {
      const key = keyOf(incidentId, entry.number);
      if (this.rows.has(key)) continue;
      this.rows.set(key, {
        incidentId,
        number: entry.number,
        carrier: entry.carrier,
        siteId: entry.siteId,
        forwardTo: entry.forwardTo,
        status: 'pending',
        attempts: 0,
        appliedWrites: 0,
        updatedAt,
        version: 0,
      });
    }
  }

  async list(incidentId: string): Promise<ClaimedNumberState[]> {
    this.calls.list++;
    const rows = [...this.rows.values()].filter((row) => row.incidentId === incidentId);
    await this.roundTrips(Math.max(1, Math.ceil(rows.length / this.rowsPerPage)));
    return rows.sort((a, b) => a.number.localeCompare(b.number)).map((row) => structuredClone(row));
  }

  async get(incidentId: string, number: string): Promise<ClaimedNumberState | undefined> {
    this.calls.get++;
    await this.roundTrips(1);
    const row = this.rows.get(keyOf(incidentId, number));
    return row && structuredClone(row);
  }

  async update(
    incidentId: string,
    number: string,
    expectedVersion: number,
    changes: NumberStateChanges,
  ): Promise<ClaimedNumberState> {
    this.calls.update++;
    await this.roundTrips(1);
    // Checked after the round trip, as DynamoDB checks the condition when the write arrives.
    const row = this.rows.get(keyOf(incidentId, number));
    if (!row) {
      throw new ConcurrentModificationError(`No forwarding state for ${number} in incident ${incidentId}`);
    }
    if (row.version !== expectedVersion) {
      throw new ConcurrentModificationError(
        `Forwarding state of ${number} changed meanwhile (version ${row.version}, expected ${expectedVersion})`,
      );
    }
    if (changes.snapshot !== undefined && row.snapshot !== undefined) {
      throw new ConcurrentModificationError(`A snapshot of ${number} is already saved and is never replaced`);
    }
    const next: Record<string, unknown> = { ...row };
    for (const [field, value] of Object.entries(changes)) {
      if (FROZEN.has(field)) continue;
      if (value === undefined) delete next[field];
      else next[field] = structuredClone(value);
    }
    next.version = row.version + 1;
    const stored = next as unknown as ClaimedNumberState;
    this.rows.set(keyOf(incidentId, number), stored);
    return structuredClone(stored);
  }

  private roundTrips(count: number): Promise<void> {
    const [min, max] = this.callMs;
    let ms = 0;
    for (let trip = 0; trip < count; trip++) ms += min + this.random() * (max - min);
    return this.clock.sleep(ms);
  }
}

function keyOf(incidentId: string, number: string): string {
  return `${incidentId}\u0000${number}`;
}
