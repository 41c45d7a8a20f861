import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

function drill(args: string[]) {
  const out = mkdtempSync(join(tmpdir(), 'carrier-failover-drill-'));
  const result = spawnSync('npx', ['tsx', 'bin/drill.ts', '--out', out, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    // A drill with carrier faults takes about a minute alone, longer beside other suites.
    timeout: 480_000,
  });
  return { ...result, out };
}

describe('npm run drill', () => {
  it('plays an outage with carrier faults and reports every number forwarded and restored exactly once, as JSON', () => {
    const { status, stdout, stderr, out } = drill([
      '--json',
      '--numbers',
      '60',
      '--carrier-faults',
      '0.2',
      '--seed',
      '7',
    ]);

    expect({ status, stderr: status === 0 ? '' : stderr }).toEqual({ status: 0, stderr: '' });
    const result = JSON.parse(stdout);
    expect(result.ok).toBe(true);
    expect(result.numbers).toEqual({ total: 60, forwarded: 60, failed: 0, forwardedTwice: 0 });
    expect(result.failback).toMatchObject({ restored: 60, failed: 0, waves: 4, restoredTwice: 0 });
    expect(result.contractViolations).toBe(0);
    // The interfaces the issue names: steps with times from the kill, and the three delays.
    expect(result.steps[0]).toEqual({ name: 'site killed (incident begins)', atMs: 0 });
    expect(result.steps.map((step: { name: string }) => step.name)).toEqual(
      expect.arrayContaining([
        'detected by quorum',
        'first alert sent',
        'forwarding finished',
        'recovered (healthy for the hold)',
        'resolved',
      ]),
    );
    expect(result.detectedAfterMs).toBeGreaterThan(0);
    expect(result.alertedAfterMs).toBeGreaterThanOrEqual(result.detectedAfterMs);
    expect(result.forwardedAfterMs).toBeGreaterThan(result.alertedAfterMs);
    const kinds = result.alerts.map((alert: { kind: string }) => alert.kind);
    expect(kinds.slice(0, 3)).toEqual(['detected', 'forwarding-started', 'forwarded']);
    expect(kinds.filter((kind: string) => kind === 'failback-wave')).toHaveLength(4);
    expect(kinds.at(-1)).toBe('resolved');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('- Forwarded: 60 of 60');
  });

  it('rejects a bad option with a message naming it, before starting anything', () => {
    const { status, stderr } = drill(['--carrier-faults', '2']);

    expect(status).toBe(1);
    expect(stderr).toContain('--carrier-faults: expected a rate 0-0.5 such as 0.2, got "2"');
  });
});
