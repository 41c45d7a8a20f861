import {
  createRowsInStages,
  FIRST_STAGE_ROWS,
  STAGE_GROWTH,
} from '../../../lambdas/domain/forwarding/staged-rows';
import type { NumberState } from '../../../lambdas/ports/forwarding-state';
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
});
