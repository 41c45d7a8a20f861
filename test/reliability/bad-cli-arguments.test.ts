/**
 * Bad arguments to the operator CLI, in process: each ends with its documented exit code (1 for bad
 * input, 2 for an unknown site or incident), one plain message on stderr without a stack trace,
 * nothing on stdout (or exactly one JSON document with --json), and not one AWS call: a mistake is
 * caught before anything is read, invoked or written.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../lib/operator/cli/program';
import { fakeIo } from '../operator/cli/support/fake-io';
import { writeDeploymentFiles } from '../support/config-files';

const argv = (...args: string[]) => ['node', 'carrier-failover', ...args];
const STACK_FRAME = /\n\s+at .+:\d+:\d+\)?/;

describe('bad CLI arguments', () => {
  const documents = mockClient(DynamoDBDocumentClient);
  const tables = mockClient(DynamoDBClient);
  const lambdas = mockClient(LambdaClient);
  const awsCalls = () => documents.calls().length + tables.calls().length + lambdas.calls().length;

  beforeEach(() => {
    const refusal = new Error('a bad argument must not reach AWS');
    documents.reset().onAnyCommand().rejects(refusal);
    tables.reset().onAnyCommand().rejects(refusal);
    lambdas.reset().onAnyCommand().rejects(refusal);
  });

  afterAll(() => {
    documents.restore();
    tables.restore();
    lambdas.restore();
  });

  const brokenConfig = () => writeDeploymentFiles('deployment: acme-voice\nwatchdogRegions: us-east-1\n');

  it.each<[string, () => string[], number, RegExp]>([
    ['an unknown command', () => ['fail-over'], 1, /unknown command 'fail-over'/],
    ['an unknown option', () => ['status', '--colour'], 1, /unknown option '--colour'/],
    ['a watch interval of zero', () => ['status', '--watch', '--interval', '0'], 1, /--interval/],
    ['a watch count that is not a number', () => ['status', '--watch', '--count', 'many'], 1, /--count/],
    ['a negative list limit', () => ['incidents', 'list', '--limit', '-5'], 1, /--limit/],
    ['a missing incident id', () => ['incidents', 'show'], 1, /missing required argument 'id'/],
    [
      'a report format that does not exist',
      () => ['incidents', 'show', 'x', '--format', 'pdf'],
      1,
      /--format/,
    ],
    ['failover without a site', () => ['failover', '--reason', 'UPS', '--yes'], 1, /--site <id>/],
    ['failover without a reason', () => ['failover', '--site', 'phx-primary', '--yes'], 1, /--reason <text>/],
    [
      'failover with an empty reason',
      () => ['failover', '--site', 'phx-primary', '--reason', ' ', '--yes'],
      1,
      /--reason/,
    ],
    [
      'failover with a reason too long',
      () => ['failover', '--site', 'phx-primary', '--reason', 'x'.repeat(501), '--yes'],
      1,
      /--reason/,
    ],
    [
      'failover of an unknown site',
      () => ['failover', '--site', 'nowhere', '--reason', 'UPS', '--yes'],
      2,
      /nowhere/,
    ],
    [
      'failover of a standby site',
      () => ['failover', '--site', 'dal-standby', '--reason', 'UPS', '--yes'],
      1,
      /dal-standby/,
    ],
    ['failback without a site', () => ['failback', '--approve'], 1, /--site <id>/],
    ['failback of an unknown site', () => ['failback', '--site', 'nowhere', '--approve'], 2, /nowhere/],
    ['an audit expectation that does not exist', () => ['audit', '--expect', 'sideways'], 1, /--expect/],
    ['replay without a trace', () => ['replay'], 1, /missing required argument 'trace'/],
    ['replay of a trace that does not exist', () => ['replay', '/nonexistent/trace.csv'], 1, /trace\.csv/],
    [
      'observations export with a time that is not one',
      () => ['observations', 'export', '--site', 'phx-primary', '--from', 'yesterday', '--to', 'now'],
      1,
      /--from|--json/,
    ],
    [
      'a config file that does not exist',
      () => ['--config', '/nonexistent/prod.yaml', 'status'],
      1,
      /prod\.yaml/,
    ],
    ['a broken config file', () => ['--config', brokenConfig(), 'status'], 1, /watchdogRegions/],
  ])('%s', async (_what, argsOf, expectedCode, message) => {
    const args = argsOf();
    for (const json of [false, true]) {
      const io = fakeIo();

      const code = await runCli(argv(...args, ...(json ? ['--json'] : [])), io);

      expect({ args, json, code }).toEqual({ args, json, code: expectedCode });
      expect(io.err).not.toMatch(STACK_FRAME);
      expect(io.out).not.toMatch(STACK_FRAME);
      if (json) {
        const document = JSON.parse(io.out);
        expect(document).toMatchObject({ ok: false, exitCode: expectedCode });
        expect(JSON.stringify(document)).toMatch(message);
      } else {
        expect(io.out).toBe('');
        expect(io.err).toMatch(message);
      }
      expect(awsCalls()).toBe(0);
    }
  });
});
