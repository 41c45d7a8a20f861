import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvField, splitCsvLine } from '../../../lib/operator/replay/csv-fields';
import {
  assertValidTrace,
  formatTraceRow,
  parseTrace,
  readTraceFile,
  TraceFileError,
  traceHeader,
} from '../../../lib/operator/replay/trace-format';
import { formatTraceTime, parseTraceTime } from '../../../lib/operator/replay/trace-time';

const T = Date.UTC(2026, 10, 1, 0, 0, 10);

describe('trace format', () => {
  describe('good lines', () => {
    it('reads ISO and epoch-ms times, every spelling of ok, empty latencies and extra columns', () => {
      const text = [
        'time,region,site,ok,latencyMs,endpoint,reason',
        '2026-11-01T00:00:10Z,us-east-1,phx-primary,1,38,,',
        `${T},us-east-2,phx-primary,0,,sip:udp:sbc1.phx.example.net:5060,timeout after 2000 ms`,
        '2026-11-01T00:00:10.250Z,us-west-2,phx-primary,true,41.5,,',
        '2026-11-01T00:00:20+00:00,us-east-1,phx-primary,FALSE,,,"SIP 503, out of sync"',
      ].join('\n');

      const trace = parseTrace(text, 'trace.csv');

      expect(trace.problems).toEqual([]);
      expect(trace.observations).toEqual([
        { at: T, region: 'us-east-1', siteId: 'phx-primary', ok: true, latencyMs: 38, line: 2 },
        { at: T, region: 'us-east-2', siteId: 'phx-primary', ok: false, line: 3 },
        { at: T + 250, region: 'us-west-2', siteId: 'phx-primary', ok: true, latencyMs: 41.5, line: 4 },
        { at: T + 10_000, region: 'us-east-1', siteId: 'phx-primary', ok: false, line: 5 },
      ]);
      expect(trace.sites).toEqual(['phx-primary']);
      expect(trace.regions).toEqual(['us-east-1', 'us-east-2', 'us-west-2']);
    });

    it('sorts unsorted lines by time, then site, then region', () => {
      const text = [
        'site,region,time,ok',
        'phx-primary,us-west-2,2026-11-01T00:00:20Z,1',
        'phx-primary,us-east-1,2026-11-01T00:00:20Z,1',
        'dal-standby,us-east-1,2026-11-01T00:00:20Z,0',
        'phx-primary,us-east-1,2026-11-01T00:00:10Z,0',
      ].join('\n');

      const trace = parseTrace(text, 'trace.csv');

      expect(trace.observations.map((o) => [o.at - T, o.siteId, o.region, o.line])).toEqual([
        [0, 'phx-primary', 'us-east-1', 5],
        [10_000, 'dal-standby', 'us-east-1', 4],
        [10_000, 'phx-primary', 'us-east-1', 3],
        [10_000, 'phx-primary', 'us-west-2', 2],
      ]);
    });

    it('skips comments and blank lines, takes CRLF and a byte-order mark, and counts physical lines', () => {
      const text = `\uFEFF# exported by hand\r\ntime,region,site,ok,latencyMs\r\n\r\n2026-11-01T00:00:10Z,us-east-1,phx-primary,1,\r\n# a note\r\n2026-11-01T00:00:10Z,us-east-2,phx-primary,x,\r\n`;

      const trace = parseTrace(text, 'trace.csv');

      expect(trace.problems).toEqual(['trace.csv:6: ok: expected 1, 0, true or false, got "x"']);
    });

    it('reads a file as a stream across chunk boundaries', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'trace-'));
      try {
        const path = join(directory, 'trace.csv');
        const rows = Array.from({ length: 60_000 }, (_, index) =>
          formatTraceRow({
            at: T + index * 10_000,
            region: 'us-east-1',
            siteId: 'phx-primary',
            ok: index % 7 !== 0,
          }),
        );
        writeFileSync(path, traceHeader() + rows.join(''));

        const trace = await readTraceFile(path, 'trace.csv');

        expect(trace.problemCount).toBe(0);
        expect(trace.observations).toHaveLength(60_000);
        expect(trace.observations[59_999]).toMatchObject({ at: T + 59_999 * 10_000, ok: true, line: 60_001 });
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    });

    it('writes rows it reads back, quoting only what needs it', () => {
      const row = {
        at: T + 250,
        region: 'us-east-1',
        siteId: 'phx-primary',
        ok: false,
        latencyMs: 12.4,
        endpoint: 'sip:udp:sbc1:5060 https://portal/health',
        reason: 'sip: SIP 503, "out of sync"\nsecond line',
      };

      const line = formatTraceRow(row);
      const trace = parseTrace(traceHeader() + line, 'trace.csv');

      expect(line).toBe(
        '2026-11-01T00:00:10.250Z,us-east-1,phx-primary,0,12,,sip:udp:sbc1:5060 https://portal/health,"sip: SIP 503, ""out of sync"" second line"\n',
      );
      expect(trace.observations).toEqual([
        { at: T + 250, region: 'us-east-1', siteId: 'phx-primary', ok: false, latencyMs: 12, line: 2 },
      ]);
    });
  });

  describe('control column', () => {
    it('reads the control verdict (1, 0, true, false, or empty when no control target was probed)', () => {
      const text = [
        'time,region,site,ok,latencyMs,control',
        '2026-11-01T00:00:10Z,us-east-1,phx-primary,0,,0',
        '2026-11-01T00:00:10Z,us-east-2,phx-primary,0,,true',
        '2026-11-01T00:00:10Z,us-west-2,phx-primary,1,40,',
      ].join('\n');

      const trace = parseTrace(text, 'trace.csv');

      expect(trace.problems).toEqual([]);
      expect(trace.observations.map((o) => [o.region, o.ok, o.control])).toEqual([
        ['us-east-1', false, false],
        ['us-east-2', false, true],
        ['us-west-2', true, undefined],
      ]);
    });

    it('writes the control verdict it reads back', () => {
      const rows = [true, false, undefined].map((control, index) => ({
        at: T + index,
        region: 'us-east-1',
        siteId: 'phx-primary',
        ok: false,
        ...(control === undefined ? {} : { control }),
      }));

      const text = traceHeader() + rows.map((row) => formatTraceRow(row)).join('');
      const trace = parseTrace(text, 'trace.csv');

      expect(traceHeader()).toBe('time,region,site,ok,latencyMs,control,endpoint,reason\n');
      expect(trace.observations.map((o) => o.control)).toEqual([true, false, undefined]);
    });

    it('names the line and the column of a control verdict it cannot read', () => {
      const text = ['time,region,site,ok,control', '2026-11-01T00:00:10Z,us-east-1,phx-primary,0,maybe'].join(
        '\n',
      );

      const trace = parseTrace(text, 'trace.csv');

      expect(trace.problems).toEqual([
        'trace.csv:2: control: expected nothing (no control target probed), 1 (one reached), 0 (none reached), true or false, got "maybe"',
      ]);
      expect(trace.observations).toEqual([]);
    });
  });

  describe('calls column', () => {
    it('reads the calls verdict (1, 0, true, false, or empty when no test call was placed)', () => {
      const text = [
        'time,region,site,ok,latencyMs,control,calls',
        '2026-11-01T00:00:10Z,us-east-1,phx-primary,0,40,1,0',
        '2026-11-01T00:00:10Z,us-east-2,phx-primary,1,40,,TRUE',
        '2026-11-01T00:00:10Z,us-west-2,phx-primary,1,40,,',
        '2026-11-01T00:00:20Z,us-west-2,phx-primary,0,,0,1',
      ].join('\n');

      const trace = parseTrace(text, 'trace.csv');

      expect(trace.problems).toEqual([]);
      expect(trace.observations.map((o) => [o.region, o.ok, o.control, o.calls])).toEqual([
        ['us-east-1', false, true, false],
        ['us-east-2', true, undefined, true],
        ['us-west-2', true, undefined, undefined],
        ['us-west-2', false, false, true],
      ]);
      expect(trace.observations[2]).not.toHaveProperty('calls');
    });

    it('writes the calls column only when asked, and reads back what it wrote', () => {
      const rows = [true, false, undefined].map((calls, index) => ({
        at: T + index,
        region: 'us-east-1',
        siteId: 'phx-primary',
        ok: calls !== false,
        control: true,
        ...(calls === undefined ? {} : { calls }),
      }));

      const text =
        traceHeader({ calls: true }) + rows.map((row) => formatTraceRow(row, { calls: true })).join('');
      const trace = parseTrace(text, 'trace.csv');

      expect(traceHeader({ calls: true })).toBe(
        'time,region,site,ok,latencyMs,control,calls,endpoint,reason\n',
      );
      expect(traceHeader()).toBe('time,region,site,ok,latencyMs,control,endpoint,reason\n');
      expect(formatTraceRow(rows[1], { calls: true })).toBe(
        '2026-11-01T00:00:10.001Z,us-east-1,phx-primary,0,,1,0,,\n',
      );
      expect(formatTraceRow({ ...rows[2], calls: undefined })).toBe(
        '2026-11-01T00:00:10.002Z,us-east-1,phx-primary,1,,1,,\n',
      );
      expect(trace.problems).toEqual([]);
      expect(trace.observations.map((o) => [o.ok, o.calls])).toEqual([
        [true, true],
        [false, false],
        [true, undefined],
      ]);
    });

    it('refuses to write a calls verdict into a trace without the calls column', () => {
      const row = { at: T, region: 'us-east-1', siteId: 'phx-primary', ok: false, calls: false };

      expect(() => formatTraceRow(row)).toThrow(
        'the round of phx-primary from us-east-1 at 2026-11-01T00:00:10Z placed test calls, but the trace has no calls column',
      );
    });

    it('names the line and the column of a calls verdict it cannot read, and of failed calls in a passing round', () => {
      const text = [
        'time,region,site,ok,calls',
        '2026-11-01T00:00:10Z,us-east-1,phx-primary,0,maybe',
        '2026-11-01T00:00:10Z,us-east-2,phx-primary,1,0',
        '2026-11-01T00:00:10Z,us-west-2,phx-primary,true,false',
        '2026-11-01T00:00:20Z,us-west-2,phx-primary,0,0',
      ].join('\n');

      const trace = parseTrace(text, 'trace.csv');

      expect(trace.problems).toEqual([
        'trace.csv:2: calls: expected nothing (no test call placed), 1 (one answered as expected), 0 (every one failed), true or false, got "maybe"',
        'trace.csv:3: calls: 0 (every test call failed) fails the round, so expected ok 0, got ok 1',
        'trace.csv:4: calls: 0 (every test call failed) fails the round, so expected ok 0, got ok true',
      ]);
      expect(trace.problemCount).toBe(3);
    });
  });

  describe('bad lines', () => {
    it('reports every bad line at once, with its line number, column, expectation and what was found', () => {
      const text = [
        'time,region,site,ok,latencyMs',
        '2026-11-01T00:00:10Z,us-east-1,phx-primary,1,38',
        'yesterday,us-east-1,phx-primary,1,38',
        '2026-11-01T00:00:10Z,,phx-primary,maybe,-5',
        '1793491210,us-east-2,phx-primary,1,',
        '2026-11-01T01:00:10+01:00,us-east-2,phx-primary,1,',
        '2026-02-30T00:00:10Z,us-east-2,phx-primary,1,',
        '2026-11-01T00:00:20Z,us-west-2,,0,',
        '2026-11-01T00:00:30Z,us-west-2,phx-primary,0,"unclosed',
      ].join('\n');

      const trace = parseTrace(text, 'trace.csv');

      expect(trace.problems).toEqual([
        'trace.csv:3: time: expected an ISO 8601 UTC time such as 2026-11-01T00:00:10Z or epoch milliseconds, got "yesterday"',
        'trace.csv:4: region: expected the name of the region that probed, such as us-east-1, got nothing',
        'trace.csv:4: ok: expected 1, 0, true or false, got "maybe"',
        'trace.csv:4: latencyMs: expected nothing or a number of milliseconds, 0 or more, got "-5"',
        'trace.csv:5: time: expected an ISO 8601 UTC time such as 2026-11-01T00:00:10Z or epoch milliseconds (this looks like epoch seconds: multiply by 1000), got "1793491210"',
        'trace.csv:6: time: expected an ISO 8601 UTC time such as 2026-11-01T00:00:10Z or epoch milliseconds (a time in UTC, not at offset +01:00), got "2026-11-01T01:00:10+01:00"',
        'trace.csv:7: time: expected an ISO 8601 UTC time such as 2026-11-01T00:00:10Z or epoch milliseconds (no such date or time of day), got "2026-02-30T00:00:10Z"',
        'trace.csv:8: site: expected the id of the probed site, such as phx-primary, got nothing',
        'trace.csv:9: not valid CSV: a quoted field is not closed on its line',
      ]);
      expect(trace.problemCount).toBe(9);
      expect(trace.observations).toEqual([]);
    });

    it('reports a second line for the same round, naming both lines', () => {
      const text = [
        'time,region,site,ok',
        '2026-11-01T00:00:10Z,us-east-1,phx-primary,1',
        '2026-11-01T00:00:20Z,us-east-1,phx-primary,1',
        `${T},us-east-1,phx-primary,0`,
      ].join('\n');

      const trace = parseTrace(text, 'trace.csv');

      expect(trace.problems).toEqual([
        'trace.csv:4: time: a second round of site phx-primary from us-east-1 at 2026-11-01T00:00:10Z (the first is at line 2); a trace has one line per round',
      ]);
    });

    it('names the missing columns of a bad header and stops there', () => {
      const trace = parseTrace(
        'when,region,site,status\n2026-11-01T00:00:10Z,us-east-1,phx-primary,1\n',
        'trace.csv',
      );

      expect(trace.problems).toEqual([
        'trace.csv:1: header: missing columns time, ok; expected the header time,region,site,ok,latencyMs (further columns such as endpoint, reason are allowed)',
      ]);
    });

    it('refuses an empty file and a header without rounds', () => {
      expect(parseTrace('# nothing yet\n', 'trace.csv').problems).toEqual([
        'trace.csv: empty: expected a header line time,region,site,ok,latencyMs and one line per probe round',
      ]);
      expect(parseTrace('time,region,site,ok,latencyMs\n', 'trace.csv').problems).toEqual([
        'trace.csv: no observations: expected at least one line after the header',
      ]);
    });

    it('lists the first 50 problems of a broken month and counts the rest', () => {
      const rows = Array.from(
        { length: 120 },
        (_, index) => `2026-11-01T00:00:10Z,us-east-1,phx-primary,${index + 2}`,
      );

      const trace = parseTrace(['time,region,site,ok', ...rows].join('\n'), 'trace.csv');

      expect(trace.problemCount).toBe(120);
      expect(trace.problems).toHaveLength(50);
      expect(() => assertValidTrace(trace)).toThrow(TraceFileError);
      expect(() => assertValidTrace(trace)).toThrow(
        /Invalid trace trace.csv \(120 problems\):[\s\S]*\.\.\. and 70 more/,
      );
    });

    it('says which file cannot be read', async () => {
      await expect(readTraceFile('/no/such/trace.csv', 'trace.csv')).rejects.toThrow(
        'cannot read the trace trace.csv: no such file',
      );
    });
  });

  describe('times and fields', () => {
    it('parses the fast and the general ISO shapes to the same instant', () => {
      expect(parseTraceTime('2026-11-01T00:00:10Z')).toEqual({ ms: T });
      expect(parseTraceTime('2026-11-01T00:00:10.5Z')).toEqual({ ms: T + 500 });
      expect(parseTraceTime('2026-11-01T00:00:10.123456Z')).toEqual({ ms: T + 123 });
      expect(parseTraceTime('2026-11-01T00:00:10-00:00')).toEqual({ ms: T });
      expect(parseTraceTime('2026-11-01T24:00:10Z')).toHaveProperty('problem');
      expect(formatTraceTime(T)).toBe('2026-11-01T00:00:10Z');
      expect(formatTraceTime(T + 7)).toBe('2026-11-01T00:00:10.007Z');
    });

    it('splits quoted fields and quotes fields that need it', () => {
      expect(splitCsvLine(' a , "b,""c""" ,')).toEqual({ fields: ['a', 'b,"c"', ''] });
      expect(splitCsvLine('a,b"c')).toEqual({ problem: 'a quote inside an unquoted field at character 3' });
      expect(splitCsvLine('"a"b')).toEqual({
        problem: 'unexpected text after a quoted field at character 4',
      });
      expect(csvField('plain')).toBe('plain');
      expect(csvField(' edge')).toBe('" edge"');
    });
  });
});
