import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The operators' request for an ad hoc backup, as put on the operator bus. */
export const BACKUP_REQUESTED_PATTERN = { source: ['snapward.operator'], detailType: ['Backup Requested'] } as const;

export interface OperatorBackupRuleProps {
  /** Name of the operator bus the stack creates for these requests. */
  readonly busName: string;
  /**
   * IAM principal ARNs (roles, users) allowed to put events on the bus.
   * @default - the account's `Admin` role
   */
  readonly operatorPrincipals?: readonly string[];
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
 * `Backup Requested` events (source `snapward.operator`) on a bus of their own, delivered to the
 * adhoc-backup function. Not the account's default bus: anyone with events:PutEvents there (most
 * roles of an account have it) could ask for snapshots. This bus's resource policy allows the
 * named operator principals and explicitly denies every other principal, so even an identity
 * policy allowing PutEvents on `*` in this account does not get a request in. An operator asks with:
 *
 * @example
 * aws events put-events --entries '[{"EventBusName":"Snapward-operators","Source":"snapward.operator","DetailType":"Backup Requested",
 *   "Detail":"{\"instanceId\":\"jira-prod-use1-1\",\"reason\":\"before migration\",\"requestedBy\":\"alice\",\"idempotencyKey\":\"chg-4711-premigration\"}"}]'
 *
 * A request is worth delivering for a while (an operator is waiting on it) but not forever: after
 * two hours of failed deliveries it is better parked in the dead-letter queue, where the alarm
 * makes someone look, than taken hours after the moment it was meant for.
 */
export class OperatorBackupRule extends Construct {
  readonly bus: events.EventBus;
  readonly rule: events.Rule;
  /** The principals the bus admits. */
  readonly principals: readonly string[];

  constructor(scope: Construct, id: string, props: OperatorBackupRuleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.principals = props.operatorPrincipals ?? [stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: 'Admin' })];
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: props.busName, description: 'snapward: Backup Requested from operators' });
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OperatorsMayRequestBackups',
        principals: this.principals.map((arn) => new iam.ArnPrincipal(arn)),
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
      }),
    );
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'NobodyElse',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': [...this.principals] } },
      }),
    );
    this.rule = new events.Rule(this, 'Rule', {
      eventBus: this.bus,
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
