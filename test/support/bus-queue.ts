import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

/** An alert bus in moto whose rule delivers every snapward event to an SQS queue, to count them. */
export const REGION = 'us-east-1';
export const BUS = 'snapward-alerts';

export interface Received {
  readonly detailType: string;
  readonly findingId: string;
  readonly instanceId: string | null;
  readonly detail: Record<string, unknown>;
}

export async function makeBusToQueue(): Promise<string> {
  const events = new EventBridgeClient({ region: REGION });
  const sqs = new SQSClient({ region: REGION });
  await events.send(new CreateEventBusCommand({ Name: BUS }));
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'alerts' }))).QueueUrl as string;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
  await events.send(new PutRuleCommand({ Name: 'to-queue', EventBusName: BUS, EventPattern: JSON.stringify({ source: ['snapward'] }) }));
  await events.send(new PutTargetsCommand({ Rule: 'to-queue', EventBusName: BUS, Targets: [{ Id: 'q', Arn: arn }] }));
  events.destroy();
  sqs.destroy();
  return queueUrl;
}

export async function drain(queueUrl: string): Promise<Received[]> {
  const sqs = new SQSClient({ region: REGION });
  const out: Received[] = [];
  for (;;) {
    const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const messages = res.Messages ?? [];
    if (messages.length === 0) break;
    for (const m of messages) {
      const event = JSON.parse(m.Body as string);
      expect(event.source).toBe('snapward');
      out.push({ detailType: event['detail-type'], findingId: event.detail.findingId, instanceId: event.detail.instanceId ?? null, detail: event.detail });
    }
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
  }
  sqs.destroy();
  return out;
}

