import { failbackEventSchema } from '../../../lambdas/contracts/events/failback-event';
import type { FailbackResult } from '../../../lambdas/handlers/failback';
import type { Incident } from '../../../lambdas/ports/incidents';
import { sampleOutage } from '../report/sample-outage';
import { closedLoopbackUrl, hasStackTrace, runCli } from './support/cli-process';
import { type LocalLambda, startLocalLambda } from './support/local-lambda';

describe('carrier-failover failback', () => {
  let lambda: LocalLambda;
  let unreachable: string;
  const incident: Incident = { ...sampleOutage().incident, status: 'recovering', resolvedAt: undefined };
  const answer = (outcome: Record<string, unknown>): { result: FailbackResult } => ({
    result: { status: 'ok', sites: [{ siteId: 'phx-primary', incident, ...outcome } as never] },
  });
  const env = () => ({ AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint });

  beforeEach(async () => {
    unreachable = await closedLoopbackUrl();
    lambda = await startLocalLambda();
  });

  afterEach(async () => {
    await lambda.stop();
  });

  it('sends the approval synchronously to the failback function and prints the outcome', async () => {
    lambda.respondWith(() => answer({ result: 'in-progress', detail: 'wave 1 of 4 restored 3 numbers' }));

    const run = await runCli(['failback', '--site', 'phx-primary', '--approve', '--operator', 'jdoe'], {
      unreachable,
      env: env(),
    });

    expect(run.code).toBe(0);
    const [invocation] = lambda.invocations;
    expect(invocation).toMatchObject({
      functionName: 'acme-voice-failback',
      invocationType: 'RequestResponse',
      region: 'us-east-1',
      payload: {
        action: 'approve',
        siteId: 'phx-primary',
        approvedBy: { name: 'jdoe', region: 'us-east-1' },
      },
    });
    expect(failbackEventSchema.safeParse(invocation.payload).success).toBe(true);
    expect(run.stdout).toContain('phx-primary: in-progress (wave 1 of 4 restored 3 numbers)');
    expect(run.stdout).toContain(`Incident ${incident.id} is recovering`);
  });

  it('without --approve sends a tick for the site and says how to approve', async () => {
    lambda.respondWith(() =>
      answer({ result: 'awaiting-approval', detail: 'manual mode: waiting for approval' }),
    );

    const run = await runCli(['failback', '--site', 'phx-primary', '--json'], { unreachable, env: env() });

    expect(run.code).toBe(0);
    expect(lambda.invocations[0].payload).toEqual({ action: 'tick', siteId: 'phx-primary' });
    expect(run.json()).toMatchObject({
      siteId: 'phx-primary',
      action: 'tick',
      result: 'awaiting-approval',
      incidentId: incident.id,
      next: 'Approve it with: carrier-failover failback --site phx-primary --approve',
    });
  });

  it('exits 5 when the failback halted', async () => {
    lambda.respondWith(() => answer({ result: 'halted', detail: 'the site degraded before wave 2' }));

    const run = await runCli(['failback', '--site', 'phx-primary'], { unreachable, env: env() });

    expect(run.code).toBe(5);
    expect(run.stdout).toContain('phx-primary: halted (the site degraded before wave 2)');
    expect(run.stdout).toContain('The remaining numbers stay forwarded');
  });

  it('exits 2 when the site has no open incident', async () => {
    lambda.respondWith(() => ({
      result: { status: 'ok', sites: [{ siteId: 'phx-primary', result: 'no-incident' }] },
    }));

    const run = await runCli(['failback', '--site', 'phx-primary', '--approve'], { unreachable, env: env() });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('phx-primary has no open incident: nothing to fail back');
  });

  it('exits 5 with the function’s error when the failback function fails', async () => {
    lambda.respondWith(() => ({ functionError: { errorType: 'TypeError', errorMessage: 'boom' } }));

    const run = await runCli(['failback', '--site', 'phx-primary'], { unreachable, env: env() });

    expect(run.code).toBe(5);
    expect(run.stderr).toContain(
      'the failback function acme-voice-failback failed in us-east-1 (TypeError: boom)',
    );
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it('exits 1 with the problems when the function rejects the event', async () => {
    lambda.respondWith(() => ({
      result: { status: 'rejected', problems: ['siteId: expected one of phx-primary'] },
    }));

    const run = await runCli(['failback', '--site', 'phx-primary'], { unreachable, env: env() });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('rejected the request');
    expect(run.stderr).toContain('  - siteId: expected one of phx-primary');
  });

  it('exits 2 for an unknown site without invoking anything', async () => {
    const run = await runCli(['failback', '--site', 'nyc-primary'], { unreachable, env: env() });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown site "nyc-primary"');
    expect(lambda.invocations).toHaveLength(0);
  });

  it('exits 3 naming the regions tried when no region answers', async () => {
    const run = await runCli(['failback', '--site', 'phx-primary', '--approve', '--json'], { unreachable });

    expect(run.code).toBe(3);
    expect(run.stderr).toContain('no region answered for Lambda: tried us-east-1, us-east-2, us-west-2');
    expect(run.json()).toMatchObject({ ok: false, exitCode: 3 });
  });
});
