import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const ROOT = resolve(__dirname, '../../..');

/** Runs `npm run drill` as a user would (asynchronously, so jest's timers keep running). */
function runDrill(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('npx', ['tsx', 'bin/drill.ts', ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

/** Elements anywhere below `node` with the given tag, as fast-xml-parser returns them. */
function elements(node: unknown, tag: string): Record<string, unknown>[] {
  if (Array.isArray(node)) return node.flatMap((child) => elements(child, tag));
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) => [
    ...(key === tag ? [value].flat().filter((item) => typeof item === 'object') : []),
    ...elements(value, tag),
  ]) as Record<string, unknown>[];
}

describe('the drill leaves its report behind', () => {
  const out = mkdtempSync(join(tmpdir(), 'carrier-failover-drill-output-'));
  let run: Awaited<ReturnType<typeof runDrill>>;
  let result: {
    ok: boolean;
    outDir: string;
    steps: { name: string; atMs: number }[];
    numbers: { total: number; forwarded: number };
    failback: { restored: number; waves: number };
    controlTargetRequests: number;
  };

  beforeAll(async () => {
    run = await runDrill(['--json', '--out', out]);
    result = JSON.parse(run.stdout);
  }, 480_000);

  it('passes and names the folder with the report and the chart at the end', () => {
    expect({ status: run.status, ok: result.ok }).toEqual({ status: 0, ok: true });
    expect(result.outDir).toBe(out);
    // The probes requested the stand-in control target every round, through the site's death too.
    expect(result.controlTargetRequests).toBeGreaterThan(0);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^drill passed in [\\d.]+ s; report\\.md and numbers-over-time\\.svg in ${out}$`),
    );
  });

  it('writes the post-incident report with the mermaid timeline of every step', () => {
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    const chart = report.slice(report.indexOf('```mermaid'), report.indexOf('| time (UTC)'));

    expect(chart).toMatch(/^```mermaid\ngantt\n/);
    const tasks = chart
      .split('\n')
      .filter((line) => line.includes(' :'))
      .map((line) => line.slice(0, line.indexOf(' :')).trim());
    expect(tasks).toEqual([
      'Site down until recovered',
      'Detection by quorum',
      'Alerted',
      'Forwarding',
      `Forwarded ${result.numbers.forwarded} of ${result.numbers.total}`,
      'Recovered',
      'Failback approved',
      ...Array.from({ length: result.failback.waves }, (_, index) => `Wave ${index + 1}`),
      'Resolved',
    ]);
  });

  it('writes a well-formed SVG with a point per number forwarded and restored and a line per step', () => {
    const svg = readFileSync(join(out, 'numbers-over-time.svg'), 'utf8');

    expect(XMLValidator.validate(svg)).toBe(true);
    const document = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(svg);
    const points = elements(document, 'circle').filter((circle) => circle.class === 'point');
    const of = (series: string) => points.filter((point) => point['data-series'] === series);
    expect(of('forwarded')).toHaveLength(result.numbers.forwarded);
    expect(of('restored')).toHaveLength(result.failback.restored);
    expect(of('forwarded').map((point) => Number(point['data-count']))).toEqual(
      Array.from({ length: result.numbers.forwarded }, (_, index) => index + 1),
    );
    // Restores come after forwarding: every restored point lies right of the last forwarded one.
    const lastForwarded = Math.max(...of('forwarded').map((point) => Number(point['data-seconds'])));
    expect(Math.min(...of('restored').map((point) => Number(point['data-seconds'])))).toBeGreaterThan(
      lastForwarded,
    );
    const steps = elements(document, 'g').filter((group) => group.class === 'step');
    expect(steps.map((step) => step['data-step'])).toEqual(result.steps.map((step) => step.name));
  });
});
