import { TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { WatchdogFunction } from '../watchdog-function';
import type { DashboardScope } from './dashboard-scope';
import { WITHOUT_LABEL } from './without-label';

/** A function's errors, throttles and duration, and its dead-letter queue, with alarms. */
export function addFunctionSection(scope: DashboardScope, name: string, watchdog: WatchdogFunction): void {
  scope.monitoring.monitorLambdaFunction({
    lambdaFunction: watchdog.function,
    alarmFriendlyName: name,
    humanReadableName: `${name} function`,
    addFaultCountAlarm: {
      Errors: {
        maxErrorCount: 0,
        alarmDescriptionOverride: `${name} function failed (see its log group)`,
        metricAdjuster: WITHOUT_LABEL,
      },
    },
    addThrottlesCountAlarm: {
      Throttles: {
        maxErrorCount: 0,
        alarmDescriptionOverride: `${name} function was throttled`,
        metricAdjuster: WITHOUT_LABEL,
      },
    },
  });
  scope.monitoring.monitorSqsQueue({
    queue: watchdog.deadLetterQueue,
    alarmFriendlyName: `${name}DeadLetters`,
    humanReadableName: `${name} dead-letter queue`,
    addQueueMaxSizeAlarm: {
      DeadLetters: {
        maxMessageCount: 0,
        treatMissingDataOverride: TreatMissingData.NOT_BREACHING,
        alarmDescriptionOverride: `${name} dropped an asynchronous invocation into its dead-letter queue`,
        metricAdjuster: WITHOUT_LABEL,
      },
    },
  });
}
