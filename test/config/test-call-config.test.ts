/**
 * `sites[].calls[]`: every field has its default, and a call that cannot fit the probe rounds, or
 * would be judged by an answer that is not one, is refused with the field and the fix.
 */
import { loadConfig } from '../../lib/config/load-config';
import { configProblemsOf, exampleConfigObject, writeDeploymentFiles } from '../support/config-files';

// biome-ignore lint/suspicious/noExplicitAny: tests reach into the parsed YAML freely to change it.
type ConfigObject = Record<string, any>;

function withCalls(calls: ConfigObject[]): ConfigObject {
  const config = exampleConfigObject();
  config.sites[0].calls = calls;
  return config;
}

const problemsOf = configProblemsOf;

describe('test calls in the config', () => {
  it('fills the defaults: port 5060, udp, from carrier-failover, expect 200, 5 s to answer, every round', () => {
    const config = loadConfig(
      writeDeploymentFiles(withCalls([{ host: 'sbc1.phx.example.net', to: '9999' }])),
    );
    expect(config.sites[0].calls).toEqual([
      {
        host: 'sbc1.phx.example.net',
        port: 5060,
        transport: 'udp',
        to: '9999',
        from: 'carrier-failover',
        expect: [200],
        answerWithinMs: 5000,
      },
    ]);
  });

  it('accepts the example config: a call with digest credentials in Secrets Manager', () => {
    const config = loadConfig(writeDeploymentFiles(exampleConfigObject()));
    expect(config.sites[0].calls[0]).toMatchObject({
      to: '+16025550199',
      secretName: 'acme-voice/test-calls/phx',
    });
  });

  it.each<[string, ConfigObject, string]>([
    [
      'an interval that is not a whole number of probe rounds',
      { host: 'h', to: '9999', intervalSeconds: 25 },
      'sites[0].calls[0].intervalSeconds: expected a multiple of detection.probeIntervalSeconds (10), got 25',
    ],
    [
      'an answer window that outlasts the round',
      { host: 'h', to: '9999', answerWithinMs: 9000 },
      'sites[0].calls[0].answerWithinMs: expected at most 7999 ms: the call and its 2000 ms teardown must end before the next probe round (detection.probeIntervalSeconds 10), got 9000',
    ],
    [
      'a challenge as the expected answer',
      { host: 'h', to: '9999', expect: [401] },
      'sites[0].calls[0].expect[0]: expected 180-183 or a final code 200-699 other than 401/407 (challenges are answered with the secret)',
    ],
    [
      '100 Trying as the expected answer (hop by hop, says nothing of the call)',
      { host: 'h', to: '9999', expect: [100] },
      'sites[0].calls[0].expect[0]: expected an integer 180-699, got 100',
    ],
    [
      'a test number with a space',
      { host: 'h', to: '602 555 0199' },
      'sites[0].calls[0].to: expected an E.164 number, a sip: URI or a user part such as 9999, got "602 555 0199"',
    ],
  ])('refuses %s, naming the field', (_, call, problem) => {
    expect(problemsOf(withCalls([call]))).toEqual([problem]);
  });

  it('refuses the same test call twice', () => {
    expect(
      problemsOf(
        withCalls([
          { host: 'h', to: '9999' },
          { host: 'h', to: '9999' },
        ]),
      ),
    ).toEqual(['sites[0].calls[1].to: the test call to 9999 at h is listed twice']);
  });
});
