import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import {
  CfnRecordSet,
  HealthCheck,
  HealthCheckType,
  HostedZone,
  type IHealthCheck,
  InsufficientDataHealthStatusEnum,
} from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import type { Config } from '../../../lambdas/contracts/config/schema';
import { siteDownAlarmName } from './watchdog-stack';

export interface DnsStackProps extends StackProps {
  readonly config: Config & { dns: NonNullable<Config['dns']> };
}

/**
 * Route 53 failover for the provider's web endpoints, and each primary site's quorum as a health check:
 * - per site and watchdog region, a CLOUDWATCH_METRIC check on that region's SiteDown alarm, and per
 *   site a CALCULATED check that is unhealthy when a quorum of regions say down;
 * - per web record, an HTTPS check of the primary target (10 s, three or more checker regions) and a
 *   PRIMARY/SECONDARY record pair; with `site`, the PRIMARY is healthy only while both the HTTPS check
 *   and the site's quorum check are.
 * The switch happens in Route 53's data plane, with no API call of ours during the outage.
 */
export class DnsStack extends Stack {
  /** The quorum health check of each primary site, by site id. */
  readonly siteHealthChecks = new Map<string, IHealthCheck>();
  /** The health check each record's PRIMARY uses, by record name. */
  readonly recordHealthChecks = new Map<string, IHealthCheck>();

  constructor(scope: Construct, id: string, props: DnsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { dns } = config;
    for (const site of config.sites.filter((candidate) => candidate.role === 'primary')) {
      const perRegion = config.watchdogRegions.map(
        (region) =>
          new HealthCheck(this, `SiteDown-${site.id}-${region}`, {
            type: HealthCheckType.CLOUDWATCH_METRIC,
            alarmIdentifier: { region, name: siteDownAlarmName(config.deployment, site.id, region) },
            // A silent probe is not a site outage: keep the last known state (the heartbeat alarm tells).
            insufficientDataHealthStatus: InsufficientDataHealthStatusEnum.LAST_KNOWN_STATUS,
          }),
      );
      this.siteHealthChecks.set(
        site.id,
        new HealthCheck(this, `SiteQuorum-${site.id}`, {
          type: HealthCheckType.CALCULATED,
          childHealthChecks: perRegion,
          // Unhealthy once `quorum` regions say down: healthy while more than regions - quorum say up.
          healthThreshold: config.watchdogRegions.length - config.detection.quorum + 1,
        }),
      );
    }

    const zone = HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: dns.hostedZoneId,
      zoneName: dns.zoneName,
    });
    dns.records.forEach((record, index) => {
      const https = new HealthCheck(this, `PrimaryHealth${index}`, {
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
      const siteCheck = record.site ? this.siteHealthChecks.get(record.site) : undefined;
      const healthCheck = siteCheck
        ? new HealthCheck(this, `PrimaryAndSite${index}`, {
            type: HealthCheckType.CALCULATED,
            childHealthChecks: [https, siteCheck],
            healthThreshold: 2,
          })
        : https;
      this.recordHealthChecks.set(record.name, healthCheck);
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
