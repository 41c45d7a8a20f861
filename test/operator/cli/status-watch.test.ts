import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { LocalIncidentTable } from '../../../lib/developer/far-side/local-incident-table';
import { runCli as runCliInProcess } from '../../../lib/operator/cli/program';
import { closedLoopbackUrl, runCli } from './support/cli-process';
import { fakeIo } from './support/fake-io';
import { startExampleIncidentTable, writeSiteHealth } from './support/incident-table';

/** The header line each read of `status` starts with. */
const HEADER = /^acme-voice at \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(read in us-east-1\)$/gm;

describe('carrier-failover status --watch', () => {
  let table: LocalIncidentTable;
  let unreachable: string;
  const healthy = (at: number) => ({
    lastRoundAt: at,
    lastRoundOk: true,
    consecutiveFailures: 0,
    failureRunStartedAt: null,
    lastReason: 'all endpoints healthy',
  });

  beforeAll(async () => {
    unreachable = await closedLoopbackUrl();
    table = await startExampleIncidentTable();
    await writeSiteHealth(table, {
      siteId: 'phx-primary',
      region: 'us-east-1',
      status: 'up',
      own: healthy(Date.now()),
    });
  });

  afterAll(async () => {
    await table.stop();
  });

  it('reads again every interval and prints each read after the other when stdout is not a terminal', async () => {
    let changed = false;
    const run = await runCli(['status', '--watch', '--interval', '1', '--count', '2'], {
      unreachable,
      env: { AWS_ENDPOINT_URL_DYNAMODB: table.endpoint },
      // Between the two reads, us-east-2 starts to report the site down.
      onStdout: (stdout) => {
        if (changed || !stdout.includes('No open incidents.')) return;
        changed = true;
        void writeSiteHealth(table, {
          siteId: 'phx-primary',
          region: 'us-east-2',
          status: 'down',
          own: { ...healthy(Date.now()), lastRoundOk: false, consecutiveFailures: 3, lastReason: 'SIP 503' },
        });
      },
    });

    expect(run.code).toBe(0);
    expect(run.stdout.match(HEADER)).toHaveLength(2);
    expect(run.stdout).not.toContain('\u001b[');
    const [first, second] = run.stdout.split(HEADER).slice(1);
    expect(first).toMatch(/phx-primary\s+us-east-2\s+no data/);
    expect(second).toMatch(/phx-primary\s+us-east-2\s+DOWN\s+failed x3/);
    // The region is chosen once, not announced on every read.
    expect(run.stderr.match(/DynamoDB: using us-east-1/g)).toHaveLength(1);
  });

  it('prints one JSON document per line per read with --json', async () => {
    const run = await runCli(['status', '--json', '--watch', '--interval', '1', '--count', '2'], {
      unreachable,
      env: { AWS_ENDPOINT_URL_DYNAMODB: table.endpoint },
    });

    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(JSON.parse(line)).toMatchObject({ deployment: 'acme-voice', region: 'us-east-1' });
    }
    expect(Date.parse(JSON.parse(lines[1]).at)).toBeGreaterThan(Date.parse(JSON.parse(lines[0]).at));
  });

  it('stops on Ctrl-C (SIGINT) and exits 0', async () => {
    const started = Date.now();
    const run = await runCli(['status', '--watch', '--interval', '60'], {
      unreachable,
      env: { AWS_ENDPOINT_URL_DYNAMODB: table.endpoint },
      onStdout: (stdout, child) => {
        if (stdout.includes('No open incidents.')) child.kill('SIGINT');
      },
    });

    expect(run.code).toBe(0);
    expect(run.stdout.match(HEADER)).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('refuses --count or --interval without --watch (exit 1), and an interval that is not a whole number', async () => {
    const count = await runCli(['status', '--count', '2'], { unreachable });
    const interval = await runCli(['status', '--watch', '--interval', '0.5'], { unreachable });

    expect(count.code).toBe(1);
    expect(count.stderr).toContain('--count works only with --watch: status --watch --count N');
    expect(interval.code).toBe(1);
    expect(interval.stderr).toContain("option '--interval <seconds>' argument '0.5' is invalid");
  });
});

describe('carrier-failover status --watch on a terminal (AWS mocked)', () => {
  // Mocked here only: the spawned runs above need the real client to seed dynalite.
  let dynamo: ReturnType<typeof mockClient>;

  beforeAll(() => {
    dynamo = mockClient(DynamoDBDocumentClient);
    dynamo.on(GetCommand).resolves({});
    dynamo.on(QueryCommand).resolves({ Items: [] });
  });

  afterAll(() => {
    dynamo.restore();
  });

  it('redraws the table in place: clears the screen before each read and says how to stop', async () => {
    const io = fakeIo();
    const terminal = { ...io, stdout: { write: io.stdout.write, isTTY: true } };

    const code = await runCliInProcess(
      ['node', 'carrier-failover', 'status', '--watch', '--interval', '1', '--count', '2'],
      terminal,
    );

    expect(code).toBe(0);
    const screens = io.out.split('\u001b[H\u001b[2J');
    expect(screens).toHaveLength(3);
    expect(screens[0]).toBe('');
    for (const screen of screens.slice(1)) {
      expect(screen).toMatch(/^acme-voice at /);
      expect(screen).toContain('phx-primary            us-east-1  no data');
    }
    expect(screens[2]).toContain('Every 1 s, read 2 of 2; Ctrl-C to stop.');
  });

  it('reports a read that no region answers and shows the next one, instead of giving up', async () => {
    let failing = false;
    dynamo.on(GetCommand).callsFake(async () => {
      if (failing) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return {};
    });
    const io = fakeIo();
    const watched = {
      ...io,
      // The regions stop answering after the first screen and come back once the failure is told.
      stdout: {
        write: (text: string) => {
          io.stdout.write(text);
          failing = true;
        },
      },
      stderr: {
        write: (text: string) => {
          io.stderr.write(text);
          if (text.includes('trying again in 1 s')) failing = false;
        },
        isTTY: false,
      },
    };

    const code = await runCliInProcess(
      ['node', 'carrier-failover', 'status', '--watch', '--interval', '1', '--count', '3'],
      watched,
    );

    expect(code).toBe(0);
    expect(io.out.match(/^acme-voice at /gm)).toHaveLength(2);
    expect(io.err).toContain(
      'warning: no region answered for DynamoDB: tried us-east-1, us-east-2, us-west-2; check the network',
    );
    expect(io.err).toContain('; trying again in 1 s');
  });
});
