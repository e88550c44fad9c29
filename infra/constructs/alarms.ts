import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface SnapwardAlarmsProps {
  /**
   * Where alarms (and their return to OK) are sent.
   * @default - no actions: the alarms show in the console and in `DescribeAlarms` only
   */
  readonly topic?: sns.ITopic;
  /**
   * The period each alarm looks at.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
}

/**
 * The alarms on snapward itself: every function's Errors and Throttles, every dead-letter queue
 * holding a message. Each fires on the first occurrence (> 0 in one period): for a backup system a
 * single failed pass or a single lost request is worth a look, and the volume is low enough that
 * this does not page on noise. Missing data (no invocations) is fine, not breaching; the RPO
 * check is what notices a pass that never runs.
 */
export class SnapwardAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly props: SnapwardAlarmsProps;

  constructor(scope: Construct, id: string, props: SnapwardAlarmsProps = {}) {
    super(scope, id);
    this.props = props;
  }

  /**
   * Errors (the function threw or timed out) and Throttles (it could not run at all).
   * `throttledPeriods`: how many periods in a row must see throttles before the alarm fires
   * (default 1), for a function whose invocations are expected to wait for one another.
   */
  watchFunction(name: string, fn: lambda.IFunction, options: { readonly throttledPeriods?: number } = {}): void {
    const period = this.props.period ?? Duration.minutes(5);
    this.add(`${name}Errors`, fn.metricErrors({ period, statistic: cloudwatch.Stats.SUM }), `snapward ${name}: the function failed (threw or timed out). See its log group.`);
    const periods = options.throttledPeriods ?? 1;
    this.add(
      `${name}Throttles`,
      fn.metricThrottles({ period, statistic: cloudwatch.Stats.SUM }),
      periods === 1
        ? `snapward ${name}: invocations were throttled (account or reserved concurrency).`
        : `snapward ${name}: invocations were throttled in ${periods} periods in a row: they queue behind one another for longer than that (account or reserved concurrency).`,
      periods,
    );
  }

  /** A message in a dead-letter queue: an invocation or request that was never delivered. */
  watchDeadLetterQueue(name: string, queue: sqs.IQueue, what: string): void {
    const period = this.props.period ?? Duration.minutes(5);
    this.add(
      `${name}DeadLetters`,
      queue.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM }),
      `snapward: ${what} could not be delivered and is parked in this dead-letter queue. Inspect, fix, then redrive or purge.`,
    );
  }

  private add(id: string, metric: cloudwatch.IMetric, description: string, periods = 1): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    if (this.props.topic) {
      const action = new actions.SnsAction(this.props.topic);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms.push(alarm);
  }
}
