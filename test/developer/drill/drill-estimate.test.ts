/**
 * The dry run tells the truth: in a drill whose numbers all go through the forwarding engine (the
 * routes left out; Telnyx and Bandwidth in bulk, Twilio and the webhook one by one), the requests
 * `failover --dry-run` estimates before the kill are the requests the carriers then receive from
 * the kill until the last number's calls reach the backup. The estimate counts the requests of a
 * run without faults; a job still running at its first poll costs one poll more (the fakes finish
 * jobs asynchronously), so an estimate may fall short by a poll or two, never more.
 */
import { DEFAULT_CONFIG_PATH } from '../../../lib/config/load-config';
import type { DrillProgress, DrillResult } from '../../../lib/developer/drill/drill-result';
import { runDrill } from '../../../lib/developer/drill/run-drill';

const quiet: DrillProgress = { phase: () => undefined, numbers: () => undefined };

describe('the drill’s dry-run estimate', () => {
  let result: DrillResult;

  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    result = await runDrill(
      {
        configPath: DEFAULT_CONFIG_PATH,
        numbers: 400,
        carrierFaults: 0,
        seed: 21,
        timeoutMs: 240_000,
        until: 'forwarded',
        withoutRoutes: true,
      },
      quiet,
    );
  }, 300_000);

  it('forwards every number through the engine', () => {
    expect(result.numbers).toMatchObject({ total: 400, forwarded: 400, failed: 0, forwardedTwice: 0 });
    expect(result.byCarrier.map(({ carrier, mode }) => [carrier, mode])).toEqual([
      ['telnyx', 'bulk'],
      ['twilio', 'per-number'],
      ['bandwidth', 'bulk'],
      ['webhook', 'per-number'],
    ]);
  });

  it('estimated the requests each carrier then received', () => {
    const compared = result.byCarrier.map((carrier) => ({
      carrier: carrier.carrier,
      estimated: carrier.estimatedRequests,
      measured: carrier.failoverRequests,
    }));
    for (const { carrier, estimated, measured } of compared) {
      // A bulk job still running at its first poll costs one poll more than the plan counts.
      const slack = ['telnyx', 'bandwidth'].includes(carrier) ? 2 : 0;
      expect({
        carrier,
        estimateNotAbove: measured - estimated >= 0,
        withinSlack: measured - estimated <= slack,
      }).toEqual({
        carrier,
        estimateNotAbove: true,
        withinSlack: true,
      });
    }
    // Not a trivial agreement: the engine path costs each carrier requests.
    expect(compared.every(({ measured }) => measured > 0)).toBe(true);
  });
});
