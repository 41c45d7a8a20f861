import {
  lastForwardedByCarrier,
  readingOf,
  renderLoadTable,
  type SizeRow,
} from '../../bench/failover/failover-reading';
import type { DrillResult } from '../../lib/developer/drill/drill-result';

const RATE = 200;

/** A run of `perCarrier` numbers per carrier, forwarding from 4 s, each carrier's last number at `lastMs`. */
function run(options: {
  perCarrier: number;
  lastMs: Record<string, number>;
  operations: Record<string, Record<string, number>>;
  handlersBusy?: number;
}): DrillResult {
  const numberTimes = Object.entries(options.lastMs).flatMap(([carrier, lastMs]) =>
    Array.from({ length: options.perCarrier }, (_, index) => ({
      number: `${carrier}-${index}`,
      carrier,
      forwardedAtMs: index === options.perCarrier - 1 ? lastMs : 5_000,
      restoredAtMs: null,
    })),
  );
  return {
    detectedAfterMs: 2_900,
    forwardedAfterMs: Math.max(...Object.values(options.lastMs)),
    steps: [
      { name: 'site killed (incident begins)', atMs: 0 },
      { name: 'forwarding started', atMs: 4_000 },
    ],
    numberTimes,
    carrierRequestsByOperation: options.operations,
    forwardingLoad: { handlers: options.handlersBusy ?? 0.5, farSide: 0.3 },
  } as unknown as DrillResult;
}

function row(last: DrillResult, numbers: number): SizeRow {
  return { numbers, values: [last.forwardedAfterMs], boundMs: 42_000, last };
}

describe('the failover group’s reading', () => {
  it('says a carrier that finished at its own rate bound was held back by its rate', () => {
    // Twilio: 7,500 requests at 200/s after forwarding started at 4 s: bound 41.5 s; it finished at 43 s.
    const last = run({
      perCarrier: 2_500,
      lastMs: { webhook: 34_000, twilio: 43_000 },
      operations: { webhook: { Forward: 5_000 }, twilio: { ListIncomingPhoneNumber: 5_000, Update: 2_500 } },
    });
    const [, line] = readingOf([row(last, 5_000)], RATE);
    expect(line).toContain(
      'twilio finished last, at 1.04× its own rate bound (3 requests per number), so its rate set the end',
    );
    expect(line).not.toContain('update jobs');
    expect(line).not.toContain('event loop was busy');
  });

  it('explains a Telnyx tail by its one-job-per-number bulk path only when the jobs show it', () => {
    const operations = (jobs: number) => ({
      twilio: { Read: 500 },
      telnyx: {
        GetPhoneNumberVoiceSettings: 250,
        CreateUpdatePhoneNumbersJob: jobs,
        RetrievePhoneNumbersJob: jobs,
      },
    });
    const lastMs = { twilio: 9_000, telnyx: 17_000 };
    const perJob = readingOf(
      [row(run({ perCarrier: 250, lastMs, operations: operations(250) }), 500)],
      RATE,
    )[1];
    expect(perJob).toContain('8 s after twilio: its bulk path sent 250 update jobs for 250 numbers');

    const shared = readingOf(
      [row(run({ perCarrier: 250, lastMs, operations: operations(3) }), 500)],
      RATE,
    )[1];
    expect(shared).toContain('telnyx finished last');
    expect(shared).not.toContain('update jobs');
  });

  it('names a saturated handlers’ event loop with its busy time per number', () => {
    const last = run({
      perCarrier: 1_000,
      lastMs: { webhook: 24_000 },
      operations: { webhook: { Forward: 2_000 } },
      handlersBusy: 0.95,
    });
    // Busy 95 % of the 20 s of forwarding, over 1,000 numbers.
    expect(readingOf([row(last, 1_000)], RATE)[1]).toContain(
      'the handlers’ event loop was busy 95 % of the forwarding (19 ms per number',
    );
  });

  it('tabulates carriers in the order they finished, and hands the same order to the JSON', () => {
    const last = run({
      perCarrier: 10,
      lastMs: { telnyx: 9_000, webhook: 6_000 },
      operations: { telnyx: { A: 30 }, webhook: { B: 20 } },
    });
    expect(renderLoadTable([row(last, 20)], RATE)).toContain(
      '| 20 | 0.5 | 0.3 | webhook 2, 6 s ÷ 4.1 s; telnyx 3, 9 s ÷ 4.2 s |',
    );
    expect(Object.keys(lastForwardedByCarrier(last))).toEqual(['webhook', 'telnyx']);
  });
});
