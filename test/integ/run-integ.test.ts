import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  INTEG_APP,
  type IntegCommand,
  type IntegRunDependencies,
  parseIntegArguments,
  runInteg,
} from './run-integ';

const sts = mockClient(STSClient);

/** A run's world: cdk commands answered with the given exit codes, recorded; a clock that ticks a minute a call. */
function fakeWorld(exitCodes: { deploy?: number; destroy?: number } = {}) {
  const spawned: IntegCommand[] = [];
  const lines: string[] = [];
  const stsOptions: { profile: string; region: string }[] = [];
  let interrupt: (() => void) | undefined;
  let clock = 0;
  const deps: IntegRunDependencies = {
    spawn: async (command) => {
      spawned.push(command);
      return command.args[1] === 'deploy' ? (exitCodes.deploy ?? 0) : (exitCodes.destroy ?? 0);
    },
    stsClient: (options) => {
      stsOptions.push({ profile: options.profile, region: options.region });
      return new STSClient({ region: options.region });
    },
    log: (line) => lines.push(line),
    now: () => {
      clock += 60_000;
      return clock;
    },
    onInterrupt: (handler) => {
      interrupt = handler;
      return () => {
        interrupt = undefined;
      };
    },
    env: { PATH: '/usr/bin', HOME: '/home/test' },
  };
  return { deps, spawned, lines, stsOptions, interrupt: () => interrupt?.() };
}

beforeEach(() => {
  sts.reset();
  sts.on(GetCallerIdentityCommand).resolves({
    Account: '123456789012',
    Arn: 'arn:aws:sts::123456789012:assumed-role/sandbox/me',
  });
});

describe('npm run integ: arguments', () => {
  it('refuses to run without --profile, naming the flag, and calls neither AWS nor cdk', async () => {
    // Arrange
    const world = fakeWorld();

    // Act
    const code = await runInteg([], world.deps);

    // Assert
    expect(code).toBe(1);
    expect(world.lines.join('\n')).toMatch(/--profile is required/);
    expect(world.spawned).toEqual([]);
    expect(sts).not.toHaveReceivedAnyCommand();
  });

  it('names an unknown flag and a bad --region or --name', () => {
    expect(() => parseIntegArguments(['--profile', 'p', '--regoin', 'us-east-1'])).toThrow(/--regoin/);
    expect(() => parseIntegArguments(['--profile', 'p', '--region', 'useast1'])).toThrow(
      /--region "useast1"/,
    );
    expect(() => parseIntegArguments(['--profile', 'p', '--name', 'Bad_Name'])).toThrow(/--name "Bad_Name"/);
  });

  it('defaults to region us-east-1, the name cfinteg and destroying afterwards', () => {
    expect(parseIntegArguments(['--profile', 'sandbox'])).toEqual({
      profile: 'sandbox',
      region: 'us-east-1',
      name: 'cfinteg',
      keep: false,
    });
  });
});

describe('npm run integ: a run', () => {
  it('checks the credentials with the profile, deploys the integ app, then destroys it', async () => {
    // Arrange
    const world = fakeWorld();

    // Act
    const code = await runInteg(['--profile', 'sandbox', '--region', 'us-west-2'], world.deps);

    // Assert
    expect(code).toBe(0);
    expect(world.stsOptions).toEqual([{ profile: 'sandbox', region: 'us-west-2' }]);
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 1);
    expect(world.spawned.map((command) => [command.command, ...command.args.slice(0, 8)])).toEqual([
      ['npx', 'cdk', 'deploy', '--app', `npx tsx ${INTEG_APP}`, '--all', '--profile', 'sandbox', '--output'],
      ['npx', 'cdk', 'destroy', '--app', `npx tsx ${INTEG_APP}`, '--all', '--profile', 'sandbox', '--output'],
    ]);
    const [deploy, destroy] = world.spawned;
    expect(deploy.args.slice(-2)).toEqual(['--require-approval', 'never']);
    expect(destroy.args.at(-1)).toBe('--force');
    // Ctrl-C stops the deploy, never the destroy.
    expect([deploy.shieldedFromInterrupts, destroy.shieldedFromInterrupts]).toEqual([false, true]);
    // Both share one assembly directory outside the tree, so `cdk synth` in cdk.out is left alone.
    expect(deploy.args[8]).toBe(destroy.args[8]);
    expect(deploy.args[8]).not.toMatch(/^cdk\.out$/);
    expect(world.lines.join('\n')).toMatch(/PASSED in 1 min 0 s/);
  });

  it('passes the profile, region and name to cdk and to the integ app through the environment', async () => {
    // Arrange
    const world = fakeWorld();

    // Act
    await runInteg(['--profile', 'sandbox', '--name', 'cfinteg2'], world.deps);

    // Assert
    for (const command of world.spawned) {
      expect(command.env).toMatchObject({
        AWS_PROFILE: 'sandbox',
        AWS_REGION: 'us-east-1',
        CARRIER_FAILOVER_INTEG_NAME: 'cfinteg2',
        PATH: '/usr/bin',
      });
    }
  });

  it('destroys after a failed deploy and exits non-zero', async () => {
    // Arrange
    const world = fakeWorld({ deploy: 1 });

    // Act
    const code = await runInteg(['--profile', 'sandbox'], world.deps);

    // Assert
    expect(code).toBe(5);
    expect(world.spawned.map((command) => command.args[1])).toEqual(['deploy', 'destroy']);
    expect(world.lines.join('\n')).toMatch(/FAILED after 1 min 0 s: cdk deploy exited 1/);
  });

  it('exits non-zero when the test passed but its stacks could not be destroyed, printing the command', async () => {
    // Arrange
    const world = fakeWorld({ destroy: 1 });

    // Act
    const code = await runInteg(['--profile', 'sandbox'], world.deps);

    // Assert
    expect(code).toBe(5);
    expect(world.lines.join('\n')).toMatch(/DESTROY FAILED[\s\S]*npx cdk destroy --app "npx tsx /);
  });

  it('skips the destroy with --keep and prints how to destroy later', async () => {
    // Arrange
    const world = fakeWorld({ deploy: 1 });

    // Act
    const code = await runInteg(['--profile', 'sandbox', '--keep'], world.deps);

    // Assert
    expect(code).toBe(5);
    expect(world.spawned.map((command) => command.args[1])).toEqual(['deploy']);
    expect(world.lines.join('\n')).toMatch(/--keep: the stacks stay deployed[\s\S]*npx cdk destroy/);
  });

  it('destroys after Ctrl-C during the deploy, stopping the deploy first', async () => {
    // Arrange
    const world = fakeWorld();
    let deployAborted = false;
    const spawn = world.deps.spawn;
    const deps: IntegRunDependencies = {
      ...world.deps,
      spawn: async (command, signal) => {
        if (command.args[1] !== 'deploy') return spawn(command, signal);
        world.spawned.push(command);
        world.interrupt();
        deployAborted = signal.aborted;
        return 130;
      },
    };

    // Act
    const code = await runInteg(['--profile', 'sandbox'], deps);

    // Assert
    expect(code).toBe(130);
    expect(deployAborted).toBe(true);
    expect(world.spawned.map((command) => command.args[1])).toEqual(['deploy', 'destroy']);
    expect(world.lines.join('\n')).toMatch(/INTERRUPTED/);
  });

  it('stops before deploying when the profile has no working credentials', async () => {
    // Arrange
    sts
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('profile sandbox not found'), { name: 'CredentialsProviderError' }));
    const world = fakeWorld();

    // Act
    const code = await runInteg(['--profile', 'sandbox'], world.deps);

    // Assert
    expect(code).toBe(4);
    expect(world.spawned).toEqual([]);
    expect(world.lines.join('\n')).toMatch(
      /credentials of profile "sandbox" do not work.*CredentialsProviderError/,
    );
  });
});
