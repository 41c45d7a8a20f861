import { emitIncidentProgress, incidentProgressValues } from '../../lambdas/runtime/incident-metrics';

const WAVES = [10, 25, 50, 100];

describe('incident metrics', () => {
  it('counts the pending numbers as those neither forwarded nor failed, and no failback before it starts', () => {
    const values = incidentProgressValues(
      { numbers: { total: 24, forwarded: 20, failed: 1, restored: 0 } },
      WAVES,
    );

    expect(values.map(({ metric, value }) => [metric.name, metric.unit, value])).toEqual([
      ['NumbersForwarded', 'Count', 20],
      ['NumbersFailed', 'Count', 1],
      ['NumbersPending', 'Count', 3],
    ]);
  });

  it.each([
    [0, 0],
    [1, 10],
    [3, 50],
    [4, 100],
    [7, 100],
  ])('reports failback after %i waves as %i %% of the numbers home', (wavesDone, percent) => {
    const values = incidentProgressValues(
      {
        numbers: { total: 24, forwarded: 24, failed: 0, restored: 0 },
        failback: { startedAt: 0, wavesDone },
      },
      WAVES,
    );

    expect(values.find(({ metric }) => metric.name === 'FailbackWave')).toEqual({
      metric: { name: 'FailbackWave', unit: 'Percent' },
      value: percent,
    });
  });

  it("writes one document under the site's dimensions, at the given time", () => {
    const calls: unknown[][] = [];
    const sink = {
      setTimestamp: (...args: unknown[]) => calls.push(['setTimestamp', ...args]),
      addDimensions: (...args: unknown[]) => calls.push(['addDimensions', ...args]),
      addMetric: (...args: unknown[]) => calls.push(['addMetric', ...args]),
      publishStoredMetrics: () => calls.push(['publishStoredMetrics']),
    };

    emitIncidentProgress(
      sink as never,
      'acme-voice',
      {
        siteId: 'phx-primary',
        numbers: { total: 2, forwarded: 2, failed: 0, restored: 1 },
        failback: { startedAt: 0, wavesDone: 1 },
      },
      [50, 100],
      1_786_524_300_000,
    );

    expect(calls).toEqual([
      ['setTimestamp', 1_786_524_300_000],
      ['addDimensions', { Deployment: 'acme-voice', Site: 'phx-primary' }],
      ['addMetric', 'NumbersForwarded', 'Count', 2],
      ['addMetric', 'NumbersFailed', 'Count', 0],
      ['addMetric', 'NumbersPending', 'Count', 0],
      ['addMetric', 'FailbackWave', 'Percent', 50],
      ['publishStoredMetrics'],
    ]);
  });
});
