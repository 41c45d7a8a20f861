import type { LocalIncidentTable } from '../../../lib/developer/far-side/local-incident-table';
import type { PracticeCommandResult } from '../../../lib/operator/cli/commands/practice';
import {
  CANARIES,
  type PracticeDeployment,
  startPracticeDeployment,
} from '../../support/practice-deployment';
import { sampleOutage } from '../report/sample-outage';
import { closedLoopbackUrl, hasStackTrace, runCli } from './support/cli-process';
import { startExampleIncidentTable, writeIncident } from './support/incident-table';
import { type LocalLambda, startLocalLambda } from './support/local-lambda';
import { type LocalSns, startLocalSns } from './support/local-sns';

const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'];
const topicOf = (region: string) => `arn:aws:sns:${region}:111111111111:acme-voice-alerts-${region}`;
/** Bandwidth's adapter waits 2 s between order polls: these tests leave it out to stay quick. */
const CARRIERS = ['telnyx', 'twilio'] as const;

describe('carrier-failover practice', () => {
  let deployment: PracticeDeployment;
  let configPath: string;
  let table: LocalIncidentTable;
  let lambda: LocalLambda;
  let sns: LocalSns;
  let unreachable: string;
  const run = (args: string[], env: Record<string, string> = {}) =>
    runCli([...args, '--config', configPath], {
      unreachable,
      env: {
        ...deployment.credentials,
        AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
        AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
        AWS_ENDPOINT_URL_SNS: sns.endpoint,
        ...env,
      },
    });
  const canaryWrites = () =>
    Object.fromEntries(CARRIERS.map((name) => [name, deployment.carriers.writesTo(CANARIES[name].number)]));

  beforeEach(async () => {
    unreachable = await closedLoopbackUrl();
    deployment = await startPracticeDeployment({ carriers: CARRIERS });
    configPath = deployment.writeConfigFile();
    table = await startExampleIncidentTable();
    lambda = await startLocalLambda();
    sns = await startLocalSns();
    for (const region of REGIONS) {
      lambda.setEnvironment('acme-voice-orchestrator', region, { ALERT_TOPIC_ARN: topicOf(region) });
      sns.setSubscriptions(topicOf(region), [
        { protocol: 'email', endpoint: 'noc@example.com', confirmed: true },
      ]);
    }
  });

  afterEach(async () => {
    await Promise.all([deployment.carriers.stop(), table.stop(), lambda.stop(), sns.stop()]);
  });

  it('practices every canary and check from this machine, and records the run with its durations', async () => {
    const practice = await run(['practice', '--json']);

    expect(practice.code).toBe(0);
    const result = practice.json<PracticeCommandResult>();
    expect(result).toMatchObject({
      incidentId: expect.stringMatching(/^practice-\d{8}T\d{6}Z$/),
      passed: true,
      region: 'us-east-1',
      operator: 'test-operator',
      problems: [],
      alert: { sent: true, kind: 'practice-passed', severity: 'info' },
    });
    expect(result.canaries.map((canary) => [canary.carrier, Object.keys(canary.durationsMs).length])).toEqual(
      CARRIERS.map((name) => [name, 5]),
    );
    expect(result.checks.filter((check) => !check.passed)).toEqual([]);
    expect(result.checks.map((check) => check.name)).toEqual(
      expect.arrayContaining([
        'telnyx credentials',
        'twilio canary',
        ...REGIONS.map((region) => `orchestrator ${region}`),
        ...REGIONS.map((region) => `alert topic ${region}`),
        'drift',
      ]),
    );
    expect(canaryWrites()).toEqual({ telnyx: 2, twilio: 2 });
    for (const entry of deployment.plan) expect(deployment.carriers.writesTo(entry.number)).toBe(0);
    expect(lambda.invocations.map((call) => [call.invocationType, call.region, call.functionName])).toEqual(
      expect.arrayContaining(REGIONS.map((region) => ['DryRun', region, 'acme-voice-orchestrator'])),
    );
    expect(lambda.invocations.every((call) => call.invocationType === 'DryRun')).toBe(true);
    expect(sns.published).toEqual([
      expect.objectContaining({
        topicArn: topicOf('us-east-1'),
        attributes: expect.objectContaining({ severity: 'info', kind: 'practice-passed' }),
      }),
    ]);
    // Progress on stderr as it goes.
    expect(practice.stderr).toContain('telnyx canary: forward ok');
    expect(practice.stderr).toContain('orchestrator us-west-2: ok');
  });

  it('prints a summary table for people', async () => {
    const practice = await run(['practice']);

    expect(practice.code).toBe(0);
    expect(practice.stdout).toMatch(
      /^CARRIER\s+CANARY\s+READ\/SAVE\s+FORWARD\s+VERIFY\s+RESTORE\s+VERIFY\s+RESULT/,
    );
    expect(practice.stdout).toMatch(
      /twilio\s+\+16025559901\s+\d+ ms\s+\d+ ms\s+\d+ ms\s+\d+ ms\s+\d+ ms\s+ok/,
    );
    expect(practice.stdout).toMatch(/CHECK\s+RESULT\s+DETAIL/);
    expect(practice.stdout).toMatch(/Practice passed in \d+ ms: practice-\d{8}T\d{6}Z\./);
  });

  it("exits 5 naming an unreachable region's orchestrator and an unconfirmed topic, with the canaries restored", async () => {
    lambda.unreachableRegions.add('us-west-2');
    sns.setSubscriptions(topicOf('us-east-2'), [
      { protocol: 'email', endpoint: 'noc@example.com', confirmed: false },
    ]);

    const practice = await run(['practice', '--json']);

    expect(practice.code).toBe(5);
    const result = practice.json<PracticeCommandResult>();
    expect(result.passed).toBe(false);
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^orchestrator in us-west-2 unreachable: /),
        'alert topic in us-east-2: no confirmed subscription, 1 pending confirmation; nobody would be paged',
      ]),
    );
    expect(sns.published.map((message) => message.attributes.severity)).toEqual(['high']);
    expect(sns.published[0].subject).toMatch(/^\[acme-voice\] PRACTICE practice: failover path broken: /);
    expect(canaryWrites()).toEqual({ telnyx: 2, twilio: 2 });
    expect(hasStackTrace(practice.stderr)).toBe(false);
  });

  it('practices only one carrier with --carrier', async () => {
    const practice = await run(['practice', '--carrier', 'twilio', '--json']);

    expect(practice.code).toBe(0);
    expect(practice.json<PracticeCommandResult>().canaries.map((canary) => canary.carrier)).toEqual([
      'twilio',
    ]);
    expect(canaryWrites()).toEqual({ telnyx: 0, twilio: 2 });
  });

  it('exits 1 for an unknown carrier and 2 for one the deployment does not configure', async () => {
    const unknown = await run(['practice', '--carrier', 'sprint']);
    const unconfigured = await run(['practice', '--carrier', 'bandwidth']);

    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      '--carrier: expected one of telnyx, twilio, bandwidth, webhook, got "sprint"',
    );
    expect(unconfigured.code).toBe(2);
    expect(unconfigured.stderr).toContain('carrier "bandwidth" is not configured');
    expect(deployment.carriers.requestCount()).toBe(0);
  });

  it('exits 3 before touching a carrier when no region answers for the incident table', async () => {
    const practice = await run(['practice'], { AWS_ENDPOINT_URL_DYNAMODB: unreachable });

    expect(practice.code).toBe(3);
    expect(deployment.carriers.requestCount()).toBe(0);
  });

  it('lists practice runs in the incident log, marked with their durations, and filters them', async () => {
    const { incident, events } = sampleOutage();
    await writeIncident(table, incident, events);
    const practice = (await run(['practice', '--json'])).json<PracticeCommandResult>();

    const all = await run(['incidents', 'list', '--json']);
    const onlyPractice = await run(['incidents', 'list', '--practice', '--json']);
    const noPractice = await run(['incidents', 'list', '--no-practice', '--json']);
    const table_ = await run(['incidents', 'list']);
    const report = await run(['incidents', 'show', practice.incidentId]);

    type Listed = { incidents: { id: string; kind: string; practice: { passed: boolean } | null }[] };
    expect(all.json<Listed>().incidents.map((listed) => [listed.id, listed.kind])).toEqual([
      [practice.incidentId, 'practice'],
      [incident.id, 'outage'],
    ]);
    expect(onlyPractice.json<Listed>().incidents).toEqual([
      expect.objectContaining({
        id: practice.incidentId,
        practice: expect.objectContaining({ passed: true, canaries: expect.any(Array) }),
      }),
    ]);
    expect(noPractice.json<Listed>().incidents.map((listed) => listed.id)).toEqual([incident.id]);
    expect(table_.stdout).toContain(`${practice.incidentId} (practice)`);
    expect(table_.stdout).toContain('Practice runs (measured):');
    expect(table_.stdout).toMatch(
      /telnyx \+16025559900: ok, read \d+ ms, forward \d+ ms, verify \d+ ms, restore \d+ ms, verify \d+ ms/,
    );
    expect(report.code).toBe(0);
    expect(report.stdout).toContain('Practice run: practice');
    expect(report.stdout).toMatch(/telnyx canary \+16025559900: forward ok in \d+ ms/);
  });
});
