/**
 * A ForwardingStateStore decorator that times every call, so the benchmark can say how much of a
 * run the engine spent waiting on DynamoDB (setup before the first carrier call included).
 */

import type { PlanEntry } from '../../lambdas/contracts/config/plan-entry';
import type { ForwardingStateStore, NumberState } from '../../lambdas/ports/forwarding-state';

/** Time spent in the store, by call. */
export interface StoreTimings {
  ensureNumbersMs: number;
  listMs: number;
  updates: number;
  /** Summed over calls, so it exceeds wall time when calls overlap. */
  updateMs: number;
  gets: number;
  getMs: number;
}

/** Delegates to `inner` and times each call. */
export class TimedStateStore implements ForwardingStateStore {
  readonly timings: StoreTimings = {
    ensureNumbersMs: 0,
    listMs: 0,
    updates: 0,
    updateMs: 0,
    gets: 0,
    getMs: 0,
  };

  constructor(private readonly inner: ForwardingStateStore) {}

  async ensureNumbers(incidentId: string, entries: PlanEntry[]): Promise<void> {
    const started = performance.now();
    await this.inner.ensureNumbers(incidentId, entries);
    this.timings.ensureNumbersMs += performance.now() - started;
  }

  async list(incidentId: string): Promise<NumberState[]> {
    const started = performance.now();
    try {
      return await this.inner.list(incidentId);
    } finally {
      this.timings.listMs += performance.now() - started;
    }
  }

  async get(incidentId: string, number: string): Promise<NumberState | undefined> {
    const started = performance.now();
    try {
      return await this.inner.get(incidentId, number);
    } finally {
      this.timings.gets += 1;
      this.timings.getMs += performance.now() - started;
    }
  }

  async update(
    incidentId: string,
    number: string,
    expectedVersion: number,
    changes: Parameters<ForwardingStateStore['update']>[3],
  ): Promise<NumberState> {
    const started = performance.now();
    try {
      return await this.inner.update(incidentId, number, expectedVersion, changes);
    } finally {
      this.timings.updates += 1;
      this.timings.updateMs += performance.now() - started;
    }
  }
}
