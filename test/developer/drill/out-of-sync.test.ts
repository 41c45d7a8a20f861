/**
 * `npm run drill -- --scenario out-of-sync`, the second act of 8/12/2022: after the failover the site
 * comes back answering OPTIONS and its health URL while every test call through it fails. No number
 * may come home and failback may not start until the calls succeed for the recovery hold; then every
 * number comes home, and the result says why failback waited.
 */
import { DEFAULT_CONFIG_PATH } from '../../../lib/config/load-config';
import { drillSucceeded } from '../../../lib/developer/drill/drill-output';
import type { DrillProgress, DrillResult } from '../../../lib/developer/drill/drill-result';
import { runDrill } from '../../../lib/developer/drill/run-drill';

const quiet: DrillProgress = { phase: () => undefined, numbers: () => undefined };

describe('the out-of-sync drill', () => {
  let result: DrillResult;

  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    result = await runDrill(
      {
        configPath: DEFAULT_CONFIG_PATH,
        numbers: 20,
        carrierFaults: 0,
        seed: 22,
        timeoutMs: 240_000,
        scenario: 'out-of-sync',
      },
      quiet,
    );
  }, 300_000);

  it('kept every number forwarded while OPTIONS and HTTP answered but test calls failed', () => {
    const waited = result.failbackWaited;
    expect(waited).not.toBeNull();
    expect(waited?.restoredWhileCallsFailed).toBe(0);
    expect(waited?.failbackStartedWhileCallsFailed).toBe(false);
    // Every region saw the calls refused, and said so.
    for (const region of ['us-east-1', 'us-east-2', 'us-west-2']) {
      expect(waited?.reason).toMatch(
        new RegExp(`${region}: call:udp:127\\.0\\.0\\.1:\\d+:\\+15550100999: SIP 503 Out Of Sync`),
      );
    }
  });

  it('declared the site up and brought numbers home only after the calls succeeded again', () => {
    const toMs = result.failbackWaited?.toMs ?? Number.POSITIVE_INFINITY;
    const recovered = result.steps.find((step) => step.name.startsWith('recovered'));
    expect(recovered?.atMs).toBeGreaterThan(toMs);
    // Calls of numbers on a native route come home at the fakes the moment the calls are fixed
    // (toMs, to the millisecond); none may come home before it.
    const early = result.numberTimes.filter(
      (number) => number.restoredAtMs === null || number.restoredAtMs < toMs,
    );
    expect({ toMs, early }).toEqual({ toMs, early: [] });
  });

  it('ended with every number forwarded and restored, and the drill passing', () => {
    expect(result.numbers).toMatchObject({ total: 20, forwarded: 20, failed: 0, forwardedTwice: 0 });
    expect(result.failback).toMatchObject({ restored: 20, failed: 0, restoredTwice: 0 });
    expect(drillSucceeded(result)).toEqual({ ok: true, problems: [] });
  });

  it('fails the drill when a number came home while the calls failed', () => {
    const early = { ...result, failbackWaited: { ...result.failbackWaited!, restoredWhileCallsFailed: 3 } };
    expect(drillSucceeded(early).problems).toContain(
      "3 numbers came home while the site's test calls failed",
    );
  });
});
