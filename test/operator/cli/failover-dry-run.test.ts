import { createCarrierAccess } from '../../../lambdas/adapters/carriers/carrier-access';
import { EnvironmentCredentialSource } from '../../../lambdas/adapters/carriers/credentials';
import { DynamoDbIncidentStore } from '../../../lambdas/adapters/dynamodb/incident-store';
import type { LocalIncidentTable } from '../../../lib/developer/far-side/local-incident-table';
import type { FailoverDryRunResult } from '../../../lib/operator/cli/commands/failover';
import { type PracticeDeployment, startPracticeDeployment } from '../../support/practice-deployment';
import { closedLoopbackUrl, hasStackTrace, runCli } from './support/cli-process';
import { startExampleIncidentTable } from './support/incident-table';
import { type LocalLambda, startLocalLambda } from './support/local-lambda';

describe('carrier-failover failover --dry-run', () => {
  let deployment: PracticeDeployment;
  let table: LocalIncidentTable;
  let lambda: LocalLambda;
  let unreachable: string;
  const run = (configPath: string, args: string[], credentials = deployment.credentials) =>
    runCli([...args, '--config', configPath], {
      unreachable,
      env: {
        ...credentials,
        AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
        AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
      },
    });
  const writeCount = () => deployment.carriers.numbersChanged();
  const requestsWritten = () =>
    Object.values(deployment.carriers.fakes).flatMap(
      (fake) => fake?.requests.filter((entry) => entry.write) ?? [],
    );

  beforeEach(async () => {
    unreachable = await closedLoopbackUrl();
    deployment = await startPracticeDeployment();
    table = await startExampleIncidentTable();
    lambda = await startLocalLambda();
  });

  afterEach(async () => {
    await Promise.all([deployment.carriers.stop(), table.stop(), lambda.stop()]);
  });

  it('lists every number of the site from → to, writes nothing anywhere and opens no incident', async () => {
    const dryRun = await run(deployment.writeConfigFile(), [
      'failover',
      '--site',
      'phx-primary',
      '--dry-run',
      '--json',
    ]);

    expect(dryRun.code).toBe(0);
    const result = dryRun.json<FailoverDryRunResult>();
    expect(result).toMatchObject({
      siteId: 'phx-primary',
      dryRun: true,
      total: 22,
      toForward: 22,
      skipped: 0,
      problems: [],
    });
    expect(result.numbers.map((number) => number.number)).toEqual(
      deployment.plan.map((entry) => entry.number),
    );
    for (const [index, entry] of deployment.plan.entries()) {
      expect(result.numbers[index]).toMatchObject({
        carrier: entry.carrier,
        from: 'not forwarded',
        to: `forwarding every call to ${entry.forwardTo}`,
        action: 'forward',
      });
    }
    expect(requestsWritten()).toEqual([]);
    expect(writeCount()).toBe(0);
    // It read every carrier (route read-backs, routing pages); Bandwidth's TN lookups serve both.
    expect(deployment.carriers.requestCount()).toBeGreaterThan(0);
    expect(deployment.carriers.violations()).toEqual([]);
    expect(lambda.invocations).toEqual([]);
    expect(
      await new DynamoDbIncidentStore(table.documentClient, table.tableName).listBySite('phx-primary'),
    ).toEqual([]);
  });

  it("estimates the duration at each carrier's rate limit, carriers in parallel", async () => {
    const dryRun = await run(deployment.writeConfigFile(), [
      'failover',
      '--site',
      'phx-primary',
      '--dry-run',
      '--json',
    ]);

    const result = dryRun.json<FailoverDryRunResult>();
    // The engine's plan at the 200/s the test config sets (no bulk below 20 numbers): Telnyx and
    // Twilio read the routing in one list page and write each number; Bandwidth's TN list shows no
    // CallForward for these numbers, and the route read-back has just looked each one up
    // (RetrieveTnDetails), so its two pages (the site's SIP peer, then its TNs) complete them.
    const plan = { carriedByRoute: 0, mode: 'per-number', rateLimitPerSecond: 200 };
    expect(result.byCarrier).toEqual([
      {
        ...plan,
        carrier: 'telnyx',
        numbers: 10,
        pages: 1,
        singleReads: 0,
        writeCalls: 10,
        requests: 11,
        estimatedMs: 55,
      },
      {
        ...plan,
        carrier: 'twilio',
        numbers: 6,
        pages: 1,
        singleReads: 0,
        writeCalls: 6,
        requests: 7,
        estimatedMs: 35,
      },
      {
        ...plan,
        carrier: 'bandwidth',
        numbers: 6,
        pages: 2,
        singleReads: 0,
        writeCalls: 6,
        requests: 8,
        estimatedMs: 40,
      },
    ]);
    expect(result.estimatedMs).toBe(55);
  });

  it('skips a number already forwarded and names the problem of a destination its carrier cannot take (exit 5)', async () => {
    const telnyx = await createCarrierAccess(
      deployment.config.carriers,
      new EnvironmentCredentialSource(deployment.credentials),
    ).open('telnyx');
    await telnyx.forward({ number: '+16025550001', destination: '+12145550001', mode: 'always' });
    const configPath = deployment.writeConfigFile((csv) =>
      csv.replace(
        '+16025550002,telnyx,phx-primary,+12145550002',
        '+16025550002,telnyx,phx-primary,sip:dr@sbc1.dal.example.net',
      ),
    );
    const writesBefore = requestsWritten().length;

    const dryRun = await run(configPath, ['failover', '--site', 'phx-primary', '--dry-run']);

    expect(dryRun.code).toBe(5);
    expect(requestsWritten()).toHaveLength(writesBefore);
    expect(dryRun.stdout).toContain(
      'Dry run of a failover of phx-primary: 22 numbers, 20 would be forwarded, 1 skipped, 1 with problems. Nothing was written and no incident opened.',
    );
    expect(dryRun.stdout).toMatch(/^NUMBER\s+CARRIER\s+FROM\s+TO\s+NOTE$/m);
    expect(dryRun.stdout).toMatch(
      /\+16025550001\s+telnyx\s+forwarding every call to \+12145550001\s+\(skipped\)\s+already forwarded to \+12145550001/,
    );
    expect(dryRun.stdout).toMatch(
      /\+16025550002\s+telnyx\s+not forwarded\s+\(would fail\)\s+telnyx: forward for \+16025550002: Telnyx call forwarding takes an E\.164 number/,
    );
    expect(dryRun.stdout).toMatch(
      /\+16025550016\s+bandwidth\s+not forwarded\s+forwarding every call to \+12145550016/,
    );
    expect(dryRun.stdout).toContain(
      "Estimated duration at the carriers' rate limits: 0.0 s (carriers in parallel)",
    );
    expect(dryRun.stdout).toContain('Problems a failover would meet:');
  });

  it('exits 4 naming the missing credentials before reading any number', async () => {
    const { TWILIO_AUTH_TOKEN: _token, ...partial } = deployment.credentials;

    const dryRun = await run(
      deployment.writeConfigFile(),
      ['failover', '--site', 'phx-primary', '--dry-run'],
      partial,
    );

    expect(dryRun.code).toBe(4);
    expect(dryRun.stderr).toContain('twilio: environment variable TWILIO_AUTH_TOKEN is not set');
    expect(deployment.carriers.requestCount()).toBe(0);
    expect(hasStackTrace(dryRun.stderr)).toBe(false);
  });

  it('needs no --reason, but a real failover still does', async () => {
    const real = await run(deployment.writeConfigFile(), ['failover', '--site', 'phx-primary', '--yes']);

    expect(real.code).toBe(1);
    expect(real.stderr).toContain("required option '--reason <text>' not specified");
    expect(lambda.invocations).toEqual([]);
  });
});
