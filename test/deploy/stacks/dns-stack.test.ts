import { Match } from 'aws-cdk-lib/assertions';
import { exampleConfigObject, writeDeploymentFiles } from '../../support/config-files';
import { buildApp, templateOf } from '../../support/example-app';

describe('DnsStack', () => {
  const { stacks } = buildApp();

  it('health checks each primary target over HTTPS every 10 s from at least three regions', () => {
    const template = templateOf(stacks.dns!);

    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({
        Type: 'HTTPS',
        FullyQualifiedDomainName: 'portal.phx.example.net',
        ResourcePath: '/health',
        Port: 443,
        RequestInterval: 10,
        FailureThreshold: 3,
        Regions: ['us-east-1', 'us-west-1', 'us-west-2'],
      }),
    });
  });

  it('creates a PRIMARY record tied to the health check and a SECONDARY record', () => {
    const template = templateOf(stacks.dns!);

    template.hasResourceProperties('AWS::Route53::RecordSet', {
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      Name: 'portal.example.net',
      Type: 'CNAME',
      Failover: 'PRIMARY',
      HealthCheckId: Match.anyValue(),
      ResourceRecords: ['portal.phx.example.net'],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Failover: 'SECONDARY',
      ResourceRecords: ['portal.dal.example.net'],
    });
  });

  it("turns each region's SiteDown alarm into a health check and a site quorum check over them", () => {
    const template = templateOf(stacks.dns!);

    for (const region of ['us-east-1', 'us-east-2', 'us-west-2']) {
      template.hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: Match.objectLike({
          Type: 'CLOUDWATCH_METRIC',
          AlarmIdentifier: { Name: `acme-voice-phx-primary-down-${region}`, Region: region },
          InsufficientDataHealthStatus: 'LastKnownStatus',
        }),
      });
    }
    // Down when 2 (the quorum) of 3 regions say so: healthy while at least 2 children are healthy.
    const quorumCheck = Object.values(template.findResources('AWS::Route53::HealthCheck')).find(
      (check) =>
        check.Properties.HealthCheckConfig.Type === 'CALCULATED' &&
        check.Properties.HealthCheckConfig.ChildHealthChecks.length === 3,
    );
    expect(quorumCheck?.Properties.HealthCheckConfig.HealthThreshold).toBe(2);
    expect(stacks.dns!.siteHealthChecks.has('dal-standby')).toBe(false);
  });

  it('fails the record over when its site is down by quorum as well as when HTTPS fails', () => {
    const template = templateOf(stacks.dns!);
    const checks = template.findResources('AWS::Route53::HealthCheck');
    const calculated = Object.entries(checks).filter(
      ([, check]) =>
        check.Properties.HealthCheckConfig.Type === 'CALCULATED' &&
        check.Properties.HealthCheckConfig.HealthThreshold === 2 &&
        check.Properties.HealthCheckConfig.ChildHealthChecks.length === 2,
    );
    const [recordCheckId] = calculated.find(([id]) => id.startsWith('PrimaryAndSite'))!;

    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Failover: 'PRIMARY',
      HealthCheckId: { Ref: recordCheckId },
    });
    expect(stacks.dns!.dependencies).toEqual(expect.arrayContaining(stacks.watchdogs));
  });

  it('is left out when no hosted zone is configured', () => {
    const config = exampleConfigObject();
    delete config.dns;

    const { stacks: withoutDns } = buildApp(writeDeploymentFiles(config));

    expect(withoutDns.dns).toBeUndefined();
  });
});
