import { detectionSchema } from '../../../lambdas/contracts/config/schema';
import { resolveReplaySettings } from '../../../lib/operator/replay/replay-settings';

const CONFIG = detectionSchema.parse({});

describe('resolveReplaySettings', () => {
  it("takes the config's settings and overrides each one its flag gives", () => {
    const resolved = resolveReplaySettings(
      CONFIG,
      { quorum: '3', recoveryHoldMinutes: '0' },
      3,
      'config/example.yaml',
    );

    expect(resolved.problems).toEqual([]);
    expect(resolved.settings).toEqual({
      probeIntervalSeconds: 10,
      failuresToTrip: 3,
      quorum: 3,
      recoveryHoldMinutes: 0,
      probeTimeoutMs: 2000,
    });
    expect(resolved.sources).toEqual({
      quorum: '--quorum',
      failuresToTrip: 'config',
      recoveryHoldMinutes: '--recovery-hold-minutes',
      probeIntervalSeconds: 'config',
    });
  });

  it("checks every flag with the config schema's rule for its field and names the flag", () => {
    const resolved = resolveReplaySettings(
      CONFIG,
      { quorum: '0', failuresToTrip: 'three', recoveryHoldMinutes: '2.5', probeIntervalSeconds: '' },
      3,
      'config/example.yaml',
    );

    expect(resolved.problems).toEqual([
      '--quorum: expected an integer 1-10, got 0',
      '--failures-to-trip: expected an integer 1-20, got "three"',
      '--recovery-hold-minutes: expected an integer 0-240, got 2.5',
      '--interval-seconds: expected an integer 5-60, got ""',
    ]);
  });

  it('refuses a quorum above the regions in the trace, naming the flag or the config field that set it', () => {
    expect(resolveReplaySettings(CONFIG, { quorum: '3' }, 2, 'config/example.yaml').problems).toEqual([
      '--quorum: expected at most the number of regions in the trace (2), got 3',
    ]);
    expect(resolveReplaySettings(CONFIG, {}, 1, 'config/example.yaml').problems).toEqual([
      'detection.quorum in config/example.yaml: expected at most the number of regions in the trace (1), got 2; pass --quorum',
    ]);
  });
});
