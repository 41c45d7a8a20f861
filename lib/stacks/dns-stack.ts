import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import {
  CfnRecordSet,
  HealthCheck,
  HealthCheckType,
  HostedZone,
  type IHealthCheck,
} from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import type { Config } from '../config/schema';

export interface DnsStackProps extends StackProps {
  readonly dns: NonNullable<Config['dns']>;
}

/**
 * Route 53 failover for the provider's web endpoints: an HTTPS health check of each primary target
 * (10 s interval, checked from at least three Route 53 regions) and a PRIMARY/SECONDARY record pair.
 * The switch happens in Route 53's data plane, with no API call of ours during the outage.
 */
export class DnsStack extends Stack {
  /** Health check of each record's primary target, by record name. */
  readonly healthChecks = new Map<string, IHealthCheck>();

  constructor(scope: Construct, id: string, props: DnsStackProps) {
    super(scope, id, props);
    const { dns } = props;
    const zone = HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: dns.hostedZoneId,
      zoneName: dns.zoneName,
    });
    dns.records.forEach((record, index) => {
      const healthCheck = new HealthCheck(this, `PrimaryHealth${index}`, {
        type: HealthCheckType.HTTPS,
        fqdn: record.primary.target,
        port: record.primary.port,
        resourcePath: record.primary.healthCheckPath,
        requestInterval: Duration.seconds(10),
        failureThreshold: dns.failureThreshold,
        regions: [...dns.checkerRegions],
        enableSNI: true,
        measureLatency: true,
      });
      this.healthChecks.set(record.name, healthCheck);
      const common = {
        hostedZoneId: zone.hostedZoneId,
        name: record.name,
        type: 'CNAME',
        ttl: String(record.ttlSeconds),
      };
      new CfnRecordSet(this, `Primary${index}`, {
        ...common,
        setIdentifier: `${record.name}-primary`,
        failover: 'PRIMARY',
        healthCheckId: healthCheck.healthCheckId,
        resourceRecords: [record.primary.target],
      });
      new CfnRecordSet(this, `Secondary${index}`, {
        ...common,
        setIdentifier: `${record.name}-secondary`,
        failover: 'SECONDARY',
        resourceRecords: [record.secondary.target],
      });
    });
  }
}
