import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsContext, regionUnavailableReason } from '../../../../lib/operator/cli/support/aws-context';
import { CliError } from '../../../../lib/operator/cli/support/cli-error';

const deployment = {
  deployment: 'acme-voice',
  homeRegion: 'us-east-1',
  watchdogRegions: ['us-east-1', 'us-east-2', 'us-west-2'],
};

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
}

function awsError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

describe('AwsContext', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  let log: string[];
  let context: AwsContext;
  const regionsCalled = async () =>
    Promise.all(dynamo.commandCalls(GetCommand).map((call) => call.thisValue.config.region()));
  const read = () =>
    context.dynamo(async ({ region, documentClient, tableName }) => {
      await documentClient.send(new GetCommand({ TableName: tableName, Key: { pk: 'x', sk: 'y' } }));
      return region;
    });

  beforeEach(() => {
    dynamo.reset();
    log = [];
    context = new AwsContext({ deployment, log: (line) => log.push(line) });
  });

  afterEach(() => {
    context.close();
  });

  it('tries the home region first, then the other watchdog regions in config order', () => {
    expect(context.regionsFor('dynamodb')).toEqual(['us-east-1', 'us-east-2', 'us-west-2']);
    expect(
      new AwsContext({ deployment: { ...deployment, homeRegion: 'us-west-2' }, log: () => {} }).regionsFor(
        'dynamodb',
      ),
    ).toEqual(['us-west-2', 'us-east-1', 'us-east-2']);
  });

  it('invokes functions only in watchdog regions, even when the home region is not one', () => {
    const elsewhere = new AwsContext({
      deployment: { ...deployment, homeRegion: 'eu-west-1' },
      log: () => {},
    });

    expect(elsewhere.regionsFor('lambda')).toEqual(['us-east-1', 'us-east-2', 'us-west-2']);
    expect(elsewhere.regionsFor('dynamodb')).toEqual(['eu-west-1', 'us-east-1', 'us-east-2', 'us-west-2']);
  });

  it('uses only the --region given', () => {
    const forced = new AwsContext({ deployment, forcedRegion: 'us-west-2', log: () => {} });

    expect(forced.regionsFor('dynamodb')).toEqual(['us-west-2']);
    expect(forced.regionsFor('lambda')).toEqual(['us-west-2']);
  });

  it('falls back to the next region when the home region does not answer, and says which answered', async () => {
    dynamo.on(GetCommand).callsFake(async (_input, getClient) => {
      if ((await getClient().config.region()) === 'us-east-1') throw refused();
      return {};
    });

    const region = await read();

    expect(region).toBe('us-east-2');
    expect(log).toEqual([
      'DynamoDB: us-east-1 did not answer (connect ECONNREFUSED 127.0.0.1:9); trying us-east-2',
      'DynamoDB: using us-east-2 (fallback region)',
    ]);
  });

  it('starts later calls in the region that answered last', async () => {
    dynamo.on(GetCommand).callsFake(async (_input, getClient) => {
      if ((await getClient().config.region()) === 'us-east-1') throw refused();
      return {};
    });
    await read();
    dynamo.resetHistory();

    await read();

    expect(await regionsCalled()).toEqual(['us-east-2']);
  });

  it('moves on after a timeout or a 5xx answer too', async () => {
    dynamo
      .on(GetCommand)
      .rejectsOnce(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }))
      .rejectsOnce(awsError('InternalServerError', 500))
      .resolves({});

    const region = await read();

    expect(region).toBe('us-west-2');
    expect(log.slice(0, 2)).toEqual([
      'DynamoDB: us-east-1 did not answer (TimeoutError: socket hang up); trying us-east-2',
      'DynamoDB: us-east-2 did not answer (InternalServerError: InternalServerError); trying us-west-2',
    ]);
  });

  it('names every region tried and exits 3 when none answers', async () => {
    dynamo.on(GetCommand).rejects(refused());

    const failure = await read().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CliError);
    expect(failure).toMatchObject({
      exitCode: 3,
      problems: [
        'us-east-1 (connect ECONNREFUSED 127.0.0.1:9)',
        'us-east-2 (connect ECONNREFUSED 127.0.0.1:9)',
        'us-west-2 (connect ECONNREFUSED 127.0.0.1:9)',
      ],
    });
    expect((failure as Error).message).toContain(
      'no region answered for DynamoDB: tried us-east-1, us-east-2, us-west-2',
    );
  });

  it('does not fall back when the credentials are refused: exit 4', async () => {
    dynamo
      .on(GetCommand)
      .rejects(awsError('UnrecognizedClientException', 400, 'The security token is invalid.'));

    const failure = await read().catch((error: unknown) => error);

    expect(failure).toMatchObject({ exitCode: 4 });
    expect((failure as Error).message).toBe(
      'AWS rejected the credentials in us-east-1 (UnrecognizedClientException: The security token is invalid.); refresh them (e.g. `aws sso login`) or check AWS_PROFILE',
    );
    expect(await regionsCalled()).toEqual(['us-east-1']);
  });

  it('names the missing table and how to deploy it, without falling back', async () => {
    dynamo.on(GetCommand).rejects(awsError('ResourceNotFoundException', 400, 'Requested resource not found'));

    const failure = await read().catch((error: unknown) => error);

    expect(failure).toMatchObject({ exitCode: 3 });
    expect((failure as Error).message).toBe(
      "the incident table acme-voice-incidents does not exist in us-east-1; deploy acme-voice there (npx cdk deploy --all -c config=PATH) or pass the deployment's config with --config",
    );
    expect(await regionsCalled()).toEqual(['us-east-1']);
  });

  it('names the missing observation table when the work reads observations', async () => {
    dynamo.on(GetCommand).rejects(awsError('ResourceNotFoundException', 400, 'Requested resource not found'));

    const failure = await context
      .dynamo(
        async ({ documentClient, observationTableName }) => {
          await documentClient.send(
            new GetCommand({ TableName: observationTableName, Key: { pk: 'x', sk: 'y' } }),
          );
        },
        { table: 'observation' },
      )
      .catch((error: unknown) => error);

    expect((failure as Error).message).toMatch(
      /^the observation table acme-voice-observations does not exist in us-east-1; deploy acme-voice there/,
    );
    expect(dynamo.commandCalls(GetCommand)[0].args[0].input.TableName).toBe('acme-voice-observations');
  });

  it('passes other errors through untouched', async () => {
    const validation = awsError('ValidationException', 400, 'bad key');
    dynamo.on(GetCommand).rejects(validation);

    await expect(read()).rejects.toBe(validation);
  });
});

describe('regionUnavailableReason', () => {
  it('finds a socket error under the SDK’s wrapping', () => {
    const wrapped = Object.assign(new Error('fetch failed'), { cause: refused() });

    expect(regionUnavailableReason(wrapped)).toBe('connect ECONNREFUSED 127.0.0.1:9');
  });

  it('treats throttling and client errors as answers', () => {
    expect(regionUnavailableReason(awsError('ThrottlingException', 400))).toBeUndefined();
    expect(regionUnavailableReason(awsError('ConditionalCheckFailedException', 400))).toBeUndefined();
    expect(regionUnavailableReason(new TypeError('x is undefined'))).toBeUndefined();
  });
});
