/**
 * Joins each number's state row with what the paged routing check found for it, before its
 * carrier's workers take it: a number whose page is in needs no read of its own, so the writes start
 * as the pages arrive. Numbers the check is not asked about (their row already holds a snapshot)
 * go to the workers at once; once the check is over, every row still waiting goes on without one.
 */

import type { NumberWork } from './forward-in-bulk';
import type { CheckedRouting } from './routing-baseline';
import type { WorkQueue } from './work-queue';

/** One carrier's queue, fed when both a number's row and its check (if one is expected) are in. */
export class CheckedWork {
  private readonly waitingRows = new Map<string, NumberWork>();
  private readonly waitingChecks = new Map<string, CheckedRouting>();
  private rowsClosed = false;
  private checksClosed = false;

  /** @param expected The numbers the paged check will report on. */
  constructor(
    readonly queue: WorkQueue<NumberWork>,
    private readonly expected: ReadonlySet<string>,
  ) {}

  /** A number's state row exists (read or just created). */
  offerRow(work: NumberWork): void {
    const checked = this.waitingChecks.get(work.number);
    if (checked) {
      this.waitingChecks.delete(work.number);
      this.queue.push({ ...work, checked });
    } else if (this.checksClosed || !this.expected.has(work.number)) {
      this.queue.push(work);
    } else {
      this.waitingRows.set(work.number, work);
    }
  }

  /** The paged check's finding for a number. */
  offerCheck(number: string, checked: CheckedRouting): void {
    const work = this.waitingRows.get(number);
    if (work) {
      this.waitingRows.delete(number);
      this.queue.push({ ...work, checked });
    } else if (!this.checksClosed) {
      this.waitingChecks.set(number, checked);
    }
  }

  /** The check is over: rows still waiting go on and read on their own. */
  closeChecks(): void {
    this.checksClosed = true;
    for (const work of this.waitingRows.values()) this.queue.push(work);
    this.waitingRows.clear();
    this.closeIfDone();
  }

  /** Every row the run will offer has been offered. */
  closeRows(): void {
    this.rowsClosed = true;
    this.closeIfDone();
  }

  private closeIfDone(): void {
    if (this.rowsClosed && this.checksClosed) this.queue.close();
  }
}
