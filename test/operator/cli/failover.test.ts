import { failoverEventSchema } from '../../../lambdas/contracts/events/orchestrator-event';
import { outageIncidentId } from '../../../lambdas/domain/orchestration/run-failover';
import { loadDeployment } from '../../../lib/config/load-config';
import type { LocalIncidentTable } from '../../../lib/developer/far-side/local-incident-table';
import { closedLoopbackUrl, runCli } from './support/cli-process';
import { startExampleIncidentTable, writeOpenIncident } from './support/incident-table';
import { type LocalLambda, startLocalLambda } from './support/local-lambda';

describe('carrier-failover failover', () => {
  let table: LocalIncidentTable;
  let lambda: LocalLambda;
  let unreachable: string;
  const env = () => ({ AWS_ENDPOINT_URL_DYNAMODB: table.endpoint, AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint });

  beforeEach(async () => {
    unreachable = await closedLoopbackUrl();
    table = await startExampleIncidentTable();
    lambda = await startLocalLambda();
  });

  afterEach(async () => {
    await Promise.all([table.stop(), lambda.stop()]);
  });

  it('invokes the orchestrator asynchronously with a valid operator failover event and prints the incident id', async () => {
    const run = await runCli(
      [
        'failover',
        '--site',
        'phx-primary',
        '--reason',
        'UPS failure at PHX',
        '--yes',
        '--operator',
        'jdoe',
        '--json',
      ],
      { unreachable, env: env() },
    );

    expect(run.code).toBe(0);
    expect(lambda.invocations).toHaveLength(1);
    const [invocation] = lambda.invocations;
    expect(invocation).toMatchObject({
      functionName: 'acme-voice-orchestrator',
      invocationType: 'Event',
      region: 'us-east-1',
    });
    const event = failoverEventSchema.parse(invocation.payload);
    expect(event).toMatchObject({
      action: 'failover',
      siteId: 'phx-primary',
      regions: ['us-east-1'],
      trigger: { type: 'operator', region: 'us-east-1', name: 'jdoe' },
      failureKind: 'site-unreachable',
      reason: 'UPS failure at PHX',
    });
    expect(event.detectedAt).toBe(event.outageStartedAt);
    expect(run.json()).toMatchObject({
      siteId: 'phx-primary',
      incidentId: outageIncidentId('phx-primary', event.outageStartedAt),
      joinsOpenIncident: false,
      region: 'us-east-1',
      numbers: 24,
      operator: 'jdoe',
    });
  });

  it('names the operator from $USER and tells people how to follow the incident', async () => {
    const run = await runCli(['failover', '--site', 'phx-primary', '--reason', 'drill', '--yes'], {
      unreachable,
      env: { ...env(), USER: 'asmith' },
    });

    expect(run.code).toBe(0);
    expect(lambda.invocations[0].payload).toMatchObject({ trigger: { name: 'asmith' } });
    expect(run.stdout).toMatch(/Incident: phx-primary-\d{8}T\d{6}Z \(24 numbers to forward\)/);
    expect(run.stdout).toContain('carrier-failover incidents show phx-primary-');
  });

  it('reports the open incident the orchestrator will join', async () => {
    const entries = loadDeployment().plan.filter((entry) => entry.siteId === 'phx-primary');
    const open = await writeOpenIncident(table, {
      siteId: 'phx-primary',
      outageStartedAt: Date.UTC(2026, 7, 12, 8, 45),
      status: 'partially-forwarded',
      entries,
      numberStatuses: entries.map(() => 'forwarded'),
    });

    const run = await runCli(['failover', '--site', 'phx-primary', '--reason', 'again', '--yes', '--json'], {
      unreachable,
      env: env(),
    });

    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({
      incidentId: open.id,
      joinsOpenIncident: true,
      incidentStatus: 'partially-forwarded',
    });
  });

  it('refuses without --yes when no terminal can confirm (exit 1), invoking nothing', async () => {
    const run = await runCli(['failover', '--site', 'phx-primary', '--reason', 'UPS failure'], {
      unreachable,
      env: env(),
    });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('refusing to fail over phx-primary without confirmation');
    expect(run.stderr).toContain('add --yes');
    expect(lambda.invocations).toHaveLength(0);
  });

  it('exits 2 for an unknown site, listing the known ones, and 1 for a standby site', async () => {
    const unknown = await runCli(['failover', '--site', 'lax-primary', '--reason', 'x', '--yes'], {
      unreachable,
      env: env(),
    });
    const standby = await runCli(['failover', '--site', 'dal-standby', '--reason', 'x', '--yes'], {
      unreachable,
      env: env(),
    });

    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown site "lax-primary": acme-voice has phx-primary, dal-standby');
    expect(standby.code).toBe(1);
    expect(standby.stderr).toContain('site "dal-standby" is a standby site');
    expect(lambda.invocations).toHaveLength(0);
  });

  it('exits 1 when --reason or --site is missing', async () => {
    const run = await runCli(['failover', '--site', 'phx-primary', '--yes'], { unreachable, env: env() });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("required option '--reason <text>' not specified");
  });

  it('exits 3 naming the regions tried when Lambda answers in none of them', async () => {
    const run = await runCli(['failover', '--site', 'phx-primary', '--reason', 'UPS', '--yes'], {
      unreachable,
      env: { AWS_ENDPOINT_URL_DYNAMODB: table.endpoint },
    });

    expect(run.code).toBe(3);
    expect(run.stderr).toContain('no region answered for Lambda: tried us-east-1, us-east-2, us-west-2');
  });
});
