import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../lib/operator/cli/program';
import { fakeIo } from './support/fake-io';

describe('failover handler in process (AWS mocked)', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const lambda = mockClient(LambdaClient);
  const argv = (...args: string[]) => ['node', 'carrier-failover', ...args];

  beforeEach(() => {
    dynamo.reset();
    lambda.reset();
    dynamo.on(GetCommand).resolves({});
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
  });

  it('asks on a terminal and invokes once the operator answers yes', async () => {
    const io = fakeIo({ interactive: true, answers: ['y'] });

    const code = await runCli(argv('failover', '--site', 'phx-primary', '--reason', 'UPS'), io);

    expect(code).toBe(0);
    expect(io.questions).toEqual([
      'This forwards 24 numbers of phx-primary at their carriers to the backup destinations.\nFail over phx-primary now? [y/N] ',
    ]);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
    expect(io.out).toContain('Incident: phx-primary-20260812T090000Z (24 numbers to forward)');
  });

  it.each([['n'], [''], [undefined]])(
    'aborts with 130 and invokes nothing when the answer is %p',
    async (answer) => {
      const io = fakeIo({ interactive: true, answers: [answer] });

      const code = await runCli(argv('failover', '--site', 'phx-primary', '--reason', 'UPS'), io);

      expect(code).toBe(130);
      expect(io.err).toContain('aborted: no failover of phx-primary was requested');
      expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    },
  );

  it('falls back to the next watchdog region when the home region’s Lambda does not answer', async () => {
    lambda.on(InvokeCommand).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      if (region === 'us-east-1')
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return { StatusCode: 202 };
    });
    const io = fakeIo();

    const code = await runCli(
      argv('failover', '--site', 'phx-primary', '--reason', 'UPS', '--yes', '--json'),
      io,
    );

    expect(code).toBe(0);
    const payloads = lambda
      .commandCalls(InvokeCommand)
      .map((call) => JSON.parse(new TextDecoder().decode(call.args[0].input.Payload as Uint8Array)));
    expect(payloads.map((payload) => payload.trigger.region)).toEqual(['us-east-1', 'us-east-2']);
    // The same outage in both regions: a retry joins rather than opening a second incident.
    expect(new Set(payloads.map((payload) => payload.outageStartedAt)).size).toBe(1);
    expect(JSON.parse(io.out)).toMatchObject({
      region: 'us-east-2',
      incidentId: 'phx-primary-20260812T090000Z',
    });
    expect(io.err).toContain('Lambda: us-east-1 did not answer (connect ECONNREFUSED); trying us-east-2');
    expect(io.err).toContain('Lambda: using us-east-2 (fallback region)');
  });

  it('rejects an empty or overlong --reason (exit 1)', async () => {
    const empty = fakeIo();
    const long = fakeIo();

    const emptyCode = await runCli(
      argv('failover', '--site', 'phx-primary', '--reason', '  ', '--yes'),
      empty,
    );
    const longCode = await runCli(
      argv('failover', '--site', 'phx-primary', '--reason', 'x'.repeat(501), '--yes'),
      long,
    );

    expect([emptyCode, longCode]).toEqual([1, 1]);
    expect(empty.err).toContain('--reason: expected 1-500 characters saying why, got 0');
    expect(long.err).toContain('got 501');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});
