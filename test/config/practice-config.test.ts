import { readFileSync } from 'node:fs';
import { ConfigError } from '../../lambdas/contracts/config/config-error';
import { DEFAULT_PRACTICE_SCHEDULE } from '../../lambdas/contracts/config/schema';
import { loadDeployment } from '../../lib/config/load-config';
import { EXAMPLE_PLAN, exampleConfigObject, writeDeploymentFiles } from '../support/config-files';

function problemsOf(configPath: string): string[] {
  try {
    loadDeployment(configPath);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected the config to be rejected');
}

describe('canary and practice config', () => {
  it('accepts a canary per carrier and fills in the practice defaults', () => {
    const config = exampleConfigObject();
    config.carriers.telnyx.canary = { number: '+16025559900', forwardTo: '+12145559900' };
    config.carriers.twilio.canary = { number: '+16025559901', forwardTo: 'sip:canary@sbc1.dal.example.net' };

    const { config: loaded } = loadDeployment(writeDeploymentFiles(config));

    expect(loaded.carriers.telnyx?.canary).toEqual({ number: '+16025559900', forwardTo: '+12145559900' });
    expect(loaded.practice).toEqual({ enabled: true, schedule: DEFAULT_PRACTICE_SCHEDULE, audit: 'armed' });
  });

  it('names a canary that is not E.164, a bad destination, a canary used twice and one forwarded to itself', () => {
    const config = exampleConfigObject();
    config.carriers.telnyx.canary = { number: '6025559900', forwardTo: 'tel:2145559900' };
    config.carriers.twilio.canary = { number: '+16025559901', forwardTo: '+16025559901' };
    config.carriers.bandwidth.canary = { number: '+16025559901', forwardTo: '+12145559902' };

    const problems = problemsOf(writeDeploymentFiles(config));

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /carriers\.telnyx\.canary\.number: expected an E\.164 number such as \+14155550100, got "6025559900"$/,
        ),
        expect.stringMatching(
          /carriers\.telnyx\.canary\.forwardTo: expected an E\.164 number or a sip: URI such as sip:backup@sbc2\.example\.net, got "tel:2145559900"$/,
        ),
        expect.stringMatching(
          /carriers\.twilio\.canary\.forwardTo: expected a destination other than the canary number itself$/,
        ),
        expect.stringMatching(
          /carriers\.bandwidth\.canary\.number: \+16025559901 is already the canary of twilio; give each carrier its own canary number$/,
        ),
      ]),
    );
  });

  it('refuses a canary that is also a row of the plan, naming the line', () => {
    const config = exampleConfigObject();
    config.carriers.telnyx.canary = { number: '+16025550003', forwardTo: '+12145559900' };

    const problems = problemsOf(writeDeploymentFiles(config, readFileSync(EXAMPLE_PLAN, 'utf8')));

    expect(problems).toEqual([
      expect.stringMatching(
        /numbers\.csv:6: number: \+16025550003 is the canary of telnyx \(carriers\.telnyx\.canary\.number\), which practice runs forward every week; a canary must not be in the plan: remove the row or pick another canary$/,
      ),
    ]);
  });

  it('checks the practice schedule and the audit expectation', () => {
    const config = exampleConfigObject();
    config.practice = { schedule: 'every tuesday', audit: 'forwarded' };

    const problems = problemsOf(writeDeploymentFiles(config));

    expect(problems).toEqual([
      expect.stringMatching(
        /practice\.schedule: expected an EventBridge schedule expression such as cron\(0 15 \? \* TUE \*\) or rate\(7 days\), got "every tuesday"$/,
      ),
      expect.stringMatching(/practice\.audit: expected armed or normal, got "forwarded"$/),
    ]);
  });

  it('accepts rate() schedules and turning practice off', () => {
    const config = exampleConfigObject();
    config.practice = { schedule: 'rate(7 days)', enabled: false };

    expect(loadDeployment(writeDeploymentFiles(config)).config.practice).toMatchObject({
      schedule: 'rate(7 days)',
      enabled: false,
    });
  });

  it('reserves site ids starting with practice- for the practice runs', () => {
    const config = exampleConfigObject();
    config.sites[1].id = 'practice-lab';

    const problems = problemsOf(writeDeploymentFiles(config));

    expect(problems).toEqual([
      expect.stringMatching(
        /sites\[1\]\.id: site id "practice-lab" is reserved: ids starting with "practice-" hold practice runs in the incident log; rename the site$/,
      ),
    ]);
  });
});
