import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The operators' request for an ad hoc backup, as put on the default bus. */
export const BACKUP_REQUESTED_PATTERN = { source: ['snapward.operator'], detailType: ['Backup Requested'] } as const;

export interface OperatorBackupRuleProps {
  /** The adhoc-backup function. */
  readonly target: lambda.IFunction;
  /** Where requests EventBridge could not deliver go (after `retryAttempts` / `maxEventAge`). */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * EventBridge's delivery retries.
   * @default 8
   */
  readonly retryAttempts?: number;
  /**
   * After this long an undelivered request is given up and sent to the dead-letter queue.
   * @default Duration.hours(2)
   */
  readonly maxEventAge?: Duration;
}

/**
 * `Backup Requested` events (source `snapward.operator`) on the account's default bus, delivered
 * to the adhoc-backup function. An operator asks with, e.g.:
 *
 * @example
 * aws events put-events --entries '[{"Source":"snapward.operator","DetailType":"Backup Requested",
 *   "Detail":"{\"instanceId\":\"jira-prod-use1-1\",\"reason\":\"before migration\",\"requestedBy\":\"alice\",\"idempotencyKey\":\"chg-4711-premigration\"}"}]'
 *
 * A request is worth delivering for a while (an operator is waiting on it) but not forever: after
 * two hours of failed deliveries it is better parked in the dead-letter queue, where the alarm
 * makes someone look, than taken hours after the moment it was meant for.
 */
export class OperatorBackupRule extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: OperatorBackupRuleProps) {
    super(scope, id);
    this.rule = new events.Rule(this, 'Rule', {
      description: 'snapward: Backup Requested from operators -> adhoc-backup',
      eventPattern: { source: [...BACKUP_REQUESTED_PATTERN.source], detailType: [...BACKUP_REQUESTED_PATTERN.detailType] },
    });
    this.rule.addTarget(
      new targets.LambdaFunction(props.target, {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: props.retryAttempts ?? 8,
        maxEventAge: props.maxEventAge ?? Duration.hours(2),
      }),
    );
  }
}
