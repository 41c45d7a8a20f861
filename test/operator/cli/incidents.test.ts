import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDeployment } from '../../../lib/config/load-config';
import type { LocalIncidentTable } from '../../../lib/developer/far-side/local-incident-table';
import { buildIncidentReport } from '../../../lib/operator/report/incident-report';
import { sampleOutage } from '../report/sample-outage';
import { closedLoopbackUrl, hasStackTrace, runCli } from './support/cli-process';
import { startExampleIncidentTable, writeIncident, writeOpenIncident } from './support/incident-table';

const GOLDEN_REPORT = join(__dirname, '../../golden/incident-report.md');

describe('carrier-failover incidents', () => {
  let table: LocalIncidentTable;
  let unreachable: string;
  let openIncidentId: string;
  const env = () => ({ AWS_ENDPOINT_URL_DYNAMODB: table.endpoint });

  beforeAll(async () => {
    unreachable = await closedLoopbackUrl();
    table = await startExampleIncidentTable();
    const { incident, events } = sampleOutage();
    await writeIncident(table, incident, events);
    const phxNumbers = loadDeployment().plan.filter((entry) => entry.siteId === 'phx-primary');
    const open = await writeOpenIncident(table, {
      siteId: 'phx-primary',
      outageStartedAt: Date.UTC(2026, 9, 1, 12, 0, 0),
      status: 'forwarded',
      entries: phxNumbers,
      numberStatuses: phxNumbers.map(() => 'forwarded'),
    });
    openIncidentId = open.id;
  });

  afterAll(async () => {
    await table.stop();
  });

  describe('list', () => {
    it('lists the incidents newest first as JSON', async () => {
      const run = await runCli(['incidents', 'list', '--json'], { unreachable, env: env() });

      expect(run.code).toBe(0);
      const { incidents } = run.json<{
        incidents: { id: string; status: string; resolvedAt: string | null }[];
      }>();
      expect(incidents.map((incident) => [incident.id, incident.status])).toEqual([
        [openIncidentId, 'forwarded'],
        ['phx-primary-20260812T084500Z', 'resolved'],
      ]);
      expect(incidents[1].resolvedAt).toBe('2026-08-12T12:45:00.000Z');
    });

    it('keeps to --limit and --site, and prints a table for people', async () => {
      const run = await runCli(['incidents', 'list', '--site', 'phx-primary', '--limit', '1'], {
        unreachable,
        env: env(),
      });

      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^INCIDENT\s+SITE\s+STATUS/);
      expect(run.stdout).toContain(openIncidentId);
      expect(run.stdout).not.toContain('phx-primary-20260812T084500Z');
    });

    it('says so when a site has no incidents', async () => {
      const run = await runCli(['incidents', 'list', '--site', 'dal-standby'], { unreachable, env: env() });

      expect(run.code).toBe(0);
      expect(run.stdout.trim()).toBe('No incidents for dal-standby.');
    });

    it('exits 2 for an unknown site, listing the known ones', async () => {
      const run = await runCli(['incidents', 'list', '--site', 'nyc-primary'], { unreachable, env: env() });

      expect(run.code).toBe(2);
      expect(run.stderr).toContain('unknown site "nyc-primary": acme-voice has phx-primary, dal-standby');
    });

    it('exits 1 for a --limit that is not a whole number from 1 to 1000', async () => {
      const run = await runCli(['incidents', 'list', '--limit', 'ten', '--json'], {
        unreachable,
        env: env(),
      });

      expect(run.code).toBe(1);
      expect(run.stderr).toContain("option '--limit <n>' argument 'ten' is invalid");
      expect(run.json()).toMatchObject({ ok: false, exitCode: 1 });
    });
  });

  describe('show', () => {
    it('prints the post-incident report in Markdown, as the golden sample', async () => {
      const run = await runCli(['incidents', 'show', 'phx-primary-20260812T084500Z'], {
        unreachable,
        env: env(),
      });

      expect(run.code).toBe(0);
      expect(run.stdout).toBe(readFileSync(GOLDEN_REPORT, 'utf8'));
    });

    it('prints the report data with --format json (and with --json)', async () => {
      const { incident, events } = sampleOutage();
      const expected = JSON.parse(JSON.stringify(buildIncidentReport(incident, events)));

      const asFormat = await runCli(['incidents', 'show', incident.id, '--format', 'json'], {
        unreachable,
        env: env(),
      });
      const asJson = await runCli(['incidents', 'show', incident.id, '--json'], { unreachable, env: env() });

      expect(asFormat.code).toBe(0);
      expect(asFormat.json()).toEqual(expected);
      expect(asJson.json()).toEqual(expected);
    });

    it('includes the per-number states of an incident', async () => {
      const run = await runCli(['incidents', 'show', openIncidentId, '--json'], { unreachable, env: env() });

      expect(run.code).toBe(0);
      expect(run.json()).toMatchObject({
        incidentId: openIncidentId,
        status: 'forwarded',
        numbers: { total: 24 },
      });
    });

    it('exits 2 for an unknown incident and says how to list them', async () => {
      const run = await runCli(['incidents', 'show', 'phx-primary-20200101T000000Z'], {
        unreachable,
        env: env(),
      });

      expect(run.code).toBe(2);
      expect(run.stderr).toContain('unknown incident "phx-primary-20200101T000000Z"');
      expect(run.stderr).toContain('carrier-failover incidents list');
      expect(hasStackTrace(run.stderr)).toBe(false);
    });

    it('exits 1 for an unknown --format', async () => {
      const run = await runCli(['incidents', 'show', 'x', '--format', 'pdf'], { unreachable, env: env() });

      expect(run.code).toBe(1);
      expect(run.stderr).toContain('Allowed choices are markdown, json');
    });
  });

  describe('note', () => {
    it('adds the root cause to the timeline, and the report shows it', async () => {
      const note = await runCli(
        [
          'incidents',
          'note',
          openIncidentId,
          '--cause',
          'UPS failed to manage power',
          '--operator',
          'jdoe',
          '--json',
        ],
        { unreachable, env: env() },
      );
      const report = await runCli(['incidents', 'show', openIncidentId], { unreachable, env: env() });

      expect(note.code).toBe(0);
      expect(note.json()).toMatchObject({
        incidentId: openIncidentId,
        type: 'cause',
        actor: { type: 'operator', name: 'jdoe' },
      });
      expect(report.stdout).toContain('## Root Cause of Problem\n\n- UPS failed to manage power');
    });

    it('needs exactly one of --cause and --text, and knows the incident', async () => {
      const neither = await runCli(['incidents', 'note', openIncidentId], { unreachable, env: env() });
      const unknown = await runCli(['incidents', 'note', 'nope-1', '--text', 'x'], {
        unreachable,
        env: env(),
      });

      expect(neither.code).toBe(1);
      expect(neither.stderr).toContain(
        'give exactly one of --cause TEXT (the root cause) or --text TEXT (a note)',
      );
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('unknown incident "nope-1"');
      expect(hasStackTrace(neither.stderr + unknown.stderr)).toBe(false);
    });
  });
});
