import { ComparisonOperator, type IAlarm, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { type CustomMetric, SnsAlarmActionStrategy } from 'cdk-monitoring-constructs';
import { PROBE_METRICS, regionDimensions } from '../../../../lambdas/contracts/metric-names';
import { type DashboardScope, dashboardMetric } from './dashboard-scope';
import { WITHOUT_LABEL } from './without-label';

/**
 * Every region's probe heartbeat and control-target reach; this region's alarms when it stops ("the
 * monitor stopped reporting") and when it has been blind for minutes.
 */
export function addHeartbeatSection(scope: DashboardScope, alertTopic: ITopic): IAlarm {
  const { deployment, watchdogRegions } = scope.config;
  const heartbeats = watchdogRegions.map((region): CustomMetric => {
    const metric = dashboardMetric(
      scope,
      PROBE_METRICS.probeHeartbeat,
      regionDimensions(deployment, region),
      {
        region,
        statistic: Stats.SUM,
        label: region,
      },
    );
    if (region !== scope.region) return metric;
    return {
      metric,
      alarmFriendlyName: 'Heartbeat',
      addAlarm: {
        Silent: {
          alarmDescriptionOverride: `The probe in ${scope.region} stopped reporting: this region no longer watches the sites`,
          threshold: 1,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 3,
          datapointsToAlarm: 3,
          treatMissingDataOverride: TreatMissingData.BREACHING,
          metricAdjuster: WITHOUT_LABEL,
          // Also tell when it reports again: nobody else will.
          actionOverride: new SnsAlarmActionStrategy({ onAlarmTopic: alertTopic, onOkTopic: alertTopic }),
        },
      },
    };
  });
  // Minimum over the minute: 0 means a round of that region reached no control target and abstained.
  const controlReached = watchdogRegions.map((region): CustomMetric => {
    const metric = dashboardMetric(
      scope,
      PROBE_METRICS.controlReachable,
      regionDimensions(deployment, region),
      {
        region,
        statistic: Stats.MINIMUM,
        label: region,
      },
    );
    if (region !== scope.region || scope.config.detection.controlTargets.length === 0) return metric;
    return {
      metric,
      alarmFriendlyName: 'ControlTargets',
      addAlarm: {
        Blind: {
          alarmDescriptionOverride: `The probe in ${scope.region} reached no control target for 5 minutes: its own network is in trouble, and it abstains on every site it cannot reach (the quorum has one region less)`,
          threshold: 1,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 5,
          datapointsToAlarm: 5,
          // A silent probe is the heartbeat alarm's to report.
          treatMissingDataOverride: TreatMissingData.NOT_BREACHING,
          metricAdjuster: WITHOUT_LABEL,
          actionOverride: new SnsAlarmActionStrategy({ onAlarmTopic: alertTopic, onOkTopic: alertTopic }),
        },
      },
    };
  });
  // Sum over the minute: rounds in which the region's incident-table replica reached no other
  // replica, so it recorded no decision (it abstains; the other regions decide without it).
  const replicationAbstained = watchdogRegions.map((region) =>
    dashboardMetric(scope, PROBE_METRICS.replicationAbstained, regionDimensions(deployment, region), {
      region,
      statistic: Stats.SUM,
      label: region,
    }),
  );
  scope.monitoring.monitorCustom({
    alarmFriendlyName: 'Probe',
    humanReadableName: 'Probe heartbeat (runs per minute)',
    metricGroups: [
      { title: 'Probe invocations that ran their rounds', metrics: heartbeats },
      { title: 'Control targets reached (0: the region abstains)', metrics: controlReached },
      {
        title: 'Rounds abstained: incident table replicas out of reach',
        metrics: replicationAbstained,
      },
    ],
  });
  const alarm = scope.monitoring.createdAlarms().find((created) => created.alarmNameSuffix === 'Heartbeat');
  if (!alarm) throw new Error('the heartbeat alarm was not created');
  return alarm.alarm;
}
