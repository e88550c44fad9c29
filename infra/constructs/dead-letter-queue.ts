import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

export interface DeadLetterQueueProps {
  /** What lands here, for the queue's tag and the nag justification, e.g. "the reconcile schedule". */
  readonly deadLetterFor: string;
  /**
   * How long an undelivered event is kept for someone to look at or redrive.
   * @default Duration.days(14) (the SQS maximum)
   */
  readonly retentionPeriod?: Duration;
}

/**
 * A standard SQS queue that catches what a schedule or rule could not deliver. Encrypted with
 * SQS-managed keys (SSE-SQS): EventBridge rules cannot write to a queue under the AWS managed
 * `aws/sqs` KMS key, and a CMK would have to grant Scheduler and EventBridge in its key policy
 * for no gain on a queue that holds invocation payloads only. TLS is enforced by queue policy.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
    });
    acknowledge(
      this.queue,
      'AwsSolutions-SQS3',
      `This queue is itself the dead-letter queue of ${props.deadLetterFor}; a dead-letter queue of a dead-letter queue would only hide the messages further. An alarm fires on the first message.`,
    );
  }
}
