import {
  createRowsInStages,
  FIRST_STAGE_ROWS,
  STAGE_GROWTH,
  STAGE_WRITERS,
} from '../../../lambdas/domain/forwarding/staged-rows';
import type { ForwardingStateStore, NumberState } from '../../../lambdas/ports/forwarding-state';
import { InMemoryForwardingStateStore } from './in-memory-state-store';
import { planEntries } from './plan-fixtures';

describe('createRowsInStages', () => {
  it('creates the rows in growing stages and hands each stage over with its stored rows', async () => {
    // Arrange
    const entries = planEntries(1_000);
    const store = new InMemoryForwardingStateStore(() => 0);
    const stages: Array<{ size: number; allHaveRows: boolean }> = [];

    // Act
    await createRowsInStages(store, 'inc-1', entries, (rows, stage) => {
      stages.push({ size: stage.length, allHaveRows: stage.every((entry) => rows.has(entry.number)) });
    });

    // Assert
    expect(stages.map((stage) => stage.size)).toEqual([
      FIRST_STAGE_ROWS,
      FIRST_STAGE_ROWS * STAGE_GROWTH,
      1_000 - FIRST_STAGE_ROWS - FIRST_STAGE_ROWS * STAGE_GROWTH,
    ]);
    expect(stages.every((stage) => stage.allHaveRows)).toBe(true);
    expect(await store.list('inc-1')).toHaveLength(1_000);
  });

  it('hands over the row another run created first, not a fresh one', async () => {
    // Arrange
    const entries = planEntries(3);
    const store = new InMemoryForwardingStateStore(() => 0);
    await store.ensureNumbers('inc-1', [entries[1]]);
    const earlier = await store.update('inc-1', entries[1].number, 0, { status: 'forwarded' });
    let handed: ReadonlyMap<string, NumberState> = new Map();

    // Act
    await createRowsInStages(store, 'inc-1', entries, (rows) => {
      handed = rows;
    });

    // Assert
    expect(handed.get(entries[1].number)).toEqual(earlier);
    expect(handed.get(entries[0].number)).toMatchObject({ status: 'pending' });
  });

  it('calls nothing for an empty list', async () => {
    const store = new InMemoryForwardingStateStore(() => 0);
    const onStage = jest.fn();

    await createRowsInStages(store, 'inc-1', [], onStage);

    expect(onStage).not.toHaveBeenCalled();
  });

  it('creates a stage in several slices at once, and the next stage while the last is listed', async () => {
    // Arrange: every store call takes a turn of the event loop, and logs when it starts and ends.
    const entries = planEntries(FIRST_STAGE_ROWS * 3);
    const inner = new InMemoryForwardingStateStore(() => 0);
    const events: string[] = [];
    let ensuring = 0;
    let mostEnsuring = 0;
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const store: ForwardingStateStore = {
      ensureNumbers: async (incidentId, slice) => {
        ensuring += 1;
        mostEnsuring = Math.max(mostEnsuring, ensuring);
        events.push('ensure start');
        await turn();
        await inner.ensureNumbers(incidentId, slice);
        ensuring -= 1;
      },
      list: async (incidentId) => {
        await turn();
        await turn();
        events.push('list end');
        return inner.list(incidentId);
      },
      get: (incidentId, number) => inner.get(incidentId, number),
      update: (incidentId, number, version, changes) => inner.update(incidentId, number, version, changes),
    };
    const handed: number[] = [];

    // Act
    await createRowsInStages(store, 'inc-1', entries, (_rows, stage) => handed.push(stage.length));

    // Assert
    expect(mostEnsuring).toBe(STAGE_WRITERS);
    expect(events.indexOf('ensure start', STAGE_WRITERS)).toBeLessThan(events.indexOf('list end'));
    expect(handed).toEqual([FIRST_STAGE_ROWS, FIRST_STAGE_ROWS * 2]);
  });
});
