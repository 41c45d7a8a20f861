import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import { ConcurrentModificationError } from '../../../lambdas/contracts/errors';
import type {
  ClaimedNumberState,
  ForwardingStateStore,
  NumberStateChanges,
} from '../../../lambdas/ports/forwarding-state';

const FROZEN = new Set(['incidentId', 'number', 'version']);

/**
 * ForwardingStateStore in memory with the DynamoDB store's semantics (version check, a snapshot is
 * never replaced, `undefined` removes a field), for fast engine tests. Rows are copied in and out
 * so callers cannot change stored state by accident.
 */
export class InMemoryForwardingStateStore implements ForwardingStateStore {
  private readonly rows = new Map<string, ClaimedNumberState>();

  constructor(private readonly now: () => number = () => 0) {}

  async ensureNumbers(incidentId: string, entries: PlanEntry[]): Promise<void> {
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
        updatedAt: this.now(),
        version: 0,
      });
    }
  }

  async list(incidentId: string): Promise<ClaimedNumberState[]> {
    return [...this.rows.values()]
      .filter((row) => row.incidentId === incidentId)
      .sort((a, b) => a.number.localeCompare(b.number))
      .map((row) => structuredClone(row));
  }

  async get(incidentId: string, number: string): Promise<ClaimedNumberState | undefined> {
    const row = this.rows.get(keyOf(incidentId, number));
    return row && structuredClone(row);
  }

  async update(
    incidentId: string,
    number: string,
    expectedVersion: number,
    changes: NumberStateChanges,
  ): Promise<ClaimedNumberState> {
    const key = keyOf(incidentId, number);
    const row = this.rows.get(key);
    if (!row)
      throw new ConcurrentModificationError(`No forwarding state for ${number} in incident ${incidentId}`);
    if (row.version !== expectedVersion) {
      throw new ConcurrentModificationError(
        `Forwarding state of ${number} changed meanwhile (version ${row.version}, expected ${expectedVersion})`,
      );
    }
    if (changes.snapshot !== undefined && row.snapshot !== undefined) {
      throw new ConcurrentModificationError(`A snapshot of ${number} is already saved and is never replaced`);
    }
    const next: Record<string, unknown> = { ...structuredClone(row) };
    for (const [field, value] of Object.entries(changes)) {
      if (FROZEN.has(field)) continue;
      if (value === undefined) delete next[field];
      else next[field] = structuredClone(value);
    }
    next.version = row.version + 1;
    this.rows.set(key, next as unknown as ClaimedNumberState);
    return structuredClone(next) as unknown as ClaimedNumberState;
  }
}

function keyOf(incidentId: string, number: string): string {
  return `${incidentId}\u0000${number}`;
}
