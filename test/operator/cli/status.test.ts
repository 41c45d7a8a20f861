import { loadDeployment } from '../../../lib/config/load-config';
import type { LocalIncidentTable } from '../../../lib/developer/far-side/local-incident-table';
import { closedLoopbackUrl, hasStackTrace, runCli } from './support/cli-process';
import { startExampleIncidentTable, writeOpenIncident, writeSiteHealth } from './support/incident-table';

describe('carrier-failover status', () => {
  let table: LocalIncidentTable;
  let unreachable: string;
  const now = Date.now();
  const { plan } = loadDeployment();
  const phxNumbers = plan.filter((entry) => entry.siteId === 'phx-primary');

  beforeAll(async () => {
    unreachable = await closedLoopbackUrl();
    table = await startExampleIncidentTable();
    for (const region of ['us-east-1', 'us-east-2']) {
      await writeSiteHealth(table, {
        siteId: 'phx-primary',
        region,
        status: 'down',
        own: {
          lastRoundAt: now - 20_000,
          lastRoundOk: false,
          consecutiveFailures: 4,
          failureRunStartedAt: now - 60_000,
          lastReason: 'sip:udp:sbc1.phx.example.net:5060: timeout after 2000 ms',
        },
      });
    }
    await writeSiteHealth(table, {
      siteId: 'dal-standby',
      region: 'us-east-1',
      status: 'up',
      own: {
        lastRoundAt: now - 5_000,
        lastRoundOk: true,
        consecutiveFailures: 0,
        failureRunStartedAt: null,
        lastReason: 'all endpoints healthy',
      },
    });
    await writeOpenIncident(table, {
      siteId: 'phx-primary',
      outageStartedAt: now - 60_000,
      status: 'forwarding',
      entries: phxNumbers,
      numberStatuses: phxNumbers.map((_, index) =>
        index < 20 ? 'forwarded' : index < 22 ? 'failed' : 'pending',
      ),
    });
  });

  afterAll(async () => {
    await table.stop();
  });

  it('reports every region’s decision and the open incident’s live number counts as JSON', async () => {
    const run = await runCli(['status', '--json'], {
      unreachable,
      env: { AWS_ENDPOINT_URL_DYNAMODB: table.endpoint },
    });

    expect(run.code).toBe(0);
    const status = run.json<{
      region: string;
      sites: {
        siteId: string;
        regions: {
          region: string;
          decision: string;
          lastRoundOk: boolean | null;
          ageSeconds: number | null;
        }[];
        incident: { id: string; status: string; numbers: Record<string, number> } | null;
      }[];
    }>();
    expect(status.region).toBe('us-east-1');
    const [phx, dal] = status.sites;
    expect(phx.regions.map((region) => [region.region, region.decision, region.lastRoundOk])).toEqual([
      ['us-east-1', 'down', false],
      ['us-east-2', 'down', false],
      ['us-west-2', 'unknown', null],
    ]);
    expect(phx.regions[0].ageSeconds).toBeGreaterThanOrEqual(20);
    expect(phx.incident).toMatchObject({
      status: 'forwarding',
      numbers: { total: 24, forwarded: 20, failed: 2, pending: 2, restored: 0 },
    });
    expect(dal.regions[0]).toMatchObject({ decision: 'up', lastRoundOk: true });
    expect(dal.incident).toBeNull();
    expect(run.stderr).toContain('DynamoDB: using us-east-1 (home region)');
  });

  it('prints tables for people, one row per site and region', async () => {
    const run = await runCli(['status'], { unreachable, env: { AWS_ENDPOINT_URL_DYNAMODB: table.endpoint } });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/phx-primary\s+us-east-1\s+DOWN\s+failed x4\s+\d+ (s|min)\s+sip:udp:sbc1/);
    expect(run.stdout).toMatch(/phx-primary\s+us-west-2\s+no data/);
    expect(run.stdout).toMatch(
      /phx-primary\s+phx-primary-\d{8}T\d{6}Z\s+forwarding\s+\S+ \S+\s+20\/24\s+2\s+0\s+2/,
    );
  });

  it('uses only the region given with --region', async () => {
    const run = await runCli(['status', '--json', '--region', 'us-west-2'], {
      unreachable,
      env: { AWS_ENDPOINT_URL_DYNAMODB: table.endpoint },
    });

    expect(run.code).toBe(0);
    expect(run.json<{ region: string }>().region).toBe('us-west-2');
    expect(run.stderr).toContain('DynamoDB: using us-west-2 (--region)');
  });

  it('refuses a --region that is not one of the deployment’s (exit 1)', async () => {
    const run = await runCli(['status', '--region', 'eu-west-1'], { unreachable });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      '--region eu-west-1 is not a region of acme-voice; use one of us-east-1, us-east-2, us-west-2',
    );
  });

  it('names every region tried and exits 3 when no region answers', async () => {
    const run = await runCli(['status', '--json'], { unreachable });

    expect(run.code).toBe(3);
    expect(run.stderr).toContain('no region answered for DynamoDB: tried us-east-1, us-east-2, us-west-2');
    expect(run.stderr).toContain('DynamoDB: us-east-1 did not answer (');
    expect(run.stderr).toContain('; trying us-east-2');
    expect(run.json()).toMatchObject({ ok: false, exitCode: 3 });
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it('exits 4 naming what to set when there are no AWS credentials', async () => {
    const run = await runCli(['status'], {
      unreachable,
      env: {
        AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
      },
    });

    expect(run.code).toBe(4);
    expect(run.stderr).toContain('no AWS credentials found');
    expect(run.stderr).toContain('AWS_PROFILE');
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it('reports a broken config file with its problems (exit 1) before touching AWS', async () => {
    const run = await runCli(['status', '--config', 'no/such/config.yaml'], { unreachable });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Invalid configuration (1 problem):');
    expect(run.stderr).toContain('no/such/config.yaml: file not found; expected a YAML config file');
  });
});
