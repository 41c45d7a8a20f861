import { ComparisonOperator, type IAlarm, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { type CustomMetric, type CustomMetricGroup, noopAction } from 'cdk-monitoring-constructs';
import type { Site } from '../../../../lambdas/contracts/config/schema';
import {
  type MetricDefinition,
  PROBE_METRICS,
  type ProbeKind,
  siteRegionDimensions,
  siteRegionKindDimensions,
} from '../../../../lambdas/contracts/metric-names';
import { type DashboardScope, dashboardMetric } from './dashboard-scope';
import { WITHOUT_LABEL } from './without-label';

/** A site's section; returns this region's SiteDown alarm of the site, named `alarmName`. */
export function addSiteSection(scope: DashboardScope, site: Site, alarmName: string): IAlarm {
  const { deployment, watchdogRegions } = scope.config;
  const latency = (
    kind: ProbeKind,
    title: string,
    metric: MetricDefinition = PROBE_METRICS.probeLatency,
  ): CustomMetricGroup => ({
    title,
    metrics: watchdogRegions.flatMap((region) =>
      (['p50', 'p99'] as const).map((statistic) =>
        dashboardMetric(scope, metric, siteRegionKindDimensions(deployment, site.id, region, kind), {
          region,
          statistic,
          label: `${region} ${statistic}`,
        }),
      ),
    ),
  });
  const groups: CustomMetricGroup[] = [
    {
      title: 'Probe success (1: every probe healthy)',
      graphWidgetAxis: { min: 0, max: 1 },
      metrics: watchdogRegions.map((region) =>
        dashboardMetric(
          scope,
          PROBE_METRICS.probeSuccess,
          siteRegionDimensions(deployment, site.id, region),
          {
            region,
            statistic: Stats.AVERAGE,
            label: region,
          },
        ),
      ),
    },
    {
      title: 'Down by quorum (SiteDown, 1: down)',
      graphWidgetAxis: { min: 0, max: 1 },
      metrics: watchdogRegions.map((region): CustomMetric => {
        const metric = dashboardMetric(
          scope,
          PROBE_METRICS.siteDown,
          siteRegionDimensions(deployment, site.id, region),
          {
            region,
            statistic: Stats.MAXIMUM,
            label: region,
          },
        );
        if (region !== scope.region) return metric;
        return {
          metric,
          alarmFriendlyName: `${site.id}-down`,
          addAlarm: {
            Down: {
              alarmNameOverride: alarmName,
              alarmDescriptionOverride: `${site.id} is down by quorum, as the probe in ${scope.region} decides`,
              threshold: 1,
              comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
              metricAdjuster: WITHOUT_LABEL,
              // A silent probe is the heartbeat alarm's news; keep the site's last known state.
              treatMissingDataOverride: TreatMissingData.IGNORE,
              // A primary site alerts through its incident (one alert per state change, not one
              // per region); a standby site is only watched, so its alarm is the alert.
              ...(site.role === 'primary' ? { actionOverride: noopAction() } : {}),
            },
          },
        };
      }),
    },
    ...(site.sip.length > 0 ? [latency('sip', 'SIP OPTIONS latency (ms)')] : []),
    ...(site.http.length > 0 ? [latency('http', 'HTTP health latency (ms)')] : []),
    ...(site.calls.length > 0
      ? [
          latency(
            'call',
            'Test call setup time (CallSetupTime, INVITE to first answer, ms)',
            PROBE_METRICS.callSetupTime,
          ),
        ]
      : []),
  ];
  scope.monitoring.monitorCustom({
    alarmFriendlyName: site.id,
    humanReadableName: `Site ${site.id} (${site.role})`,
    description: describeSite(scope, site),
    descriptionWidgetHeight: 2,
    metricGroups: groups,
  });
  const alarm = scope.monitoring.createdAlarms().find((created) => created.alarmName === alarmName);
  if (!alarm) throw new Error(`the SiteDown alarm ${alarmName} was not created`);
  return alarm.alarm;
}

/** Markdown under a site's header: its endpoints, and its web records with where Route 53 shows them. */
function describeSite(scope: DashboardScope, site: Site): string {
  const endpoints = `${site.sip.length} SIP endpoint(s), ${site.http.length} health URL(s), ${site.calls.length > 0 ? `${site.calls.length} test call(s), ` : ''}probed from ${scope.config.watchdogRegions.join(', ')}.`;
  const records = (scope.config.dns?.records ?? []).filter((record) => record.site === site.id);
  if (records.length === 0) return endpoints;
  const names = records.map((record) => `\`${record.name}\``).join(', ');
  // Route 53 health checks are global; their console lives in us-east-1.
  return `${endpoints} Web records failing over with it: ${names}; Route 53 fails them over on the SiteDown alarms below and its own HTTPS checks ([health checks](https://us-east-1.console.aws.amazon.com/route53/healthchecks/home)).`;
}
