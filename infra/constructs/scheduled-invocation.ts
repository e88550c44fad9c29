import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue';
import { SnapwardPropsError } from './validation';

export interface ScheduledInvocationProps {
  /** The function the schedule invokes. */
  readonly target: lambda.IFunction;
  /** When; give the time zone explicitly (`ScheduleExpression.cron({ ..., timeZone })`). */
  readonly schedule: scheduler.ScheduleExpression;
  /** `TimeWindow.off()` to fire on the minute, `TimeWindow.flexible(d)` to let Scheduler spread it. */
  readonly timeWindow: scheduler.TimeWindow;
  /** Scheduler's retries when the invocation itself fails (0..185). */
  readonly retryAttempts: number;
  /** After this long an undelivered invocation goes to the dead-letter queue (1 min .. 24 h). */
  readonly maxEventAge: Duration;
  /**
   * The event the function receives.
   * @default {}
   */
  readonly input?: Record<string, unknown>;
  readonly description: string;
}

/**
 * An EventBridge Scheduler schedule that invokes one Lambda, with its own execution role (allowed
 * `lambda:InvokeFunction` on that function only, and `sqs:SendMessage` on its dead-letter queue)
 * and its own dead-letter queue for invocations Scheduler could not deliver.
 *
 * Scheduler invokes Lambda asynchronously, so the dead-letter queue catches failed *deliveries*
 * (throttled Invoke calls, a deleted function, a broken role); a function that ran and failed
 * shows up in its Errors alarm instead.
 */
export class ScheduledInvocation extends Construct {
  readonly schedule: scheduler.Schedule;
  readonly role: iam.Role;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ScheduledInvocationProps) {
    super(scope, id);
    const problems: string[] = [];
    if (!Number.isInteger(props.retryAttempts) || props.retryAttempts < 0 || props.retryAttempts > 185) {
      problems.push(`retryAttempts: got ${props.retryAttempts}, expected a whole number from 0 to 185`);
    }
    const age = props.maxEventAge.toSeconds();
    if (age < 60 || age > 86_400) problems.push(`maxEventAge: got ${age} s, expected 60 s to 24 h (86400 s)`);
    if (!props.schedule.timeZone) problems.push(`schedule: ${props.schedule.expressionString} has no time zone; build it with a timeZone so it does not depend on a default`);
    if (problems.length > 0) throw new SnapwardPropsError(problems, `${id} schedule`);

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters', { deadLetterFor: `the ${id} schedule` }).queue;

    const stack = Stack.of(this);
    // Confused-deputy guard: only schedules of this account's default group may assume the role.
    this.role = new iam.Role(this, 'Role', {
      description: `EventBridge Scheduler: invoke ${id}`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' }),
          },
        },
      }),
    });
    // Written out instead of `grantInvoke`, which also allows every version and alias (`<arn>:*`).
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'InvokeTarget', actions: ['lambda:InvokeFunction'], resources: [props.target.functionArn] }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'SendToDeadLetterQueue', actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
    );

    const role = this.role;
    const deadLetterArn = this.deadLetterQueue.queueArn;
    const input = scheduler.ScheduleTargetInput.fromObject(props.input ?? {});
    const target: scheduler.IScheduleTarget = {
      bind: () => ({
        arn: props.target.functionArn,
        role,
        input,
        retryPolicy: { maximumRetryAttempts: props.retryAttempts, maximumEventAgeInSeconds: age },
        deadLetterConfig: { arn: deadLetterArn },
      }),
    };
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule: props.schedule,
      timeWindow: props.timeWindow,
      target,
      description: props.description,
    });
  }
}
