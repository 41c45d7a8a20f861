import { Match } from 'aws-cdk-lib/assertions';
import { exampleConfigObject, writeDeploymentFiles } from '../support/config-files';
import { buildApp, templateOf } from '../support/example-app';

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

  it('is left out when no hosted zone is configured', () => {
    const config = exampleConfigObject();
    delete config.dns;

    const { stacks: withoutDns } = buildApp(writeDeploymentFiles(config));

    expect(withoutDns.dns).toBeUndefined();
  });
});
