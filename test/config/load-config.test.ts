import { ConfigError } from '../../lambdas/contracts/config/config-error';
import { loadDeployment } from '../../lib/config/load-config';
import { EXAMPLE_CONFIG, exampleConfigObject, writeDeploymentFiles } from '../support/config-files';

function problemsOf(configPath: string): string[] {
  try {
    loadDeployment(configPath);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected the config to be rejected');
}

describe('loadDeployment', () => {
  it('accepts the embedded example config and fills in defaults', () => {
    const { config, plan } = loadDeployment(EXAMPLE_CONFIG);

    expect(config.deployment).toBe('acme-voice');
    expect(config.watchdogRegions).toEqual(['us-east-1', 'us-east-2', 'us-west-2']);
    expect(config.carriers.telnyx?.baseUrl).toBe('https://api.telnyx.com/v2');
    expect(config.carriers.telnyx?.maxConcurrency).toBe(10);
    expect(config.sites[0].sip[0]).toEqual({
      host: 'sbc1.phx.example.net',
      port: 5060,
      transport: 'udp',
      healthyCodes: [],
    });
    expect(plan.length).toBeGreaterThan(0);
    expect(plan.every((entry) => entry.siteId === 'phx-primary')).toBe(true);
  });

  it('names the file, the field path, what was expected and what was found', () => {
    const config = exampleConfigObject();
    config.sites[1].sip[0].port = 70000;
    const path = writeDeploymentFiles(config);

    const problems = problemsOf(path);

    expect(problems).toEqual([
      expect.stringMatching(
        /config\.yaml: sites\[1\]\.sip\[0\]\.port: expected an integer 1-65535, got 70000$/,
      ),
    ]);
  });

  it('lists every problem at once, including cross-field rules', () => {
    const config = exampleConfigObject();
    config.homeRegion = 'eu-west-1';
    config.detection.quorum = 4;
    config.sites[0].role = 'master';
    config.alerts.sms = ['5550100'];
    config.failback.waves = [50, 25, 90];
    config.unknownField = true;

    const problems = problemsOf(writeDeploymentFiles(config));

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /homeRegion: expected one of the watchdogRegions \(us-east-1, us-east-2, us-west-2\), got "eu-west-1"$/,
        ),
        expect.stringMatching(
          /detection\.quorum: expected at most the number of watchdog regions \(3\), got 4$/,
        ),
        expect.stringMatching(/sites\[0\]\.role: expected primary or standby, got "master"$/),
        expect.stringMatching(
          /alerts\.sms\[0\]: expected an E\.164 number such as \+14155550100, got "5550100"$/,
        ),
        expect.stringMatching(
          /failback\.waves\[1\]: expected increasing cumulative percentages, got 25 after 50$/,
        ),
        expect.stringMatching(/failback\.waves\[2\]: expected the last wave to be 100, got 90$/),
        expect.stringMatching(/\(top level\): unknown field "unknownField"/),
      ]),
    );
    expect(problems).toHaveLength(7);
  });

  it('checks the control targets: URLs, each once, at most five', () => {
    const config = exampleConfigObject();
    config.detection.controlTargets = ['ftp://example.org/', 'https://a.example/', 'https://a.example/'];

    const problems = problemsOf(writeDeploymentFiles(config));

    expect(problems).toEqual([
      expect.stringMatching(/detection\.controlTargets\[0\]: expected an http:\/\/ or https:\/\/ URL$/),
      expect.stringMatching(/detection\.controlTargets: expected each control target once/),
    ]);
  });

  it('requires at least one primary site and two watchdog regions', () => {
    const config = exampleConfigObject();
    config.sites = config.sites.map((site: Record<string, unknown>) => ({ ...site, role: 'standby' }));
    config.watchdogRegions = ['us-east-1'];
    config.detection.quorum = 1;

    const problems = problemsOf(writeDeploymentFiles(config));

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/sites: expected at least one site with role: primary$/),
        expect.stringMatching(/watchdogRegions: expected at least 2 watchdog regions/),
      ]),
    );
  });

  it('says which field is missing', () => {
    const config = exampleConfigObject();
    delete config.deployment;

    expect(problemsOf(writeDeploymentFiles(config))).toEqual([
      expect.stringMatching(
        /deployment: required: add a deployment name\. Deployment name; prefixes every stack so two deployments can share an account\.$/,
      ),
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const path = writeDeploymentFiles('deployment: x\nsites: [\n  - broken: {\n');

    expect(problemsOf(path)).toEqual([expect.stringMatching(/config\.yaml:\d+: not valid YAML: /)]);
  });

  it('reports a missing config file and a missing plan file by name', () => {
    expect(problemsOf('/nonexistent/prod.yaml')).toEqual([
      '/nonexistent/prod.yaml: file not found; expected a YAML config file',
    ]);

    const config = exampleConfigObject();
    config.forwardingPlan = 'missing.csv';
    expect(problemsOf(writeDeploymentFiles(config))).toEqual([
      expect.stringMatching(/missing\.csv: file not found; expected the forwarding plan CSV$/),
    ]);
  });

  it('rejects a plan whose carrier is valid but not configured', () => {
    const config = exampleConfigObject();
    delete config.carriers.bandwidth;
    delete config.sites[0].failover.bandwidth;

    const problems = problemsOf(writeDeploymentFiles(config));

    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(
      /numbers\.csv:\d+: carrier: expected a carrier configured under carriers \(telnyx, twilio, webhook\), got "bandwidth"$/,
    );
  });
});

describe('loadDeployment cross-references', () => {
  it('rejects a DNS record tied to a site that is not a primary site', () => {
    const config = exampleConfigObject();
    config.dns.records[0].site = 'dal-standby';

    expect(problemsOf(writeDeploymentFiles(config))).toEqual([
      expect.stringMatching(/dns\.records\[0\]\.site: expected the id of a primary site, got "dal-standby"$/),
    ]);
  });

  it("requires the ids of a route's mode: the switch of a Telnyx connection needs its backup connection", () => {
    const config = exampleConfigObject();
    config.sites[0].failover.telnyx = { mode: 'switch', connectionId: '1684641123236054244' };

    expect(problemsOf(writeDeploymentFiles(config))).toEqual([
      expect.stringMatching(
        /sites\[0\]\.failover\.telnyx\.backupConnectionId: required for mode switch: add the carrier's backupConnectionId$/,
      ),
    ]);
  });

  it("requires the backup site's SIP URI once a carrier is native or switch", () => {
    const config = exampleConfigObject();
    delete config.sites[0].failover.backupSipUri;

    expect(problemsOf(writeDeploymentFiles(config))).toEqual([
      expect.stringMatching(
        /sites\[0\]\.failover\.backupSipUri: required when a carrier is native or switch/,
      ),
    ]);
  });

  it('offers each carrier only the modes its API has: Twilio has no bulk update, the webhook only per-number', () => {
    const config = exampleConfigObject();
    config.sites[0].failover.twilio.mode = 'bulk';
    config.sites[0].failover.webhook.mode = 'native';

    expect(problemsOf(writeDeploymentFiles(config))).toEqual([
      expect.stringMatching(/sites\[0\]\.failover\.twilio\.mode: .*native, switch, per-number/),
      expect.stringMatching(/sites\[0\]\.failover\.webhook\.mode: .*per-number/),
    ]);
  });

  it('refuses a backup connection two sites share: switching one back would move the other home too', () => {
    const config = exampleConfigObject();
    config.sites[1].failover = {
      backupSipUri: 'sip:sbc1.phx.example.net:5060',
      telnyx: { ...config.sites[0].failover.telnyx, connectionId: '1684641123236054299' },
    };

    expect(problemsOf(writeDeploymentFiles(config))).toEqual([
      expect.stringMatching(/sites\[1\]\.failover\.telnyx\.backupConnectionId: is also sites\[0\]'s backup/),
    ]);
  });

  it('names a failover entry for a carrier the config does not set up', () => {
    const config = exampleConfigObject();
    delete config.carriers.webhook;
    config.forwardingPlan = 'numbers.csv';

    const problems = problemsOf(writeDeploymentFiles(config));
    expect(problems).toContainEqual(
      expect.stringMatching(
        /sites\[0\]\.failover\.webhook: expected carriers\.webhook to be configured, or remove this entry$/,
      ),
    );
  });
});
